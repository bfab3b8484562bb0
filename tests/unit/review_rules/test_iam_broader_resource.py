"""IAM008 (scripts/review/rules/iam_broader_resource.py): the same action reaching more resources."""

from tests.unit.review_rules._plans import allow, doc, findings, plan, policy_change

NARROW = "arn:aws:ssm:r:1:parameter/app/config/*"
WIDE = "arn:aws:ssm:r:1:parameter/app/*"


def test_a_path_that_grew_trips_it() -> None:
    """/app/config/* → /app/* for the same action: high, naming both."""
    the_plan = plan(
        policy_change(
            "aws_iam_role_policy", "policy", doc(allow("ssm:GetParameter", NARROW)), doc(allow("ssm:GetParameter", WIDE))
        )
    )
    (risk,) = findings("IAM008", the_plan)
    assert (risk.rule, risk.severity, f"{NARROW} → {WIDE}" in risk.detail) == ("IAM008", "high", True)


def test_a_narrower_path_does_not() -> None:
    """/app/* → /app/config/* takes access away."""
    the_plan = plan(
        policy_change(
            "aws_iam_role_policy", "policy", doc(allow("ssm:GetParameter", WIDE)), doc(allow("ssm:GetParameter", NARROW))
        )
    )
    assert findings("IAM008", the_plan) == []
