"""LAYER003 (scripts/review/rules/layer_publisher.py): the extension's name on a layer AWS did not publish."""

from tests.unit.review_rules._plans import findings, found, plan, rc

NAME = "layer:AWS-Parameters-and-Secrets-Lambda-Extension:12"


def _function(layer: str) -> dict:
    return plan(rc("aws_lambda_function.f", "aws_lambda_function", ["create"], None, {"layers": [layer]}))


def test_a_look_alike_from_another_account_trips_it() -> None:
    (risk,) = findings("LAYER003", _function(f"arn:aws:lambda:us-east-1:999999999999:{NAME}"))
    assert (risk.rule, risk.severity) == ("LAYER003", "high") and "AWS publishes it from 177933569100" in risk.detail


def test_aws_own_layer_for_the_region_or_one_attached_before_does_not() -> None:
    """The account in terraform/modules/function/extension-layers.csv (AWS's table) for us-east-1; or no news."""
    assert found("LAYER003", _function(f"arn:aws:lambda:us-east-1:177933569100:{NAME}")) == []
    look_alike = f"arn:aws:lambda:us-east-1:999999999999:{NAME}"
    kept = rc(
        "aws_lambda_function.f",
        "aws_lambda_function",
        ["update"],
        {"layers": [look_alike]},
        {"layers": [look_alike], "memory_size": 256},
    )
    assert found("LAYER003", plan(kept)) == []
