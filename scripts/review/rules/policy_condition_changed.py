"""POL008: a condition of an existing grant changed (compared condition by condition)."""

from __future__ import annotations

from collections.abc import Iterator

from scripts.review.model import Risk, Severity
from scripts.review.policy import PolicyChange
from scripts.review.rule import PolicyRule, listing
from scripts.review.view import PlanView


class ConditionChanged(PolicyRule):
    id = "POL008"
    title = "condition changed"
    severity = Severity.MEDIUM
    why = "the review cannot tell whether the grant applies more widely"
    previous_ids = ("condition-changed",)

    def scan_policy(self, policy: PolicyChange, view: PlanView) -> Iterator[Risk]:
        items = [f"{what}: {grant.text()}" for how, what, grant in policy.condition_changes if how == "changed"]
        if items:
            yield self.risk(policy.change.address, f"{self.why}: {listing(items)}")
