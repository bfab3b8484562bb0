"""LIMIT001 (scripts/review/rules/limit_lambda_environment.py): a Lambda environment over 4 KB, as Lambda measures it."""

from tests.unit.review_rules._plans import findings, plan, rc

FUNCTION = 'module.stack["pay"].module.function.aws_lambda_function.this'
FRAME = len('{"A":""}')  # the JSON around one variable A


def _function(variables: dict, **change: object) -> dict:
    after = {"function_name": "f", "environment": [{"variables": variables}]}
    return plan(rc(FUNCTION, "aws_lambda_function", ["create"], None, after, **change))


def test_just_under_4_kb_passes_and_one_byte_over_is_high_naming_app_size_and_fix() -> None:
    assert findings("LIMIT001", _function({"A": "x" * (4096 - FRAME)})) == []
    (risk,) = findings("LIMIT001", _function({"A": "x" * (4097 - FRAME)}))
    assert (risk.rule, risk.severity.value, risk.address) == ("LIMIT001", "high", FUNCTION)
    assert risk.detail.startswith("app pay: ")
    assert "measure 4,097 bytes as JSON, over Lambda's 4,096" in risk.detail
    assert "pass fewer or shorter values" in risk.detail


def test_bytes_not_characters_and_no_json_escapes_for_angle_brackets() -> None:
    """é is 2 bytes in UTF-8; < > & are 1 byte each in the JSON Lambda quotes (jsonencode's \\u003c is Terraform's own)."""
    assert findings("LIMIT001", _function({"A": "é" * ((4096 - FRAME) // 2)})) == []
    assert len(findings("LIMIT001", _function({"A": "é" * ((4096 - FRAME) // 2) + "x"}))) == 1
    assert findings("LIMIT001", _function({"A": "<&>" * ((4096 - FRAME) // 3)})) == []


def test_every_variable_counts_with_its_name() -> None:
    """Two variables: {"A":"...","B":"..."} is the frame, the comma and the second name and quotes."""
    second = len(',"B":""')
    assert findings("LIMIT001", _function({"A": "x" * (4096 - FRAME - second), "B": ""})) == []
    assert len(findings("LIMIT001", _function({"A": "x" * (4096 - FRAME - second), "B": "y"}))) == 1


def test_values_known_only_after_apply_are_not_guessed() -> None:
    """Unknown values: no finding while the known part is under; the known part alone over is a certain failure."""
    unknown_value = {"environment": [{"variables": {"B": True}}]}
    assert findings("LIMIT001", _function({"A": "x" * 4000}, after_unknown=unknown_value)) == []
    assert findings("LIMIT001", _function({}, after_unknown={"environment": True})) == []
    (risk,) = findings("LIMIT001", _function({"A": "x" * 4090}, after_unknown=unknown_value))
    assert "measure at least 4,098 bytes" in risk.detail


def test_a_function_destroyed_or_unchanged_is_not_measured() -> None:
    big = {"function_name": "f", "environment": [{"variables": {"A": "x" * 5000}}]}
    assert findings("LIMIT001", plan(rc(FUNCTION, "aws_lambda_function", ["delete"], big, None))) == []
    assert findings("LIMIT001", plan(rc(FUNCTION, "aws_lambda_function", ["no-op"], big, big))) == []
