"""POL006 (scripts/review/rules/policy_condition_removed.py): a condition of an existing grant removed."""

from typing import Any

from tests.unit.review_rules._plans import doc, found, plan, policy_change

DECRYPT: dict[str, Any] = {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "arn:aws:kms:r:1:key/k"}


def _plan(old: dict | None, new: dict | None) -> dict:
    before = doc({**DECRYPT, **({"Condition": old} if old else {})})
    after = doc({**DECRYPT, **({"Condition": new} if new else {})})
    return plan(policy_change("aws_iam_role_policy", "policy", before, after))


def test_it_trips() -> None:
    """the kms:ViaService test removed."""
    assert found("POL006", _plan({"StringEquals": {"kms:ViaService": "ssm.r.amazonaws.com"}}, None)) == [
        ("POL006", "high", "aws_iam_role_policy.x")
    ]


def test_it_does_not_trip() -> None:
    """a value dropped from the list only narrows it."""
    assert (
        found("POL006", _plan({"StringEquals": {"kms:ViaService": ["a", "b"]}}, {"StringEquals": {"kms:ViaService": "a"}})) == []
    )
