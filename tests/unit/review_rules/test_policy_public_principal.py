"""POL001 (scripts/review/rules/policy_public_principal.py): Principal "*" in a resource, key or trust policy."""

import pytest

from tests.unit.review_rules._plans import doc, found, own_account, plan, policy_change

READ = {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}


@pytest.mark.parametrize("principal", ["*", {"AWS": "*"}])
def test_a_public_secret_policy_trips_it(principal: object) -> None:
    """Principal "*" and {"AWS": "*"} both let any account read the secret."""
    the_plan = plan(policy_change("aws_secretsmanager_secret_policy", "policy", None, doc({**READ, "Principal": principal})))
    assert found("POL001", the_plan) == [("POL001", "high", "aws_secretsmanager_secret_policy.x")]


def test_on_a_type_derived_from_the_schema_too() -> None:
    """An S3 access point's policy (from the 6.69.1 schema list, not a hand-written one) is read as well."""
    the_plan = plan(
        policy_change("aws_s3_access_point", "policy", None, doc({**READ, "Action": "s3:GetObject", "Principal": "*"}))
    )
    assert found("POL001", the_plan) == [("POL001", "high", "aws_s3_access_point.x")]


def test_a_condition_on_the_organization_or_an_own_role_does_not() -> None:
    """Tied to an organization (POL002's case), or this account's role: not this rule."""
    scoped = {**READ, "Principal": "*", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}}}
    own = {**READ, "Principal": {"AWS": "arn:aws:iam::123456789012:role/app"}}
    for statement in (scoped, own):
        the_plan = plan(policy_change("aws_secretsmanager_secret_policy", "policy", None, doc(statement)), own_account())
        assert found("POL001", the_plan) == []
