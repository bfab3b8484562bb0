"""LIFE013: a String parameter destroyed: its history goes (its value stays in the configuration's history)."""

from __future__ import annotations

from collections.abc import Iterator

from scripts.review.lifecycle import PLAIN_PARAMETER_TYPES
from scripts.review.model import Risk, Severity
from scripts.review.rule import ResourceRule
from scripts.review.view import Change, PlanView


class ParameterDestroyed(ResourceRule):
    id = "LIFE013"
    title = "parameter destroyed"
    severity = Severity.MEDIUM
    why = "the parameter and its version history are deleted (its value stays in git history)"
    previous_ids = ("parameter-destroyed",)
    types = frozenset({"aws_ssm_parameter"})

    def scan_change(self, change: Change, view: PlanView) -> Iterator[Risk]:
        if change.destroys and change.before.get("type") in PLAIN_PARAMETER_TYPES:
            yield self.risk(change.address, self.why)
