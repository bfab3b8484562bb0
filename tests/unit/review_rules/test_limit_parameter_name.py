"""LIMIT005 (scripts/review/rules/limit_parameter_name.py): a parameter's name over 1011 characters with its ARN."""

from tests.unit.review_rules._plans import findings, plan, rc

PARAMETER = 'module.stack["pay"].aws_ssm_parameter.this["config/k"]'
PREFIX = len("arn:aws:ssm:us-east-2:123456789012:parameter/")  # 45: AWS's example


def _parameter(name: str | None, region: str | None = "us-east-2", **change: object) -> dict:
    variables = {"region": {"value": region}} if region else {}
    return plan(rc(PARAMETER, "aws_ssm_parameter", ["create"], None, {"name": name}, **change), variables=variables)


def test_1011_with_the_arn_passes_and_1012_is_high_naming_app_sizes_and_fix() -> None:
    assert findings("LIMIT005", _parameter("/" + "n" * (1011 - PREFIX - 1))) == []
    (risk,) = findings("LIMIT005", _parameter("/" + "n" * (1012 - PREFIX - 1)))
    assert (risk.rule, risk.severity.value, risk.address) == ("LIMIT005", "high", PARAMETER)
    assert risk.detail.startswith("app pay: ")
    assert "its name has 967 characters, 1,012 with the 45 of arn:aws:ssm:us-east-2:123456789012:parameter/" in risk.detail
    assert "over SSM's 1,011; shorten the name" in risk.detail


def test_the_region_and_partition_change_the_prefix() -> None:
    """ap-southeast-2 is 5 characters longer than us-east-2; cn-north-1's partition is aws-cn."""
    name = "/" + "n" * (1011 - PREFIX - 1)
    assert len(findings("LIMIT005", _parameter(name, "ap-southeast-2"))) == 1
    assert "arn:aws-cn:ssm:cn-north-1:" in findings("LIMIT005", _parameter(name, "cn-north-1"))[0].detail


def test_an_unknown_name_or_region_is_not_measured() -> None:
    assert findings("LIMIT005", _parameter(None, after_unknown={"name": True})) == []
    assert findings("LIMIT005", _parameter("/" + "n" * 1011, region=None)) == []
