"""POL016 (scripts/review/rules/lambda_permission_no_source.py): a service principal without a source."""

from tests.unit.review_rules._plans import found, plan, rc


def _permission(**values: str) -> dict:
    return plan(rc("aws_lambda_permission.p", "aws_lambda_permission", ["create"], None, values))


def test_s3_without_a_source_trips_it() -> None:
    assert found("POL016", _permission(principal="s3.amazonaws.com")) == [("POL016", "medium", "aws_lambda_permission.p")]


def test_s3_tied_to_its_bucket_or_account_does_not() -> None:
    assert found("POL016", _permission(principal="s3.amazonaws.com", source_arn="arn:aws:s3:::b")) == []
    assert found("POL016", _permission(principal="secretsmanager.amazonaws.com", source_account="123456789012")) == []
