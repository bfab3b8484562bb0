"""IAM007 (scripts/review/rules/iam_partial_wildcard.py): a wildcard inside an action."""

from tests.unit.review_rules._plans import allow, doc, found, plan, policy_change

PATH = "arn:aws:ssm:r:1:parameter/a/*"


def test_get_param_star_trips_it() -> None:
    """ssm:GetParam* also grants actions AWS adds later: low."""
    the_plan = plan(policy_change("aws_iam_policy", "policy", None, doc(allow("ssm:GetParam*", PATH))))
    assert found("IAM007", the_plan) == [("IAM007", "low", "aws_iam_policy.x")]


def test_service_wide_and_full_wildcards_are_left_to_their_own_rules() -> None:
    """ssm:* (IAM002) and * (IAM001) are not reported twice; a named action is not a wildcard."""
    for action in ("ssm:*", "*", "ssm:GetParameter"):
        assert found("IAM007", plan(policy_change("aws_iam_policy", "policy", None, doc(allow(action, PATH))))) == []
