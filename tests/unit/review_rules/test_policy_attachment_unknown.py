"""POL014 (scripts/review/rules/policy_attachment_unknown.py): an attached policy ARN known only after apply."""

from tests.unit.review_rules._plans import found, plan, rc


def test_an_unknown_policy_arn_trips_it() -> None:
    change = rc("aws_iam_role_policy_attachment.a", "aws_iam_role_policy_attachment", ["create"], None, {},
                after_unknown={"policy_arn": True})  # fmt: skip
    assert found("POL014", plan(change)) == [("POL014", "medium", "aws_iam_role_policy_attachment.a")]


def test_a_known_arn_does_not() -> None:
    change = rc("aws_iam_role_policy_attachment.a", "aws_iam_role_policy_attachment", ["create"], None,
                {"policy_arn": "arn:aws:iam::123456789012:policy/x"})  # fmt: skip
    assert found("POL014", plan(change)) == []
