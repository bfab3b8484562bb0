"""POL015: a Lambda permission for principal "*"."""

from __future__ import annotations

from collections.abc import Iterator

from scripts.review.model import Risk, Severity
from scripts.review.rule import ResourceRule
from scripts.review.view import Change, PlanView


class LambdaPublicPermission(ResourceRule):
    id = "POL015"
    title = "public Lambda permission"
    severity = Severity.HIGH
    severity_note = "medium when tied to a source ARN, account or organization, and not a function URL without auth"
    why = "anyone may invoke the function"
    previous_ids = ("public-lambda-permission",)
    types = frozenset({"aws_lambda_permission"})

    def scan_change(self, change: Change, view: PlanView) -> Iterator[Risk]:
        values = change.after
        if change.destroys or values.get("principal") != "*":
            return
        scoped = values.get("source_arn") or values.get("source_account") or values.get("principal_org_id")
        url = values.get("function_url_auth_type") == "NONE"
        severity = Severity.MEDIUM if scoped and not url else Severity.HIGH
        how = " through a function URL without auth" if url else ""
        yield self.risk(change.address, f"{self.why}{how}: principal *", severity)
