"""LIFE007: a KMS key disabled."""

from __future__ import annotations

from collections.abc import Iterator

from scripts.review.model import Risk, Severity
from scripts.review.rule import ResourceRule
from scripts.review.view import Change, PlanView


class KeyDisabled(ResourceRule):
    id = "LIFE007"
    title = "KMS key disabled"
    severity = Severity.HIGH
    why = "whatever it encrypts cannot be decrypted until it is re-enabled"
    previous_ids = ("kms-key-disabled",)
    types = frozenset({"aws_kms_key"})

    def scan_change(self, change: Change, view: PlanView) -> Iterator[Risk]:
        if (
            (change.updates or change.replaces)
            and change.before.get("is_enabled") is True
            and change.after.get("is_enabled") is False
        ):
            yield self.risk(change.address, f"is_enabled true → false: {self.why}")
