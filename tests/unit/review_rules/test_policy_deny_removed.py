"""POL009 (scripts/review/rules/policy_deny_removed.py): a Deny statement removed."""

from tests.unit.review_rules._plans import allow, doc, found, plan, policy_change

READ = allow("ssm:GetParameter", "arn:p/a/*")
DENY = {"Effect": "Deny", "Action": "ssm:DeleteParameter", "Resource": "*"}


def test_removing_a_deny_trips_it() -> None:
    """What it denied may now be allowed."""
    the_plan = plan(policy_change("aws_iam_role_policy", "policy", doc(READ, DENY), doc(READ)))
    assert found("POL009", the_plan) == [("POL009", "medium", "aws_iam_role_policy.x")]


def test_removing_it_from_an_organizations_scp_trips_it_too() -> None:
    """An SCP (boundary kind) is judged by its Deny statements."""
    the_plan = plan(policy_change("aws_organizations_policy", "content", doc(DENY), doc(allow("*"))))
    assert found("POL009", the_plan) == [("POL009", "medium", "aws_organizations_policy.x")]


def test_adding_a_deny_does_not() -> None:
    """A Deny added takes access away."""
    assert found("POL009", plan(policy_change("aws_iam_role_policy", "policy", doc(READ), doc(READ, DENY)))) == []
