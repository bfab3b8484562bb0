"""POL004 (scripts/review/rules/policy_unplaced_account.py): an account principal when the plan names no account."""

from tests.unit.review_rules._plans import doc, found, own_account, plan, policy_change

STATEMENT = {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*", "Principal": {"AWS": "111111111111"}}


def test_no_account_to_compare_with_trips_it() -> None:
    """No ARN in the plan says which account it deploys into: low."""
    the_plan = plan(policy_change("aws_sqs_queue_policy", "policy", None, doc(STATEMENT)))
    assert found("POL004", the_plan) == [("POL004", "low", "aws_sqs_queue_policy.x")]


def test_a_known_account_does_not() -> None:
    """With the account known, POL003 decides instead."""
    the_plan = plan(policy_change("aws_sqs_queue_policy", "policy", None, doc(STATEMENT)), own_account())
    assert found("POL004", the_plan) == []
