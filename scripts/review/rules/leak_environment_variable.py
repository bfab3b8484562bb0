"""LEAK001: a Lambda environment variable named like a secret that holds a value, not a name."""

from __future__ import annotations

from collections.abc import Iterator

from scripts.review.model import Risk, Severity
from scripts.review.plan import environment_of
from scripts.review.redact import looks_like_a_name, secret_name
from scripts.review.rule import ResourceRule
from scripts.review.view import Change, PlanView


class LeakEnvironmentVariable(ResourceRule):
    id = "LEAK001"
    title = "secret-looking environment variable"
    severity = Severity.HIGH
    why = (
        "anyone who can read the function's configuration sees it; keep it in Secrets Manager or a SecureString and pass its name"
    )
    previous_ids = ("secret-looking-environment-variable",)
    types = frozenset({"aws_lambda_function"})

    def scan_change(self, change: Change, view: PlanView) -> Iterator[Risk]:
        if not (change.creates or change.updates):
            return
        for name, value in sorted(environment_of(change.after).items()):
            if secret_name(name) and not looks_like_a_name(value):
                yield self.risk(change.address, f"{name} holds a value, not a name: {self.why}")
