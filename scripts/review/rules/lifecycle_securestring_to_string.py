"""LIFE010: a SecureString parameter becoming a String."""

from __future__ import annotations

from collections.abc import Iterator

from scripts.review.lifecycle import PLAIN_PARAMETER_TYPES
from scripts.review.model import Risk, Severity
from scripts.review.rule import ResourceRule
from scripts.review.view import Change, PlanView


class SecureStringToString(ResourceRule):
    id = "LIFE010"
    title = "SecureString becomes a String"
    severity = Severity.HIGH
    why = "the value would be stored unencrypted and shown in plans"
    previous_ids = ("securestring-becomes-a-string",)
    types = frozenset({"aws_ssm_parameter"})

    def scan_change(self, change: Change, view: PlanView) -> Iterator[Risk]:
        new = change.after.get("type")
        if (change.updates or change.replaces) and change.before.get("type") == "SecureString" and new in PLAIN_PARAMETER_TYPES:
            yield self.risk(change.address, f"type SecureString → {new}: {self.why}")
