"""LIFE010 (scripts/review/rules/lifecycle_securestring_to_string.py): a SecureString becoming a String."""

from tests.unit.review_rules._plans import found, plan, rc


def _type(old: str, new: str) -> dict:
    return plan(
        rc("aws_ssm_parameter.p", "aws_ssm_parameter", ["update"], {"type": old, "name": "/a"}, {"type": new, "name": "/a"})
    )


def test_securestring_to_string_trips_it() -> None:
    assert found("LIFE010", _type("SecureString", "String")) == [("LIFE010", "high", "aws_ssm_parameter.p")]


def test_string_to_securestring_does_not() -> None:
    assert found("LIFE010", _type("String", "SecureString")) == []
