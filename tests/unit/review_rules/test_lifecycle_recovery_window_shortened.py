"""LIFE004 (scripts/review/rules/lifecycle_recovery_window_shortened.py): recovery window lowered, not to 0."""

from tests.unit.review_rules._plans import found, plan, rc


def _window(old: int, new: int) -> dict:
    return plan(rc("aws_secretsmanager_secret.s", "aws_secretsmanager_secret", ["update"],
                   {"recovery_window_in_days": old}, {"recovery_window_in_days": new}))  # fmt: skip


def test_30_to_7_trips_it() -> None:
    assert found("LIFE004", _window(30, 7)) == [("LIFE004", "low", "aws_secretsmanager_secret.s")]


def test_30_to_0_is_life003_and_a_longer_window_is_nothing() -> None:
    assert found("LIFE004", _window(30, 0)) == found("LIFE004", _window(7, 30)) == []
