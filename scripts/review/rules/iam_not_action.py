"""IAM009: Allow with NotAction, NotResource or NotPrincipal."""

from __future__ import annotations

from scripts.review.model import Severity
from scripts.review.policy import Grant, PolicyChange, negated
from scripts.review.rule import GrantRule
from scripts.review.view import PlanView


class NotAction(GrantRule):
    id = "IAM009"
    title = "IAM: Allow with NotAction/NotResource/NotPrincipal"
    severity = Severity.HIGH
    why = "it allows everything except what is listed"
    previous_ids = ("iam-allow-with-notaction-notresource-notprincipal",)

    def match(self, grant: Grant, policy: PolicyChange, view: PlanView) -> str | None:
        return grant.text() if negated(grant) else None
