"""POL002 (scripts/review/rules/policy_public_principal_scoped.py): Principal "*" tied to an account or source."""

from tests.unit.review_rules._plans import doc, found, plan, policy_change

READ = {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*", "Principal": "*"}


def test_public_but_tied_to_the_organization_trips_it() -> None:
    """aws:PrincipalOrgID makes it medium, not high."""
    statement = {**READ, "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}}}
    assert found("POL002", plan(policy_change("aws_kms_key", "policy", None, doc(statement)))) == [
        ("POL002", "medium", "aws_kms_key.x")
    ]


def test_a_condition_that_ties_nothing_does_not() -> None:
    """A condition on the encryption context is no tie to an account (POL001 reports it)."""
    statement = {**READ, "Condition": {"StringEquals": {"kms:EncryptionContext:app": "x"}}}
    assert found("POL002", plan(policy_change("aws_kms_key", "policy", None, doc(statement)))) == []
