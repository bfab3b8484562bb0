"""LEAK003 (scripts/review/rules/leak_output.py): a secret-looking output not marked sensitive."""

from tests.unit.review_rules._plans import found, plan


def _output(name: str, value: str, sensitive: bool) -> dict:
    return plan(output_changes={name: {"actions": ["create"], "after": value, "after_sensitive": sensitive}})


def test_an_unmarked_token_output_trips_it() -> None:
    assert found("LEAK003", _output("api_token", "CANARY-token-1234", False)) == [("LEAK003", "medium", "output.api_token")]


def test_a_sensitive_one_or_a_name_does_not() -> None:
    assert found("LEAK003", _output("api_token", "CANARY-token-1234", True)) == []
    assert found("LEAK003", _output("api_token_name", "/a/b", False)) == []
