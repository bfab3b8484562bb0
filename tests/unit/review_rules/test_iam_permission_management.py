"""IAM003 (scripts/review/rules/iam_permission_management.py): actions that manage permissions."""

from tests.unit.review_rules._plans import allow, doc, found, plan, policy_change

ROLE = "arn:aws:iam::123456789012:role/fn"


def test_pass_role_on_star_is_high() -> None:
    """iam:PassRole on Resource * can hand any role to any service."""
    the_plan = plan(policy_change("aws_iam_policy", "policy", None, doc(allow("iam:PassRole"))))
    assert found("IAM003", the_plan) == [("IAM003", "high", "aws_iam_policy.x")]


def test_pass_role_on_one_role_in_a_policy_that_wrote_is_medium() -> None:
    """Scoped to one role, in a policy that already wrote: medium."""
    before = doc(allow("ssm:PutParameter", "arn:aws:ssm:r:1:parameter/a"))
    after = doc(allow("ssm:PutParameter", "arn:aws:ssm:r:1:parameter/a"), allow("iam:PassRole", ROLE))
    assert found("IAM003", plan(policy_change("aws_iam_role_policy", "policy", before, after))) == [
        ("IAM003", "medium", "aws_iam_role_policy.x")
    ]


def test_pass_role_added_to_a_read_policy_is_high() -> None:
    """Scoped, but in a policy that only read before: high."""
    before = doc(allow("ssm:GetParameter", "arn:aws:ssm:r:1:parameter/a"))
    after = doc(allow("ssm:GetParameter", "arn:aws:ssm:r:1:parameter/a"), allow("iam:PassRole", ROLE))
    assert found("IAM003", plan(policy_change("aws_iam_role_policy", "policy", before, after)))[0][1] == "high"


def test_a_read_does_not() -> None:
    """iam:GetRole manages nothing."""
    assert found("IAM003", plan(policy_change("aws_iam_policy", "policy", None, doc(allow("iam:GetRole", ROLE))))) == []
