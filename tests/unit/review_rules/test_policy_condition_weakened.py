"""POL007 (scripts/review/rules/policy_condition_weakened.py): a condition of an existing grant weakened."""

from typing import Any

from tests.unit.review_rules._plans import doc, found, plan, policy_change

DECRYPT: dict[str, Any] = {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "arn:aws:kms:r:1:key/k"}


def _plan(old: dict | None, new: dict | None) -> dict:
    before = doc({**DECRYPT, **({"Condition": old} if old else {})})
    after = doc({**DECRYPT, **({"Condition": new} if new else {})})
    return plan(policy_change("aws_iam_role_policy", "policy", before, after))


def test_it_trips() -> None:
    """StringEquals loosened to StringLike."""
    assert found(
        "POL007", _plan({"StringEquals": {"kms:ViaService": "ssm.r.amazonaws.com"}}, {"StringLike": {"kms:ViaService": "*"}})
    ) == [("POL007", "high", "aws_iam_role_policy.x")]


def test_it_does_not_trip() -> None:
    """a test added only narrows it."""
    assert (
        found(
            "POL007",
            _plan(
                {"StringEquals": {"kms:ViaService": "a"}},
                {"StringEquals": {"kms:ViaService": "a"}, "Bool": {"aws:SecureTransport": "true"}},
            ),
        )
        == []
    )
