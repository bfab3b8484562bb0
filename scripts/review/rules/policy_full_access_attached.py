"""POL013: an AWS managed *FullAccess policy attached."""

from __future__ import annotations

from collections.abc import Iterator

from scripts.review.model import Risk, Severity
from scripts.review.policy import ADMIN_POLICIES, ATTACHMENTS, attached
from scripts.review.rule import ResourceRule
from scripts.review.view import Change, PlanView


class FullAccessAttached(ResourceRule):
    id = "POL013"
    title = "full-access managed policy attached"
    severity = Severity.MEDIUM
    why = "it grants every action of a service"
    previous_ids = ("full-access-managed-policy-attached",)
    types = frozenset(ATTACHMENTS)

    def scan_change(self, change: Change, view: PlanView) -> Iterator[Risk]:
        for arn in attached(change):
            name = arn.rsplit("/", 1)[-1]
            if arn.startswith("arn:aws:iam::aws:policy/") and name.endswith("FullAccess") and name not in ADMIN_POLICIES:
                yield self.risk(change.address, f"{name}: {self.why}: {arn}")
