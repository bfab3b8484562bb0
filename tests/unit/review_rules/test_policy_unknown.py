"""POL010 (scripts/review/rules/policy_unknown.py): a configured policy known only after apply."""

from tests.unit.review_rules._plans import findings, plan, rc

REFERENCES = {"references": ["aws_iam_role.late[0].arn", "aws_iam_role.late[0]", "aws_iam_role.late"]}


def _key(expressions: dict) -> dict:
    change = rc("aws_kms_key.k", "aws_kms_key", ["create"], None, {}, after_unknown={"policy": True})
    configuration = {"root_module": {"resources": [{"address": "aws_kms_key.k", "expressions": expressions}]}}
    return plan(change, configuration=configuration)


def test_a_configured_policy_that_is_unknown_trips_it() -> None:
    """Medium, naming what it depends on (the most specific reference only)."""
    (risk,) = findings("POL010", _key({"policy": REFERENCES}))
    assert (risk.rule, risk.severity) == ("POL010", "medium")
    assert "it depends on aws_iam_role.late[0].arn)" in risk.detail


def test_an_unset_computed_policy_does_not() -> None:
    """Not set in the configuration: AWS's default key policy, not an unknown one."""
    assert findings("POL010", _key({"description": {}})) == []
