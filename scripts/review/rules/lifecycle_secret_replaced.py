"""LIFE002: a Secrets Manager secret replaced: its value and version history go."""

from __future__ import annotations

from collections.abc import Iterator

from scripts.review.lifecycle import replaced_because
from scripts.review.model import Risk, Severity
from scripts.review.rule import ResourceRule
from scripts.review.view import Change, PlanView


class SecretReplaced(ResourceRule):
    id = "LIFE002"
    title = "secret replaced"
    severity = Severity.HIGH
    why = "its value and version history go; its name stays taken for the recovery window"
    previous_ids = ("secret-replaced",)
    types = frozenset({"aws_secretsmanager_secret"})

    def scan_change(self, change: Change, view: PlanView) -> Iterator[Risk]:
        if not change.replaces:
            return
        window = change.before.get("recovery_window_in_days")
        if window == 0:
            kept = "recovery_window_in_days is 0: it is deleted at once and cannot be restored"
        else:
            kept = f"it can be restored for {window if window is not None else 30} days, and its name stays taken until then"
        why = replaced_because(change, view)
        empty = "; the new secret starts empty: set its value with make put-secret"
        yield self.risk(change.address, f"{why}its value and version history go; {kept}{empty}")
