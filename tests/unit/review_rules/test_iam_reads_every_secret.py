"""IAM010 (scripts/review/rules/iam_reads_every_secret.py): a secret read on every secret of the account."""

import pytest

from tests.unit.review_rules._plans import allow, doc, found, plan, policy_change


@pytest.mark.parametrize(
    ("action", "resource"),
    [
        ("secretsmanager:GetSecretValue", "*"),
        ("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:123456789012:secret:*"),
        ("ssm:GetParameter*", "arn:aws:ssm:us-east-1:123456789012:parameter/*"),
        ("kms:Decrypt", "*"),
    ],
)
def test_reading_every_secret_trips_it(action: str, resource: str) -> None:
    """All secrets, all parameters (a wildcard action too), every key: high."""
    the_plan = plan(policy_change("aws_iam_role_policy", "policy", None, doc(allow(action, resource))))
    assert found("IAM010", the_plan) == [("IAM010", "high", "aws_iam_role_policy.x")]


def test_the_apps_own_path_or_a_decrypt_through_a_service_does_not() -> None:
    """Scoped to /dev/billing/*, or kms:Decrypt on * tied to Secrets Manager by kms:ViaService (IAM006's medium)."""
    own = allow("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:123456789012:secret:/dev/billing/*")
    via = allow("kms:Decrypt", "*", Condition={"StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}})
    assert found("IAM010", plan(policy_change("aws_iam_role_policy", "policy", None, doc(own, via)))) == []
