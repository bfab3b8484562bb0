"""LIFE013 (scripts/review/rules/lifecycle_parameter_destroyed.py): a String parameter destroyed."""

from tests.unit.review_rules._plans import found, plan, rc


def _parameter(kind: str) -> dict:
    return plan(rc("aws_ssm_parameter.p", "aws_ssm_parameter", ["delete"], {"type": kind, "name": "/a"}, None))


def test_a_string_destroyed_trips_it() -> None:
    assert found("LIFE013", _parameter("String")) == [("LIFE013", "medium", "aws_ssm_parameter.p")]


def test_a_securestring_is_life011() -> None:
    assert found("LIFE013", _parameter("SecureString")) == []
