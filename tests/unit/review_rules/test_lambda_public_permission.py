"""POL015 (scripts/review/rules/lambda_public_permission.py): a Lambda permission for principal "*"."""

from tests.unit.review_rules._plans import found, plan, rc


def _permission(**values: str) -> dict:
    return plan(rc("aws_lambda_permission.p", "aws_lambda_permission", ["create"], None, values))


def test_principal_star_is_high_and_medium_when_tied_to_a_source() -> None:
    assert found("POL015", _permission(principal="*")) == [("POL015", "high", "aws_lambda_permission.p")]
    assert found("POL015", _permission(principal="*", source_account="123456789012")) == [
        ("POL015", "medium", "aws_lambda_permission.p")
    ]


def test_a_function_url_without_auth_stays_high() -> None:
    assert found("POL015", _permission(principal="*", source_account="1", function_url_auth_type="NONE"))[0][1] == "high"


def test_a_service_principal_does_not() -> None:
    assert found("POL015", _permission(principal="s3.amazonaws.com", source_arn="arn:aws:s3:::b")) == []
