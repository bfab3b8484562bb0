"""POL002: Principal "*" tied by a condition to an account, organization, source or network."""

from __future__ import annotations

from scripts.review.model import Severity
from scripts.review.policy import Grant, PolicyChange, is_public, is_scoped
from scripts.review.rule import GrantRule
from scripts.review.view import PlanView


class PublicPrincipalScoped(GrantRule):
    id = "POL002"
    title = "public principal limited by a condition"
    severity = Severity.MEDIUM
    why = "anyone may act if the condition holds"
    previous_ids = ("public-principal-limited-by-a-condition",)
    kinds = frozenset({"resource", "key", "trust"})

    def match(self, grant: Grant, policy: PolicyChange, view: PlanView) -> str | None:
        return grant.text() if is_public(grant.principal) and is_scoped(grant.condition) else None
