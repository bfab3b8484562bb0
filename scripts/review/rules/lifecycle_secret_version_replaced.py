"""LIFE018: secret version replaced: this version of the secret's value is deleted."""

from __future__ import annotations

from collections.abc import Iterator

from scripts.review.lifecycle import replaced_because
from scripts.review.model import Risk, Severity
from scripts.review.rule import ResourceRule
from scripts.review.view import Change, PlanView


class SecretVersionReplaced(ResourceRule):
    id = "LIFE018"
    title = "secret version replaced"
    severity = Severity.HIGH
    why = "this version of the secret's value is deleted"
    previous_ids = ("aws-secretsmanager-secret-version-replaced",)
    types = frozenset({"aws_secretsmanager_secret_version"})

    def scan_change(self, change: Change, view: PlanView) -> Iterator[Risk]:
        if change.replaces:
            yield self.risk(change.address, f"{replaced_because(change, view)}{self.why}")
