"""IAM009 (scripts/review/rules/iam_not_action.py): Allow with NotAction, NotResource or NotPrincipal."""

from tests.unit.review_rules._plans import doc, found, plan, policy_change


def test_not_action_trips_it() -> None:
    """Allow everything except iam:*."""
    the_plan = plan(
        policy_change("aws_iam_policy", "policy", None, doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}))
    )
    assert found("IAM009", the_plan) == [("IAM009", "high", "aws_iam_policy.x")]


def test_deny_with_not_action_does_not() -> None:
    """A Deny with NotAction takes access away."""
    the_plan = plan(
        policy_change("aws_iam_policy", "policy", None, doc({"Effect": "Deny", "NotAction": "iam:*", "Resource": "*"}))
    )
    assert found("IAM009", the_plan) == []
