"""LIFE016: log group replaced: the log group and all its logs are deleted."""

from __future__ import annotations

from collections.abc import Iterator

from scripts.review.lifecycle import replaced_because
from scripts.review.model import Risk, Severity
from scripts.review.rule import ResourceRule
from scripts.review.view import Change, PlanView


class LogGroupReplaced(ResourceRule):
    id = "LIFE016"
    title = "log group replaced"
    severity = Severity.MEDIUM
    why = "the log group and all its logs are deleted"
    previous_ids = ("aws-cloudwatch-log-group-replaced",)
    types = frozenset({"aws_cloudwatch_log_group"})

    def scan_change(self, change: Change, view: PlanView) -> Iterator[Risk]:
        if change.replaces:
            yield self.risk(change.address, f"{replaced_because(change, view)}{self.why}")
