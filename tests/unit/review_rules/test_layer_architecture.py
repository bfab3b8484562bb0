"""LAYER002 (scripts/review/rules/layer_architecture.py): the extension layer of the other architecture."""

from tests.unit.review_rules._plans import found, plan, rc

X86 = "arn:aws:lambda:us-east-1:177933569100:layer:AWS-Parameters-and-Secrets-Lambda-Extension:12"
ARM = "arn:aws:lambda:us-east-1:177933569100:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:12"


def _function(layer: str, architecture: str) -> dict:
    return plan(
        rc("aws_lambda_function.f", "aws_lambda_function", ["create"], None, {"layers": [layer], "architectures": [architecture]})
    )


def test_an_x86_layer_on_arm64_trips_it() -> None:
    assert found("LAYER002", _function(X86, "arm64")) == [("LAYER002", "high", "aws_lambda_function.f")]


def test_the_matching_layer_does_not() -> None:
    assert found("LAYER002", _function(ARM, "arm64")) == found("LAYER002", _function(X86, "x86_64")) == []
