"""POL017 (scripts/review/rules/lambda_cross_account_permission.py): another account may invoke."""

from tests.unit.review_rules._plans import found, own_account, plan, rc


def _permission(principal: str) -> dict:
    return plan(rc("aws_lambda_permission.p", "aws_lambda_permission", ["create"], None, {"principal": principal}), own_account())


def test_another_account_trips_it() -> None:
    assert found("POL017", _permission("999999999999")) == [("POL017", "medium", "aws_lambda_permission.p")]


def test_this_account_does_not() -> None:
    assert found("POL017", _permission("123456789012")) == []
