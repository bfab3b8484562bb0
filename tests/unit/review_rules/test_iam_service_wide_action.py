"""IAM002 (scripts/review/rules/iam_service_wide_action.py): svc:* in an identity policy."""

from tests.unit.review_rules._plans import allow, doc, found, plan, policy_change


def test_service_wide_action_trips_it() -> None:
    """ssm:* on a path is every SSM action, writes included."""
    the_plan = plan(policy_change("aws_iam_policy", "policy", None, doc(allow("ssm:*", "arn:aws:ssm:r:1:parameter/a/*"))))
    assert found("IAM002", the_plan) == [("IAM002", "high", "aws_iam_policy.x")]


def test_a_partial_wildcard_does_not() -> None:
    """ssm:Get* is not service-wide (IAM007 looks at it)."""
    the_plan = plan(policy_change("aws_iam_policy", "policy", None, doc(allow("ssm:Get*", "arn:aws:ssm:r:1:parameter/a/*"))))
    assert found("IAM002", the_plan) == []
