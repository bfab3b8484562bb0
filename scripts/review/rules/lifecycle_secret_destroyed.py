"""LIFE001: a Secrets Manager secret destroyed: its value and version history go."""

from __future__ import annotations

from collections.abc import Iterator

from scripts.review.model import Risk, Severity
from scripts.review.rule import ResourceRule
from scripts.review.view import Change, PlanView


class SecretDestroyed(ResourceRule):
    id = "LIFE001"
    title = "secret destroyed"
    severity = Severity.HIGH
    why = "its value and version history go; its name stays taken for the recovery window"
    previous_ids = ("secret-destroyed",)
    types = frozenset({"aws_secretsmanager_secret"})

    def scan_change(self, change: Change, view: PlanView) -> Iterator[Risk]:
        if not change.destroys:
            return
        window = change.before.get("recovery_window_in_days")
        if window == 0:
            kept = "recovery_window_in_days is 0: it is deleted at once and cannot be restored"
        else:
            kept = f"it can be restored for {window if window is not None else 30} days, and its name stays taken until then"
        yield self.risk(change.address, f"its value and version history go; {kept}")
