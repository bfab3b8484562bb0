"""IAM006 (scripts/review/rules/iam_scopable_star.py): Resource "*" for a read that can be scoped."""

from tests.unit.review_rules._plans import allow, doc, found, plan, policy_change


def test_get_secret_value_on_star_trips_it() -> None:
    """GetSecretValue accepts secret ARNs: "*" is wider than needed."""
    the_plan = plan(policy_change("aws_iam_role_policy", "policy", None, doc(allow("secretsmanager:GetSecretValue"))))
    assert found("IAM006", the_plan) == [("IAM006", "medium", "aws_iam_role_policy.x")]


def test_an_unscopable_action_on_star_does_not() -> None:
    """ssm:DescribeParameters has no resource-level permissions: "*" is the only choice."""
    the_plan = plan(policy_change("aws_iam_role_policy", "policy", None, doc(allow("ssm:DescribeParameters"))))
    assert found("IAM006", the_plan) == []
