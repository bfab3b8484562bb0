"""IAM008: the same action and principal now reach a wider resource (/app/config/* -> /app/*)."""

from __future__ import annotations

from scripts.review.model import Severity
from scripts.review.policy import Grant, PolicyChange
from scripts.review.rule import GrantRule
from scripts.review.view import PlanView


class BroaderResource(GrantRule):
    id = "IAM008"
    title = "IAM: broader resource"
    severity = Severity.HIGH
    why = "the same action now reaches more resources"
    previous_ids = ("iam-broader-resource",)

    def match(self, grant: Grant, policy: PolicyChange, view: PlanView) -> str | None:
        narrower = policy.broadened(grant)
        return f"{narrower[0]} → {grant.resource}" if narrower else None
