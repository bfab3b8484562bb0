"""POL005 (scripts/review/rules/policy_trust_new_principal.py): a new principal in a trust policy."""

from tests.unit.review_rules._plans import doc, findings, plan, policy_change

LAMBDA = {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "lambda.amazonaws.com"}}


def test_a_new_principal_trips_it() -> None:
    """Another account added beside Lambda: high, naming it."""
    other = {**LAMBDA, "Principal": {"AWS": "arn:aws:iam::999999999999:root"}}
    (risk,) = findings("POL005", plan(policy_change("aws_iam_role", "assume_role_policy", doc(LAMBDA), doc(LAMBDA, other))))
    assert (risk.rule, risk.severity, "999999999999" in risk.detail) == ("POL005", "high", True)


def test_an_account_id_rewritten_as_its_root_arn_does_not() -> None:
    """AWS stores "123456789012" as its root ARN: the same principal."""
    before = doc({**LAMBDA, "Principal": {"AWS": "arn:aws:iam::123456789012:root"}})
    after = doc({**LAMBDA, "Principal": {"AWS": "123456789012"}})
    assert findings("POL005", plan(policy_change("aws_iam_role", "assume_role_policy", before, after))) == []


def test_a_new_role_is_not_a_new_principal() -> None:
    """On create there is no old trust to compare with."""
    assert findings("POL005", plan(policy_change("aws_iam_role", "assume_role_policy", None, doc(LAMBDA)))) == []
