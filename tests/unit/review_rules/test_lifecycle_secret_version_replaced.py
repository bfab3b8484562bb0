"""LIFE018 (scripts/review/rules/lifecycle_secret_version_replaced.py): a secret version replaced."""

from tests.unit.review_rules._plans import found, plan, rc


def _change(actions: list[str]) -> dict:
    return plan(
        rc(
            "aws_secretsmanager_secret_version.x",
            "aws_secretsmanager_secret_version",
            actions,
            {"name": "n"},
            None if actions == ["delete"] else {"name": "m"},
        )
    )


def test_it_trips() -> None:
    assert found("LIFE018", _change(["delete", "create"])) == [("LIFE018", "high", "aws_secretsmanager_secret_version.x")]


def test_the_other_action_or_an_update_does_not() -> None:
    assert found("LIFE018", _change(["delete"])) == found("LIFE018", _change(["update"])) == []
