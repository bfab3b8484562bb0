"""POL010: a policy the configuration sets whose document neither the plan nor the configuration can say."""

from __future__ import annotations

from collections.abc import Iterator

from scripts.review.model import UNKNOWN, Risk, Severity
from scripts.review.policy import PolicyChange
from scripts.review.rule import PolicyRule
from scripts.review.view import PlanView


class PolicyUnknown(PolicyRule):
    id = "POL010"
    title = "policy unknown until apply"
    severity = Severity.MEDIUM
    why = "nothing in it could be checked: wildcards, principals and conditions"
    previous_ids = ("policy-unknown-until-apply",)

    def scan_policy(self, policy: PolicyChange, view: PlanView) -> Iterator[Risk]:
        if not policy.unknown or not policy.modelled:
            return
        depends = policy.change.references(policy.attribute.split(".", 1)[0])
        cause = f" (it depends on {', '.join(depends)})" if depends else ""
        yield self.risk(
            policy.change.address,
            f"the {policy.kind} policy {policy.attribute} is {UNKNOWN}{cause}: {self.why}; plan again once that exists",
        )
