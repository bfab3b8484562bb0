"""LEAK002: a String parameter whose name says secret (/secrets/, ..._password)."""

from __future__ import annotations

from collections.abc import Iterator

from scripts.review.lifecycle import PLAIN_PARAMETER_TYPES
from scripts.review.model import Risk, Severity
from scripts.review.redact import secret_name
from scripts.review.rule import ResourceRule
from scripts.review.view import Change, PlanView


class LeakPlainString(ResourceRule):
    id = "LEAK002"
    title = "String where a SecureString was expected"
    severity = Severity.HIGH
    why = "it looks like a secret but is stored unencrypted (and its value is in the state)"
    previous_ids = ("string-where-a-securestring-was-expected",)
    types = frozenset({"aws_ssm_parameter"})

    def scan_change(self, change: Change, view: PlanView) -> Iterator[Risk]:
        if not (change.creates or change.updates) or change.after.get("type") not in PLAIN_PARAMETER_TYPES:
            return
        name = str(change.after.get("name", ""))
        if "/secrets/" in name or secret_name(name.rsplit("/", 1)[-1]):
            yield self.risk(change.address, f"{name}: {self.why}")
