"""POL001: Principal "*" in a resource, key or trust policy, with no condition tying it to an account or source."""

from __future__ import annotations

from scripts.review.model import Severity
from scripts.review.policy import Grant, PolicyChange, is_public, is_scoped
from scripts.review.rule import GrantRule
from scripts.review.view import PlanView


class PublicPrincipal(GrantRule):
    id = "POL001"
    title = "public principal"
    severity = Severity.HIGH
    why = 'Principal "*" lets any AWS account act on it'
    previous_ids = ("public-principal",)
    kinds = frozenset({"resource", "key", "trust"})

    def match(self, grant: Grant, policy: PolicyChange, view: PlanView) -> str | None:
        return grant.text() if is_public(grant.principal) and not is_scoped(grant.condition) else None
