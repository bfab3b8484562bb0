"""LEAK001 (scripts/review/rules/leak_environment_variable.py): a secret in a Lambda environment variable."""

from tests.unit.review_rules._plans import findings, plan, rc

CANARY = "CANARY-env-value-1234"


def _function(variables: dict) -> dict:
    return plan(rc("aws_lambda_function.f", "aws_lambda_function", ["create"], None, {"environment": [{"variables": variables}]}))


def test_a_password_value_trips_it_and_the_detail_names_only_the_variable() -> None:
    (risk,) = findings("LEAK001", _function({"DB_PASSWORD": CANARY}))
    assert (risk.rule, risk.severity, risk.detail.split()[0]) == ("LEAK001", "high", "DB_PASSWORD")
    assert CANARY not in risk.detail


def test_names_of_secrets_and_the_extensions_settings_do_not() -> None:
    variables = {
        "APP_SECRET_IDS": "/p/a/secrets/x",
        "SECRETS_MANAGER_TTL": "300",
        "API_KEY_NAME": "/p/a/secrets/k",
        "STRIPE_TOKEN_ARN": "arn:aws:secretsmanager:us-east-1:1:secret:x",
    }
    assert findings("LEAK001", _function(variables)) == []
