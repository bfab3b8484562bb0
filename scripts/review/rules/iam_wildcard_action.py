"""IAM001: Action "*" in an identity policy."""

from __future__ import annotations

from scripts.review.model import Severity
from scripts.review.policy import Grant, PolicyChange, identity_class
from scripts.review.rule import GrantRule
from scripts.review.view import PlanView


class WildcardAction(GrantRule):
    id = "IAM001"
    title = "IAM: wildcard action"
    severity = Severity.HIGH
    why = 'Action "*" grants every action of every service'
    previous_ids = ("iam-wildcard-action",)
    kinds = frozenset({"identity"})

    def match(self, grant: Grant, policy: PolicyChange, view: PlanView) -> str | None:
        return grant.text() if identity_class(grant, policy) == "all" else None
