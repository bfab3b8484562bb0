"""LIFE016 (scripts/review/rules/lifecycle_log_group_replaced.py): a log group replaced."""

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
    assert found("LIFE016", _change(["delete", "create"])) == [("LIFE016", "medium", "aws_cloudwatch_log_group.x")]


def test_the_other_action_or_an_update_does_not() -> None:
    assert found("LIFE016", _change(["delete"])) == found("LIFE016", _change(["update"])) == []
