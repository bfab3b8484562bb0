"""LIFE011 (scripts/review/rules/lifecycle_securestring_destroyed.py): a SecureString destroyed: its value is lost."""

from tests.unit.review_rules._plans import found, plan, rc


def _parameter(kind: str) -> dict:
    return plan(rc("aws_ssm_parameter.p", "aws_ssm_parameter", ["delete"], {"type": kind, "name": "/a"}, None))


def test_a_securestring_trips_it() -> None:
    assert found("LIFE011", _parameter("SecureString")) == [("LIFE011", "high", "aws_ssm_parameter.p")]


def test_a_string_does_not() -> None:
    """A String's value is in the configuration: LIFE013 and LIFE014 look at it."""
    assert found("LIFE011", _parameter("String")) == []
