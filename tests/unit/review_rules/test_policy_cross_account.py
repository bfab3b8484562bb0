"""POL003 (scripts/review/rules/policy_cross_account.py): a principal in another account."""

from tests.unit.review_rules._plans import doc, found, own_account, plan, policy_change

READ = {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}


def test_another_accounts_root_trips_it() -> None:
    """999999999999 is not the plan's account."""
    statement = {**READ, "Principal": {"AWS": "arn:aws:iam::999999999999:root"}}
    the_plan = plan(policy_change("aws_secretsmanager_secret_policy", "policy", None, doc(statement)), own_account())
    assert found("POL003", the_plan) == [("POL003", "medium", "aws_secretsmanager_secret_policy.x")]


def test_a_role_of_this_account_does_not() -> None:
    """The plan's own account is no cross-account principal."""
    statement = {**READ, "Principal": {"AWS": "arn:aws:iam::123456789012:role/app"}}
    the_plan = plan(policy_change("aws_secretsmanager_secret_policy", "policy", None, doc(statement)), own_account())
    assert found("POL003", the_plan) == []
