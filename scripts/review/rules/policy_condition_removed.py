"""POL006: a condition of an existing grant removed (compared condition by condition)."""

from __future__ import annotations

from collections.abc import Iterator

from scripts.review.model import Risk, Severity
from scripts.review.policy import PolicyChange
from scripts.review.rule import PolicyRule, listing
from scripts.review.view import PlanView


class ConditionRemoved(PolicyRule):
    id = "POL006"
    title = "condition removed"
    severity = Severity.HIGH
    why = "the grant now applies everywhere"
    previous_ids = ("condition-removed",)

    def scan_policy(self, policy: PolicyChange, view: PlanView) -> Iterator[Risk]:
        items = [f"{what}: {grant.text()}" for how, what, grant in policy.condition_changes if how == "removed"]
        if items:
            yield self.risk(policy.change.address, f"{self.why}: {listing(items)}")
