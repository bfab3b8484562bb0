"""LIFE001 (scripts/review/rules/lifecycle_secret_destroyed.py): a secret destroyed."""

from tests.unit.review_rules._plans import findings, plan, rc


def _destroy(window: int | None) -> dict:
    before = {"name": "/e/a/secrets/k"} | ({} if window is None else {"recovery_window_in_days": window})
    return plan(rc("aws_secretsmanager_secret.s", "aws_secretsmanager_secret", ["delete"], before, None))


def test_a_destroy_trips_it_naming_the_recovery_window() -> None:
    (risk,) = findings("LIFE001", _destroy(7))
    assert (risk.rule, risk.severity, "restored for 7 days" in risk.detail) == ("LIFE001", "high", True)
    (at_once,) = findings("LIFE001", _destroy(0))
    assert "deleted at once and cannot be restored" in at_once.detail


def test_an_update_does_not() -> None:
    change = rc(
        "aws_secretsmanager_secret.s", "aws_secretsmanager_secret", ["update"], {"description": "a"}, {"description": "b"}
    )
    assert findings("LIFE001", plan(change)) == []
