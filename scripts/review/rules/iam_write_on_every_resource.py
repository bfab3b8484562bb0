"""IAM004: a write action on Resource "*" where the action can be scoped."""

from __future__ import annotations

from scripts.review.model import Severity
from scripts.review.policy import Grant, PolicyChange, identity_class
from scripts.review.rule import GrantRule
from scripts.review.view import PlanView


class WriteOnEveryResource(GrantRule):
    id = "IAM004"
    title = "IAM: write action on every resource"
    severity = Severity.HIGH
    why = "a write action on Resource * reaches every resource"
    previous_ids = ("iam-write-action-on-every-resource",)
    kinds = frozenset({"identity"})

    def match(self, grant: Grant, policy: PolicyChange, view: PlanView) -> str | None:
        return grant.text() if identity_class(grant, policy) == "write-star" else None
