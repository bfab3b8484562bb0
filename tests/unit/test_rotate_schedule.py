"""scripts/sandbox/rotate_secret.schedule: what the sandbox records for a declared schedule (moto knows only days)."""

from __future__ import annotations

import pytest

from scripts.sandbox.rotate_secret import DEFAULT_DAYS, schedule


@pytest.mark.parametrize(
    ("days", "expression", "recorded", "said"),
    [
        (7, None, 7, ""),  # days: recorded as declared
        (None, "rate(10 days)", 10, ""),  # a rate in days is days
        (None, "rate(1 day)", 1, ""),
        (None, "rate(4 hours)", DEFAULT_DAYS, "schedule_expression rate(4 hours) is not played in the sandbox"),
        (None, "cron(0 16 1,15 * ? *)", DEFAULT_DAYS, "moto knows only days"),
        (None, "rate(5000 days)", DEFAULT_DAYS, "is not played"),  # beyond AutomaticallyAfterDays' 1-1000
    ],
)
def test_the_sandbox_records_days_and_says_what_stands_in_for_the_rest(
    days: int | None, expression: str | None, recorded: int, said: str
) -> None:
    """`days` and `rate(N days)` are recorded as they are; anything else gets DEFAULT_DAYS and one sentence saying so."""
    got, note = schedule(days, expression)
    assert got == recorded and (said in note if said else note == "")
