"""POL004: a principal in an account, when the plan does not say which account it deploys into."""

from __future__ import annotations

from scripts.review.model import Severity
from scripts.review.policy import Grant, PolicyChange, account_in
from scripts.review.rule import GrantRule
from scripts.review.view import PlanView


class UnplacedAccount(GrantRule):
    id = "POL004"
    title = "principal in an account this plan cannot place"
    severity = Severity.LOW
    why = "the plan names no account of its own to compare it with"
    previous_ids = ("principal-in-an-account-this-plan-cannot-place",)
    kinds = frozenset({"resource", "key", "trust"})

    def match(self, grant: Grant, policy: PolicyChange, view: PlanView) -> str | None:
        other = account_in(grant.principal)
        return f"account {other}: {grant.text()}" if other and not policy.account else None
