"""LIFE003: recovery_window_in_days lowered to 0 on a live secret."""

from __future__ import annotations

from collections.abc import Iterator

from scripts.review.lifecycle import lowered
from scripts.review.model import Risk, Severity
from scripts.review.rule import ResourceRule
from scripts.review.view import Change, PlanView


class RecoveryWindowRemoved(ResourceRule):
    id = "LIFE003"
    title = "recovery window removed"
    severity = Severity.HIGH
    why = "a later destroy deletes the secret at once, with no way back"
    previous_ids = ("recovery-window-removed",)
    types = frozenset({"aws_secretsmanager_secret"})

    def scan_change(self, change: Change, view: PlanView) -> Iterator[Risk]:
        window = lowered(change, "recovery_window_in_days")
        if window and window[1] == 0:
            yield self.risk(change.address, f"recovery_window_in_days {window[0]} → 0: {self.why}")
