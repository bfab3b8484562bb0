"""LIFE012: a SecureString parameter replaced: its value was never in Terraform, so it is lost."""

from __future__ import annotations

from collections.abc import Iterator

from scripts.review.lifecycle import PLAIN_PARAMETER_TYPES, replaced_because
from scripts.review.model import Risk, Severity
from scripts.review.rule import ResourceRule
from scripts.review.view import Change, PlanView


class SecureStringReplaced(ResourceRule):
    id = "LIFE012"
    title = "SecureString replaced"
    severity = Severity.HIGH
    why = "its value and version history are lost; set it again with make put-secret"
    previous_ids = ("securestring-replaced",)
    types = frozenset({"aws_ssm_parameter"})

    def scan_change(self, change: Change, view: PlanView) -> Iterator[Risk]:
        if change.replaces and change.before.get("type") not in PLAIN_PARAMETER_TYPES:
            yield self.risk(change.address, f"{replaced_because(change, view)}{self.why}")
