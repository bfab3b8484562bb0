"""POL017: a Lambda permission for a principal in another account."""

from __future__ import annotations

from collections.abc import Iterator

from scripts.review.model import Risk, Severity
from scripts.review.policy import account_in
from scripts.review.rule import ResourceRule
from scripts.review.view import Change, PlanView


class LambdaCrossAccountPermission(ResourceRule):
    id = "POL017"
    title = "cross-account Lambda permission"
    severity = Severity.MEDIUM
    why = "another account may invoke the function"
    previous_ids = ("cross-account-lambda-permission",)
    types = frozenset({"aws_lambda_permission"})

    def scan_change(self, change: Change, view: PlanView) -> Iterator[Risk]:
        other = account_in(str(change.after.get("principal") or ""))
        if not change.destroys and other and view.account and other != view.account:
            yield self.risk(change.address, f"account {other}: {self.why}")
