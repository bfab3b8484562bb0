"""IAM001 (scripts/review/rules/iam_wildcard_action.py): Action "*" in an identity policy."""

from tests.unit.review_rules._plans import allow, doc, found, plan, policy_change


def test_action_star_on_create_trips_it() -> None:
    """A created role policy with Action "*" is high."""
    the_plan = plan(policy_change("aws_iam_role_policy", "policy", None, doc(allow("*"))))
    assert found("IAM001", the_plan) == [("IAM001", "high", "aws_iam_role_policy.x")]


def test_a_named_action_does_not() -> None:
    """One named action on one ARN is not a wildcard."""
    the_plan = plan(
        policy_change("aws_iam_role_policy", "policy", None, doc(allow("ssm:GetParameter", "arn:aws:ssm:r:1:parameter/a")))
    )
    assert found("IAM001", the_plan) == []


def test_an_unchanged_wildcard_does_not() -> None:
    """A wildcard the policy already had is not added by this change."""
    same = doc(allow("*"))
    assert found("IAM001", plan(policy_change("aws_iam_role_policy", "policy", same, same))) == []
