"""LEAK002 (scripts/review/rules/leak_plain_string.py): a String parameter named like a secret."""

from tests.unit.review_rules._plans import found, plan, rc


def _parameter(name: str, kind: str) -> dict:
    return plan(rc("aws_ssm_parameter.p", "aws_ssm_parameter", ["create"], None, {"name": name, "type": kind}))


def test_a_string_under_secrets_trips_it() -> None:
    assert found("LEAK002", _parameter("/prod/app/secrets/db_password", "String")) == [("LEAK002", "high", "aws_ssm_parameter.p")]


def test_a_securestring_there_or_a_string_under_config_does_not() -> None:
    assert found("LEAK002", _parameter("/prod/app/secrets/db_password", "SecureString")) == []
    assert found("LEAK002", _parameter("/prod/app/config/url", "String")) == []
