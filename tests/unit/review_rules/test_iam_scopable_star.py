"""IAM006 (scripts/review/rules/iam_scopable_star.py): Resource "*" for a read that can be scoped."""

from tests.unit.review_rules._plans import allow, doc, found, plan, policy_change


def test_describe_secret_on_star_trips_it() -> None:
    """DescribeSecret accepts secret ARNs: "*" is wider than needed (a read of values on "*" is IAM010)."""
    the_plan = plan(policy_change("aws_iam_role_policy", "policy", None, doc(allow("secretsmanager:DescribeSecret"))))
    assert found("IAM006", the_plan) == [("IAM006", "medium", "aws_iam_role_policy.x")]


def test_a_decrypt_on_star_through_one_service_is_this_rule_not_iam010() -> None:
    """kms:Decrypt on "*" tied to Secrets Manager by kms:ViaService: scope it to the key, medium."""
    via = allow("kms:Decrypt", "*", Condition={"StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}})
    assert found("IAM006", plan(policy_change("aws_iam_role_policy", "policy", None, doc(via)))) == [
        ("IAM006", "medium", "aws_iam_role_policy.x")
    ]


def test_an_unscopable_action_on_star_does_not() -> None:
    """ssm:DescribeParameters has no resource-level permissions: "*" is the only choice."""
    the_plan = plan(policy_change("aws_iam_role_policy", "policy", None, doc(allow("ssm:DescribeParameters"))))
    assert found("IAM006", the_plan) == []
