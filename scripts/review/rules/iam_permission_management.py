"""IAM003: an action that manages permissions (iam:PassRole, iam:Put*Policy, kms:CreateGrant, ...)."""

from __future__ import annotations

from scripts.review.model import Severity
from scripts.review.policy import Grant, PolicyChange, identity_class
from scripts.review.rule import GrantRule
from scripts.review.view import PlanView


class PermissionManagement(GrantRule):
    id = "IAM003"
    title = "IAM: permission-management action"
    severity = Severity.HIGH
    severity_note = "medium when scoped to named resources in a policy that already wrote"
    why = "it can grant more than this policy holds"
    previous_ids = ("iam-permission-management-action",)
    kinds = frozenset({"identity"})

    def match(self, grant: Grant, policy: PolicyChange, view: PlanView) -> tuple[Severity, str] | None:
        if identity_class(grant, policy) != "escalation":
            return None
        wide = grant.resource == "*" or policy.read_policy
        return (Severity.HIGH if wide else Severity.MEDIUM), grant.text()
