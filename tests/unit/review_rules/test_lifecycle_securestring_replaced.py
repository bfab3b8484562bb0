"""LIFE012 (scripts/review/rules/lifecycle_securestring_replaced.py): a SecureString replaced: its value is lost."""

from tests.unit.review_rules._plans import found, plan, rc


def _parameter(kind: str) -> dict:
    return plan(
        rc(
            "aws_ssm_parameter.p",
            "aws_ssm_parameter",
            ["delete", "create"],
            {"type": kind, "name": "/a"},
            {"type": "SecureString", "name": "/b"},
        )
    )


def test_a_securestring_trips_it() -> None:
    assert found("LIFE012", _parameter("SecureString")) == [("LIFE012", "high", "aws_ssm_parameter.p")]


def test_a_string_does_not() -> None:
    """A String's value is in the configuration: LIFE013 and LIFE014 look at it."""
    assert found("LIFE012", _parameter("String")) == []
