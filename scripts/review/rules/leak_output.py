"""LEAK003: a root output named like a secret, not marked sensitive."""

from __future__ import annotations

from collections.abc import Iterator

from scripts.review.model import Risk, Severity
from scripts.review.redact import looks_like_a_name, secret_name
from scripts.review.rule import PlanRule
from scripts.review.view import PlanView


class LeakOutput(PlanRule):
    id = "LEAK003"
    title = "output may expose a secret"
    severity = Severity.MEDIUM
    why = "not marked sensitive = true: CLI and logs show it"
    previous_ids = ("output-may-expose-a-secret",)

    def scan(self, view: PlanView) -> Iterator[Risk]:
        for name, change in sorted(view.plan.get("output_changes", {}).items()):
            if change["actions"] == ["no-op"] or "delete" in change["actions"] or change.get("after") is None:
                continue
            if secret_name(name) and not change.get("after_sensitive") and not looks_like_a_name(change.get("after")):
                yield self.risk(f"output.{name}", self.why)
