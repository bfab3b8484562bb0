"""IAM005: a write action added to a policy that only read."""

from __future__ import annotations

from scripts.review.model import Severity
from scripts.review.policy import Grant, PolicyChange, identity_class
from scripts.review.rule import GrantRule
from scripts.review.view import PlanView


class WriteInReadPolicy(GrantRule):
    id = "IAM005"
    title = "IAM: write action in a read policy"
    severity = Severity.MEDIUM
    why = "this policy only read before"
    previous_ids = ("iam-write-action-in-a-read-policy",)
    kinds = frozenset({"identity"})

    def match(self, grant: Grant, policy: PolicyChange, view: PlanView) -> str | None:
        return grant.text() if identity_class(grant, policy) == "write-in-read" else None
