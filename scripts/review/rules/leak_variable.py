"""LEAK004: a root variable named like a secret with a literal value (tfvars), not declared sensitive."""

from __future__ import annotations

from collections.abc import Iterator

from scripts.review.model import Risk, Severity
from scripts.review.redact import looks_like_a_name, secret_name
from scripts.review.rule import PlanRule
from scripts.review.view import PlanView


class LeakVariable(PlanRule):
    id = "LEAK004"
    title = "secret-looking variable with a value"
    severity = Severity.MEDIUM
    why = "its value is in tfvars, the plan and the state; set it with make put-secret instead"
    previous_ids = ("secret-looking-variable-with-a-value",)

    def scan(self, view: PlanView) -> Iterator[Risk]:
        declared = view.plan.get("configuration", {}).get("root_module", {}).get("variables", {})
        for name, variable in sorted((view.plan.get("variables") or {}).items()):
            value = variable.get("value")
            if not isinstance(value, str) or looks_like_a_name(value) or not secret_name(name):
                continue
            if not (declared.get(name) or {}).get("sensitive"):
                yield self.risk(f"var.{name}", self.why)
