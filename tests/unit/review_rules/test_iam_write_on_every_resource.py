"""IAM004 (scripts/review/rules/iam_write_on_every_resource.py): a write on Resource "*"."""

from tests.unit.review_rules._plans import allow, doc, found, plan, policy_change

SECRET = "arn:aws:secretsmanager:r:1:secret:a"


def test_a_write_added_beside_an_existing_star_trips_it() -> None:
    """PutSecretValue joins a statement on "*": a new grant, though both halves existed before."""
    before = doc(allow("secretsmanager:GetRandomPassword"), allow("secretsmanager:PutSecretValue", SECRET))
    after = doc(
        allow(["secretsmanager:GetRandomPassword", "secretsmanager:PutSecretValue"]),
        allow("secretsmanager:PutSecretValue", SECRET),
    )
    assert found("IAM004", plan(policy_change("aws_iam_role_policy", "policy", before, after))) == [
        ("IAM004", "high", "aws_iam_role_policy.x")
    ]


def test_an_action_without_resource_level_permissions_does_not() -> None:
    """GetRandomPassword accepts only "*": nothing to scope."""
    the_plan = plan(policy_change("aws_iam_role_policy", "policy", None, doc(allow("xray:PutTraceSegments"))))
    assert found("IAM004", the_plan) == []
