"""LIFE004: recovery_window_in_days lowered, not to 0."""

from __future__ import annotations

from collections.abc import Iterator

from scripts.review.lifecycle import lowered
from scripts.review.model import Risk, Severity
from scripts.review.rule import ResourceRule
from scripts.review.view import Change, PlanView


class RecoveryWindowShortened(ResourceRule):
    id = "LIFE004"
    title = "recovery window shortened"
    severity = Severity.LOW
    why = "a destroyed secret can be restored for fewer days"
    previous_ids = ("recovery-window-shortened",)
    types = frozenset({"aws_secretsmanager_secret"})

    def scan_change(self, change: Change, view: PlanView) -> Iterator[Risk]:
        window = lowered(change, "recovery_window_in_days")
        if window and window[1] > 0:
            yield self.risk(change.address, f"recovery_window_in_days {window[0]} → {window[1]}: {self.why}")
