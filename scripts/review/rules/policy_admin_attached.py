"""POL012: an AWS managed policy that grants administration or write everywhere attached."""

from __future__ import annotations

from collections.abc import Iterator

from scripts.review.model import Risk, Severity
from scripts.review.policy import ADMIN_POLICIES, ATTACHMENTS, attached
from scripts.review.rule import ResourceRule
from scripts.review.view import Change, PlanView


class AdminAttached(ResourceRule):
    id = "POL012"
    title = "admin managed policy attached"
    severity = Severity.HIGH
    why = "it grants administration or write to every resource of a service"
    previous_ids = ("admin-managed-policy-attached",)
    types = frozenset(ATTACHMENTS)

    def scan_change(self, change: Change, view: PlanView) -> Iterator[Risk]:
        for arn in attached(change):
            name = arn.rsplit("/", 1)[-1]
            if arn.startswith("arn:aws:iam::aws:policy/") and name in ADMIN_POLICIES:
                yield self.risk(change.address, f"{name}: {self.why}: {arn}")
