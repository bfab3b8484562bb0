"""IAM006: Resource "*" for a read that accepts resource-level permissions."""

from __future__ import annotations

from scripts.review.model import Severity
from scripts.review.policy import Grant, PolicyChange, identity_class
from scripts.review.rule import GrantRule
from scripts.review.view import PlanView


class ScopableStar(GrantRule):
    id = "IAM006"
    title = "IAM: Resource * for an action that can be scoped"
    severity = Severity.MEDIUM
    why = "scope it to ARNs or a path"
    previous_ids = ("iam-resource-for-an-action-that-can-be-scoped",)
    kinds = frozenset({"identity"})

    def match(self, grant: Grant, policy: PolicyChange, view: PlanView) -> str | None:
        return grant.text() if identity_class(grant, policy) == "scopable-star" else None
