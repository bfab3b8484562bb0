"""LIFE019 (scripts/review/rules/lifecycle_rotation_removed.py): a secret's rotation removed."""

from tests.unit.review_rules._plans import found, plan, rc


def _rotation(actions: list[str]) -> dict:
    before = {"secret_id": "arn:aws:secretsmanager:us-east-1:1:secret:/e/a/secrets/k"}
    return plan(rc("aws_secretsmanager_secret_rotation.r", "aws_secretsmanager_secret_rotation", actions, before,
                   None if actions == ["delete"] else before))  # fmt: skip


def test_removing_the_rotation_trips_it() -> None:
    assert found("LIFE019", _rotation(["delete"])) == [("LIFE019", "medium", "aws_secretsmanager_secret_rotation.r")]


def test_changing_it_does_not() -> None:
    assert found("LIFE019", _rotation(["update"])) == []
