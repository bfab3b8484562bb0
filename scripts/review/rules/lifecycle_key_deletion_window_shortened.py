"""LIFE008: a KMS key's deletion window shortened."""

from __future__ import annotations

from collections.abc import Iterator

from scripts.review.lifecycle import lowered
from scripts.review.model import Risk, Severity
from scripts.review.rule import ResourceRule
from scripts.review.view import Change, PlanView


class KeyDeletionWindowShortened(ResourceRule):
    id = "LIFE008"
    title = "key deletion window shortened"
    severity = Severity.LOW
    why = "a deletion can be cancelled for fewer days"
    previous_ids = ("key-deletion-window-shortened",)
    types = frozenset({"aws_kms_key"})

    def scan_change(self, change: Change, view: PlanView) -> Iterator[Risk]:
        window = lowered(change, "deletion_window_in_days")
        if window:
            yield self.risk(change.address, f"deletion_window_in_days {window[0]} → {window[1]}: {self.why}")
