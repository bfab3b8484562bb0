"""IAM002: every action of one service (svc:*) in an identity policy."""

from __future__ import annotations

from scripts.review.model import Severity
from scripts.review.policy import Grant, PolicyChange, identity_class
from scripts.review.rule import GrantRule
from scripts.review.view import PlanView


class ServiceWideAction(GrantRule):
    id = "IAM002"
    title = "IAM: service-wide action"
    severity = Severity.HIGH
    why = "it grants every action of the service, writes and permission changes included"
    previous_ids = ("iam-service-wide-action",)
    kinds = frozenset({"identity"})

    def match(self, grant: Grant, policy: PolicyChange, view: PlanView) -> str | None:
        return grant.text() if identity_class(grant, policy) == "service" else None
