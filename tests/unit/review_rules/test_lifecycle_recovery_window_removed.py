"""LIFE003 (scripts/review/rules/lifecycle_recovery_window_removed.py): recovery window lowered to 0."""

from tests.unit.review_rules._plans import found, plan, rc


def _window(old: int, new: int) -> dict:
    return plan(rc("aws_secretsmanager_secret.s", "aws_secretsmanager_secret", ["update"],
                   {"recovery_window_in_days": old}, {"recovery_window_in_days": new}))  # fmt: skip


def test_30_to_0_trips_it() -> None:
    assert found("LIFE003", _window(30, 0)) == [("LIFE003", "high", "aws_secretsmanager_secret.s")]


def test_30_to_7_or_0_to_7_does_not() -> None:
    assert found("LIFE003", _window(30, 7)) == found("LIFE003", _window(0, 7)) == []
