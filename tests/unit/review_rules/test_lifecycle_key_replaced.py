"""LIFE006 (scripts/review/rules/lifecycle_key_replaced.py): a KMS key replaced."""

from tests.unit.review_rules._plans import found, plan, rc


def test_a_replaced_key_trips_it() -> None:
    change = rc("aws_kms_key.k", "aws_kms_key", ["create", "delete"], {"key_usage": "A"}, {"key_usage": "B"},
                replace_paths=[["key_usage"]])  # fmt: skip
    assert found("LIFE006", plan(change)) == [("LIFE006", "high", "aws_kms_key.k")]


def test_a_deleted_key_is_life005() -> None:
    assert found("LIFE006", plan(rc("aws_kms_key.k", "aws_kms_key", ["delete"], {}, None))) == []
