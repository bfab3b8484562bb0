"""LIFE017: secret version destroyed: this version of the secret's value is deleted."""

from __future__ import annotations

from collections.abc import Iterator

from scripts.review.lifecycle import replaced_because
from scripts.review.model import Risk, Severity
from scripts.review.rule import ResourceRule
from scripts.review.view import Change, PlanView


class SecretVersionDestroyed(ResourceRule):
    id = "LIFE017"
    title = "secret version destroyed"
    severity = Severity.HIGH
    why = "this version of the secret's value is deleted"
    previous_ids = ("aws-secretsmanager-secret-version-destroyed",)
    types = frozenset({"aws_secretsmanager_secret_version"})

    def scan_change(self, change: Change, view: PlanView) -> Iterator[Risk]:
        if change.destroys:
            yield self.risk(change.address, f"{replaced_because(change, view)}{self.why}")
