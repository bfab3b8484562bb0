"""POL016: a Lambda permission for a service principal with no source ARN or account (the confused deputy)."""

from __future__ import annotations

from collections.abc import Iterator

from scripts.review.model import Risk, Severity
from scripts.review.rule import ResourceRule
from scripts.review.view import Change, PlanView


class LambdaPermissionNoSource(ResourceRule):
    id = "POL016"
    title = "Lambda permission without source ARN or account"
    severity = Severity.MEDIUM
    why = "any account's service may invoke the function (confused deputy): set source_arn or source_account"
    previous_ids = ("lambda-permission-without-source-arn-or-account",)
    types = frozenset({"aws_lambda_permission"})

    def scan_change(self, change: Change, view: PlanView) -> Iterator[Risk]:
        values = change.after
        principal = str(values.get("principal") or "")
        scoped = values.get("source_arn") or values.get("source_account") or values.get("principal_org_id")
        if not change.destroys and principal.endswith(".amazonaws.com") and not scoped:
            yield self.risk(change.address, f"{principal}: {self.why}")
