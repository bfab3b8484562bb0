"""POL003 (scripts/review/rules/policy_cross_account.py): a principal in another account."""

from tests.unit.review_rules._plans import doc, found, own_account, plan, policy_change

READ = {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}


def test_another_account_on_a_secret_is_high_and_on_a_queue_medium() -> None:
    """999999999999 is not the plan's account: reading a secret from there is high; sending to a queue, medium."""
    statement = {**READ, "Principal": {"AWS": "arn:aws:iam::999999999999:root"}}
    the_plan = plan(policy_change("aws_secretsmanager_secret_policy", "policy", None, doc(statement)), own_account())
    assert found("POL003", the_plan) == [("POL003", "high", "aws_secretsmanager_secret_policy.x")]
    queue = plan(
        policy_change("aws_sqs_queue_policy", "policy", None, doc({**statement, "Action": "sqs:SendMessage"})), own_account()
    )
    assert found("POL003", queue) == [("POL003", "medium", "aws_sqs_queue_policy.x")]


def test_another_account_in_a_trust_policy_is_high() -> None:
    trust = {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": "999999999999"}}
    the_plan = plan(policy_change("aws_iam_role", "assume_role_policy", None, doc(trust)), own_account())
    assert found("POL003", the_plan) == [("POL003", "high", "aws_iam_role.x")]


def test_a_role_of_this_account_does_not() -> None:
    """The plan's own account is no cross-account principal."""
    statement = {**READ, "Principal": {"AWS": "arn:aws:iam::123456789012:role/app"}}
    the_plan = plan(policy_change("aws_secretsmanager_secret_policy", "policy", None, doc(statement)), own_account())
    assert found("POL003", the_plan) == []
