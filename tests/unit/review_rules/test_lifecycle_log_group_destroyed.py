"""LIFE015 (scripts/review/rules/lifecycle_log_group_destroyed.py): a log group destroyed."""

from tests.unit.review_rules._plans import found, plan, rc


def _change(actions: list[str]) -> dict:
    return plan(
        rc(
            "aws_cloudwatch_log_group.x",
            "aws_cloudwatch_log_group",
            actions,
            {"name": "n"},
            None if actions == ["delete"] else {"name": "m"},
        )
    )


def test_it_trips() -> None:
    assert found("LIFE015", _change(["delete"])) == [("LIFE015", "medium", "aws_cloudwatch_log_group.x")]


def test_the_other_action_or_an_update_does_not() -> None:
    assert found("LIFE015", _change(["delete", "create"])) == found("LIFE015", _change(["update"])) == []
