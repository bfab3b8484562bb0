"""POL014: a managed policy attachment whose policy ARN is known only after apply."""

from __future__ import annotations

from collections.abc import Iterator

from scripts.review.model import UNKNOWN, Risk, Severity
from scripts.review.policy import ATTACHMENTS
from scripts.review.rule import ResourceRule
from scripts.review.view import Change, PlanView


class AttachmentUnknown(ResourceRule):
    id = "POL014"
    title = "attached policy unknown until apply"
    severity = Severity.MEDIUM
    why = "the attached policy could not be checked"
    previous_ids = ("attached-policy-unknown-until-apply",)
    types = frozenset(ATTACHMENTS)

    def scan_change(self, change: Change, view: PlanView) -> Iterator[Risk]:
        if change.unknown(ATTACHMENTS[change.type]):
            yield self.risk(change.address, f"the policy ARN is {UNKNOWN}: {self.why}")
