"""POL018 (scripts/review/rules/lambda_function_url_no_auth.py): a function URL without auth."""

from tests.unit.review_rules._plans import found, plan, rc


def _url(auth: str) -> dict:
    return plan(rc("aws_lambda_function_url.u", "aws_lambda_function_url", ["create"], None, {"authorization_type": auth}))


def test_auth_none_trips_it() -> None:
    assert found("POL018", _url("NONE")) == [("POL018", "high", "aws_lambda_function_url.u")]


def test_aws_iam_auth_does_not() -> None:
    assert found("POL018", _url("AWS_IAM")) == []
