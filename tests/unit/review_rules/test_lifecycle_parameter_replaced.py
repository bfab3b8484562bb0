"""LIFE014 (scripts/review/rules/lifecycle_parameter_replaced.py): a String parameter replaced."""

from tests.unit.review_rules._plans import found, plan, rc


def _replace(kind: str) -> dict:
    return plan(rc("aws_ssm_parameter.p", "aws_ssm_parameter", ["delete", "create"], {"type": kind, "name": "/a"},
                   {"type": kind, "name": "/b"}, replace_paths=[["name"]]))  # fmt: skip


def test_a_string_replaced_is_low() -> None:
    """It comes back with its value from tfvars: only its history restarts."""
    assert found("LIFE014", _replace("String")) == [("LIFE014", "low", "aws_ssm_parameter.p")]


def test_a_securestring_replaced_is_life012() -> None:
    assert found("LIFE014", _replace("SecureString")) == []
