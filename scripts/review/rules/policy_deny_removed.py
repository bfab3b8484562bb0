"""POL009: a Deny statement removed (or narrowed), in any kind of policy."""

from __future__ import annotations

from collections.abc import Iterator

from scripts.review.model import Risk, Severity
from scripts.review.policy import PolicyChange
from scripts.review.rule import PolicyRule, listing
from scripts.review.view import PlanView


class DenyRemoved(PolicyRule):
    id = "POL009"
    title = "Deny statement removed"
    severity = Severity.MEDIUM
    why = "what it denied may now be allowed"
    previous_ids = ("deny-statement-removed",)

    def scan_policy(self, policy: PolicyChange, view: PlanView) -> Iterator[Risk]:
        if policy.removed_denies:
            yield self.risk(policy.change.address, f"{self.why}: {listing([g.text() for g in policy.removed_denies])}")
