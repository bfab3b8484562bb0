"""POL005: a trust policy that lets a new principal assume the role."""

from __future__ import annotations

from collections.abc import Iterator

from scripts.review.model import Risk, Severity
from scripts.review.policy import PolicyChange
from scripts.review.rule import PolicyRule
from scripts.review.view import PlanView


class TrustNewPrincipal(PolicyRule):
    id = "POL005"
    title = "trust policy: new principal"
    severity = Severity.HIGH
    why = "a new principal may assume the role"
    previous_ids = ("trust-policy-new-principal",)

    def scan_policy(self, policy: PolicyChange, view: PlanView) -> Iterator[Risk]:
        if policy.kind != "trust" or not policy.old:
            return
        added = sorted({g.principal for g in policy.new if g.effect == "Allow"} - {g.principal for g in policy.old})
        if added:
            yield self.risk(policy.change.address, f"{self.why}: {', '.join(added)}")
