"""POL003: a principal in another account than the one this plan deploys into."""

from __future__ import annotations

from scripts.review.model import Severity
from scripts.review.policy import Grant, PolicyChange, account_in
from scripts.review.rule import GrantRule
from scripts.review.view import PlanView


class CrossAccount(GrantRule):
    id = "POL003"
    title = "cross-account principal"
    severity = Severity.MEDIUM
    why = "a principal in another account may act on it"
    previous_ids = ("cross-account-principal",)
    kinds = frozenset({"resource", "key", "trust"})

    def match(self, grant: Grant, policy: PolicyChange, view: PlanView) -> str | None:
        other = account_in(grant.principal)
        if other and policy.account and other != policy.account:
            return f"account {other} (this account is {policy.account}): {grant.text()}"
        return None
