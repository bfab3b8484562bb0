"""LIFE019: a secret's rotation removed (its aws_secretsmanager_secret_rotation destroyed)."""

from __future__ import annotations

from collections.abc import Iterator

from scripts.review.model import Risk, Severity
from scripts.review.rule import ResourceRule
from scripts.review.view import Change, PlanView


class RotationRemoved(ResourceRule):
    id = "LIFE019"
    title = "secret rotation removed"
    severity = Severity.MEDIUM
    why = "the secret keeps its current value until someone rotates it by hand"
    types = frozenset({"aws_secretsmanager_secret_rotation"})

    def scan_change(self, change: Change, view: PlanView) -> Iterator[Risk]:
        if change.destroys:
            yield self.risk(change.address, f"{change.before.get('secret_id', 'the secret')}: {self.why}")
