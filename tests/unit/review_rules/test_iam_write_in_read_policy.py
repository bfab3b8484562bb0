"""IAM005 (scripts/review/rules/iam_write_in_read_policy.py): a write in a policy that only read."""

from tests.unit.review_rules._plans import allow, doc, found, plan, policy_change

ARN = "arn:aws:secretsmanager:r:1:secret:/a/*"


def test_a_write_added_to_a_read_policy_trips_it() -> None:
    """UpdateSecret joins GetSecretValue on the same path."""
    before = doc(allow("secretsmanager:GetSecretValue", ARN))
    after = doc(allow(["secretsmanager:GetSecretValue", "secretsmanager:UpdateSecret"], ARN))
    assert found("IAM005", plan(policy_change("aws_iam_role_policy", "policy", before, after))) == [
        ("IAM005", "medium", "aws_iam_role_policy.x")
    ]


def test_a_write_in_a_policy_that_already_wrote_does_not() -> None:
    """A policy that wrote before is not a read policy."""
    before = doc(allow("secretsmanager:PutSecretValue", ARN))
    after = doc(allow(["secretsmanager:PutSecretValue", "secretsmanager:UpdateSecret"], ARN))
    assert found("IAM005", plan(policy_change("aws_iam_role_policy", "policy", before, after))) == []
