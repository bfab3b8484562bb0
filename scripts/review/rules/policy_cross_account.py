"""POL003: a principal in another account than the one this plan deploys into."""

from __future__ import annotations

from scripts.review.model import Severity
from scripts.review.policy import Grant, PolicyChange, account_in
from scripts.review.rule import GrantRule
from scripts.review.view import PlanView

SECRET_HOLDERS = ("aws_secretsmanager_", "aws_ssm_")  # another account reading these reads the app's secrets


class CrossAccount(GrantRule):
    id = "POL003"
    title = "cross-account principal"
    severity = Severity.MEDIUM
    severity_note = "high in a trust or key policy, or on a secret or parameter"
    why = "a principal in another account may act on it"
    previous_ids = ("cross-account-principal",)
    kinds = frozenset({"resource", "key", "trust"})

    def match(self, grant: Grant, policy: PolicyChange, view: PlanView) -> tuple[Severity, str] | None:
        other = account_in(grant.principal)
        if not (other and policy.account and other != policy.account):
            return None
        sensitive = policy.kind in ("trust", "key") or policy.change.type.startswith(SECRET_HOLDERS)
        return (
            Severity.HIGH if sensitive else Severity.MEDIUM
        ), f"account {other} (this account is {policy.account}): {grant.text()}"
