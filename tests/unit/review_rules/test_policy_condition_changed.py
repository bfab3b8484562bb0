"""POL008 (scripts/review/rules/policy_condition_changed.py): a condition of an existing grant changed."""

from typing import Any

from tests.unit.review_rules._plans import doc, found, plan, policy_change

DECRYPT: dict[str, Any] = {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "arn:aws:kms:r:1:key/k"}


def _plan(old: dict | None, new: dict | None) -> dict:
    before = doc({**DECRYPT, **({"Condition": old} if old else {})})
    after = doc({**DECRYPT, **({"Condition": new} if new else {})})
    return plan(policy_change("aws_iam_role_policy", "policy", before, after))


def test_it_trips() -> None:
    """StringLike to StringEquals: the review cannot tell whether it is wider."""
    assert found("POL008", _plan({"StringLike": {"kms:ViaService": "*"}}, {"StringEquals": {"kms:ViaService": "a"}})) == [
        ("POL008", "medium", "aws_iam_role_policy.x")
    ]


def test_it_does_not_trip() -> None:
    """the same condition is no change."""
    assert found("POL008", _plan({"StringEquals": {"kms:ViaService": "a"}}, {"StringEquals": {"kms:ViaService": "a"}})) == []
