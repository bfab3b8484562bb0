"""POL013 (scripts/review/rules/policy_full_access_attached.py): an AWS *FullAccess policy attached."""

from tests.unit.review_rules._plans import found, plan, rc


def _attach(before: list[str], after: list[str]) -> dict:
    kind = "aws_iam_role_policy_attachments_exclusive"
    return plan(rc(f"{kind}.a", kind, ["update"], {"policy_arns": before}, {"policy_arns": after}))


def test_a_full_access_policy_added_trips_it() -> None:
    assert found("POL013", _attach([], ["arn:aws:iam::aws:policy/AmazonS3FullAccess"])) == [
        ("POL013", "medium", "aws_iam_role_policy_attachments_exclusive.a")
    ]


def test_one_already_attached_does_not() -> None:
    arns = ["arn:aws:iam::aws:policy/AmazonS3FullAccess"]
    assert found("POL013", _attach(arns, arns)) == []
