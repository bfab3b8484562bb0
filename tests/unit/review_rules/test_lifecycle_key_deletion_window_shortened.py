"""LIFE008 (scripts/review/rules/lifecycle_key_deletion_window_shortened.py): a key's deletion window shortened."""

from tests.unit.review_rules._plans import found, plan, rc


def _window(old: int, new: int) -> dict:
    return plan(
        rc("aws_kms_key.k", "aws_kms_key", ["update"], {"deletion_window_in_days": old}, {"deletion_window_in_days": new})
    )


def test_30_to_7_trips_it() -> None:
    assert found("LIFE008", _window(30, 7)) == [("LIFE008", "low", "aws_kms_key.k")]


def test_7_to_30_does_not() -> None:
    assert found("LIFE008", _window(7, 30)) == []
