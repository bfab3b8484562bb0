"""LIFE002 (scripts/review/rules/lifecycle_secret_replaced.py): a secret replaced."""

from tests.unit.review_rules._plans import findings, plan, rc


def test_a_rename_trips_it_with_the_forcing_attribute() -> None:
    change = rc("aws_secretsmanager_secret.s", "aws_secretsmanager_secret", ["delete", "create"], {"name": "/a"}, {"name": "/b"},
                replace_paths=[["name"]])  # fmt: skip
    (risk,) = findings("LIFE002", plan(change))
    assert (risk.rule, risk.severity) == ("LIFE002", "high")
    assert "destroy before create; forced by name: /a → /b" in risk.detail and "starts empty" in risk.detail


def test_a_destroy_alone_is_left_to_life001() -> None:
    change = rc("aws_secretsmanager_secret.s", "aws_secretsmanager_secret", ["delete"], {"name": "/a"}, None)
    assert findings("LIFE002", plan(change)) == []
