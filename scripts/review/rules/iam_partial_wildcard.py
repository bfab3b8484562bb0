"""IAM007: a wildcard inside an action (ssm:GetParam*), which also grants actions AWS adds later."""

from __future__ import annotations

from scripts.review.model import Severity
from scripts.review.policy import Grant, PolicyChange, escalates, identity_class
from scripts.review.rule import GrantRule
from scripts.review.view import PlanView


class PartialWildcard(GrantRule):
    id = "IAM007"
    title = "IAM: partial wildcard action"
    severity = Severity.LOW
    why = "a wildcard also grants actions AWS adds later"
    previous_ids = ("iam-wildcard-action",)
    kinds = frozenset({"identity"})

    def match(self, grant: Grant, policy: PolicyChange, view: PlanView) -> str | None:
        action = grant.action.removeprefix("Not:")
        if "*" not in action or identity_class(grant, policy) in ("all", "service") or escalates(action):
            return None
        return grant.text()
