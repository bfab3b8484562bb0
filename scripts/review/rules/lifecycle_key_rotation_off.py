"""LIFE009: a KMS key's automatic rotation turned off."""

from __future__ import annotations

from collections.abc import Iterator

from scripts.review.model import Risk, Severity
from scripts.review.rule import ResourceRule
from scripts.review.view import Change, PlanView


class KeyRotationOff(ResourceRule):
    id = "LIFE009"
    title = "key rotation turned off"
    severity = Severity.LOW
    why = "the key material is no longer rotated yearly"
    previous_ids = ("key-rotation-turned-off",)
    types = frozenset({"aws_kms_key"})

    def scan_change(self, change: Change, view: PlanView) -> Iterator[Risk]:
        before, after = change.before.get("enable_key_rotation"), change.after.get("enable_key_rotation")
        if (change.updates or change.replaces) and before is True and after is False:
            yield self.risk(change.address, f"enable_key_rotation true → false: {self.why}")
