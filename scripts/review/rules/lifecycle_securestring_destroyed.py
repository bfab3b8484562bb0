"""LIFE011: a SecureString parameter destroyed: its value was never in Terraform, so it is lost."""

from __future__ import annotations

from collections.abc import Iterator

from scripts.review.lifecycle import PLAIN_PARAMETER_TYPES, replaced_because
from scripts.review.model import Risk, Severity
from scripts.review.rule import ResourceRule
from scripts.review.view import Change, PlanView


class SecureStringDestroyed(ResourceRule):
    id = "LIFE011"
    title = "SecureString destroyed"
    severity = Severity.HIGH
    why = "its value and version history are lost; set it again with make put-secret"
    previous_ids = ("securestring-destroyed",)
    types = frozenset({"aws_ssm_parameter"})

    def scan_change(self, change: Change, view: PlanView) -> Iterator[Risk]:
        if change.destroys and change.before.get("type") not in PLAIN_PARAMETER_TYPES:
            yield self.risk(change.address, f"{replaced_because(change, view)}{self.why}")
