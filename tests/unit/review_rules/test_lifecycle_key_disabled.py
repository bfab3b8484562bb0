"""LIFE007 (scripts/review/rules/lifecycle_key_disabled.py): a KMS key disabled."""

from tests.unit.review_rules._plans import found, plan, rc


def _enabled(old: bool, new: bool) -> dict:
    return plan(rc("aws_kms_key.k", "aws_kms_key", ["update"], {"is_enabled": old}, {"is_enabled": new}))


def test_disabling_trips_it() -> None:
    assert found("LIFE007", _enabled(True, False)) == [("LIFE007", "high", "aws_kms_key.k")]


def test_enabling_does_not() -> None:
    assert found("LIFE007", _enabled(False, True)) == []
