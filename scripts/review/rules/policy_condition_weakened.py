"""POL007: a condition of an existing grant weakened (compared condition by condition)."""

from __future__ import annotations

from collections.abc import Iterator

from scripts.review.model import Risk, Severity
from scripts.review.policy import PolicyChange
from scripts.review.rule import PolicyRule, listing
from scripts.review.view import PlanView


class ConditionWeakened(PolicyRule):
    id = "POL007"
    title = "condition weakened"
    severity = Severity.HIGH
    why = "the grant may now apply where it did not"
    previous_ids = ("condition-weakened",)

    def scan_policy(self, policy: PolicyChange, view: PlanView) -> Iterator[Risk]:
        items = [f"{what}: {grant.text()}" for how, what, grant in policy.condition_changes if how == "weakened"]
        if items:
            yield self.risk(policy.change.address, f"{self.why}: {listing(items)}")
