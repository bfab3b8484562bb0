"""LAYER001 (scripts/review/rules/layer_region.py): the extension layer from another region."""

from tests.unit.review_rules._plans import found, plan, rc

LAYER = "arn:aws:lambda:{region}:177933569100:layer:AWS-Parameters-and-Secrets-Lambda-Extension:12"


def _function(layer_region: str) -> dict:
    after = {
        "arn": "arn:aws:lambda:us-east-1:1:function:f",
        "layers": [LAYER.format(region=layer_region)],
        "architectures": ["x86_64"],
    }
    return plan(rc("aws_lambda_function.f", "aws_lambda_function", ["create"], None, after))


def test_a_layer_from_eu_west_1_on_a_us_east_1_function_trips_it() -> None:
    assert found("LAYER001", _function("eu-west-1")) == [("LAYER001", "high", "aws_lambda_function.f")]


def test_the_same_region_does_not() -> None:
    assert found("LAYER001", _function("us-east-1")) == []
