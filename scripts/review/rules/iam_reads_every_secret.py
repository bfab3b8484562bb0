"""IAM010: a secret read (GetSecretValue, ssm:GetParameter*, kms:Decrypt) on every secret of the account, with no condition."""

from __future__ import annotations

from scripts.review.model import Severity
from scripts.review.policy import Grant, PolicyChange, identity_class
from scripts.review.rule import GrantRule
from scripts.review.view import PlanView


class ReadsEverySecret(GrantRule):
    id = "IAM010"
    title = "IAM: reads every secret"
    severity = Severity.HIGH
    why = "it reads every secret or parameter of the account, every app's included; scope it to the app's paths"
    kinds = frozenset({"identity"})

    def match(self, grant: Grant, policy: PolicyChange, view: PlanView) -> str | None:
        return grant.text() if identity_class(grant, policy) == "secrets-star" else None
