"""LEAK004 (scripts/review/rules/leak_variable.py): a secret-looking root variable with a literal value."""

from tests.unit.review_rules._plans import found, plan


def _variable(sensitive: bool) -> dict:
    configuration = {"root_module": {"variables": {"db_password": {"sensitive": sensitive}}}}
    return plan(variables={"db_password": {"value": "CANARY-tfvars-1234"}}, configuration=configuration)


def test_a_password_in_tfvars_trips_it() -> None:
    assert found("LEAK004", _variable(False)) == [("LEAK004", "medium", "var.db_password")]


def test_a_sensitive_declaration_does_not() -> None:
    assert found("LEAK004", _variable(True)) == []
