"""LIMIT003 (scripts/review/rules/limit_managed_policy.py): a managed policy over 6,144 characters without white space."""

import json

from scripts.review.limits import policy_chars
from tests.unit.review_rules._plans import findings, plan, rc

POLICY = 'module.stack["pay"].aws_iam_policy.extra'


def sized(chars: int) -> str:
    """A policy document of exactly `chars` characters without white space, written with white space (indent=2)."""

    def document(filler: str) -> str:
        statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{filler}"}
        return json.dumps({"Version": "2012-10-17", "Statement": [statement]}, indent=2)

    text = document("b" * (chars - policy_chars(document(""))))
    assert policy_chars(text) == chars and len(text) > chars
    return text


def _policy(text: str | None, **change: object) -> dict:
    return plan(rc(POLICY, "aws_iam_policy", ["create"], None, {"name": "extra", "policy": text}, **change))


def test_6144_passes_and_6145_is_high_naming_app_size_and_fix() -> None:
    """White space is not counted: both documents are longer than that as written."""
    assert findings("LIMIT003", _policy(sized(6144))) == []
    (risk,) = findings("LIMIT003", _policy(sized(6145)))
    assert (risk.rule, risk.severity.value, risk.address) == ("LIMIT003", "high", POLICY)
    assert risk.detail.startswith("app pay: ")
    assert "counts 6,145 characters without white space, over IAM's 6,144" in risk.detail
    assert "split it into two policies" in risk.detail


def test_a_document_known_only_after_apply_is_not_measured() -> None:
    assert findings("LIMIT003", _policy(None, after_unknown={"policy": True})) == []


def test_an_update_over_the_limit_trips_it_and_a_deletion_does_not() -> None:
    before, after = {"policy": sized(200)}, {"policy": sized(7000)}
    assert len(findings("LIMIT003", plan(rc(POLICY, "aws_iam_policy", ["update"], before, after)))) == 1
    assert findings("LIMIT003", plan(rc(POLICY, "aws_iam_policy", ["delete"], after, None))) == []
