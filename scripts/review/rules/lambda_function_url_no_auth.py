"""POL018: a Lambda function URL with authorization_type NONE: anyone on the internet may call the function."""

from __future__ import annotations

from collections.abc import Iterator

from scripts.review.model import Risk, Severity
from scripts.review.rule import ResourceRule
from scripts.review.view import Change, PlanView


class FunctionUrlNoAuth(ResourceRule):
    id = "POL018"
    title = "function URL without auth"
    severity = Severity.HIGH
    why = "anyone on the internet may invoke a function that reads secrets; use AWS_IAM"
    types = frozenset({"aws_lambda_function_url"})

    def scan_change(self, change: Change, view: PlanView) -> Iterator[Risk]:
        if (change.creates or change.updates) and change.after.get("authorization_type") == "NONE":
            yield self.risk(change.address, f"authorization_type NONE: {self.why}")
