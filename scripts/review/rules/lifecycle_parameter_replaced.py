"""LIFE014: a String parameter replaced: re-created with its value from the configuration."""

from __future__ import annotations

from collections.abc import Iterator

from scripts.review.lifecycle import PLAIN_PARAMETER_TYPES, replaced_because
from scripts.review.model import Risk, Severity
from scripts.review.rule import ResourceRule
from scripts.review.view import Change, PlanView


class ParameterReplaced(ResourceRule):
    id = "LIFE014"
    title = "parameter replaced"
    severity = Severity.LOW
    why = "it is re-created with its value from the configuration; version history restarts"
    previous_ids = ("parameter-replaced",)
    types = frozenset({"aws_ssm_parameter"})

    def scan_change(self, change: Change, view: PlanView) -> Iterator[Risk]:
        if change.replaces and change.before.get("type") in PLAIN_PARAMETER_TYPES:
            yield self.risk(change.address, f"{replaced_because(change, view)}{self.why}")
