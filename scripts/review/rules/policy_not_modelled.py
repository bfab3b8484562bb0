"""POL011: a policy the review does not model: on an attribute the schema-derived list lacks, or in another grammar."""

from __future__ import annotations

from collections.abc import Iterator

from scripts.review.model import Risk, Severity
from scripts.review.policy import PolicyChange
from scripts.review.rule import PolicyRule
from scripts.review.view import PlanView


class PolicyNotModelled(PolicyRule):
    id = "POL011"
    title = "policy the review does not model"
    severity = Severity.MEDIUM
    why = "who it lets do what was not checked; read it yourself"

    def scan_policy(self, policy: PolicyChange, view: PlanView) -> Iterator[Risk]:
        if policy.modelled or (policy.before == policy.after and not policy.unknown):
            return
        where = f"{policy.change.type}.{policy.attribute}"
        yield self.risk(policy.change.address, f"{where} holds a policy this review does not analyse: {self.why}")
