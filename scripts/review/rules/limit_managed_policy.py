"""LIMIT003: a customer managed policy (aws_iam_policy) over IAM's 6,144 characters, white space not counted."""

from __future__ import annotations

from collections.abc import Iterator

from scripts.review.limits import MANAGED_POLICY_CHARS, document_text, of_app, policy_chars
from scripts.review.model import Risk, Severity
from scripts.review.rule import ResourceRule
from scripts.review.view import Change, PlanView


class ManagedPolicyTooLarge(ResourceRule):
    """IAM's quotas, "For managed policies": "The size of each managed policy can't exceed 6,144
    characters." and "IAM doesn't count white space when calculating the size of a policy
    against this limit." (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).

    A document known only after apply is resolved from the configuration where it can be
    (scripts/review/resolve.py), else not measured.
    """

    id = "LIMIT003"
    title = "managed policy over 6,144 characters"
    severity = Severity.HIGH
    why = "IAM refuses the policy, so the apply fails part-way"
    types = frozenset({"aws_iam_policy"})

    def scan_change(self, change: Change, view: PlanView) -> Iterator[Risk]:
        if not (change.creates or change.updates):
            return
        text = document_text(view, change, "policy")
        if text is None:
            return
        size = policy_chars(text)
        if size > MANAGED_POLICY_CHARS:
            yield self.risk(
                change.address,
                f"{of_app(change.address)}{self.why}: its document counts {size:,} characters without white space, "
                f"over IAM's {MANAGED_POLICY_CHARS:,} for a managed policy; split it into two policies, or shorten it",
            )
