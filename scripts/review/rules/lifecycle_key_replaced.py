"""LIFE006: KMS key replaced: after its deletion window, whatever it encrypted cannot be decrypted."""

from __future__ import annotations

from collections.abc import Iterator

from scripts.review.lifecycle import replaced_because
from scripts.review.model import Risk, Severity
from scripts.review.rule import ResourceRule
from scripts.review.view import Change, PlanView


class KeyReplaced(ResourceRule):
    id = "LIFE006"
    title = "KMS key replaced"
    severity = Severity.HIGH
    why = "after its deletion window, whatever it encrypted cannot be decrypted"
    previous_ids = ("kms-key-replaced",)
    types = frozenset({"aws_kms_key"})

    def scan_change(self, change: Change, view: PlanView) -> Iterator[Risk]:
        if not change.replaces:
            return
        window = change.before.get("deletion_window_in_days") or 30
        yield self.risk(
            change.address,
            f"{replaced_because(change, view)}the key is deleted after {window} days "
            f"(cancel with aws kms cancel-key-deletion until then); {self.why}",
        )
