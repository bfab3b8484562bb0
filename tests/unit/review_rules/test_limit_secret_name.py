"""LIMIT004 (scripts/review/rules/limit_secret_name.py): a secret's name over 512 characters."""

from tests.unit.review_rules._plans import findings, plan, rc

SECRET = 'module.stack["pay"].aws_secretsmanager_secret.this["secrets/k"]'


def _secret(name: str | None, actions: list[str] | None = None, **change: object) -> dict:
    return plan(rc(SECRET, "aws_secretsmanager_secret", actions or ["create"], None, {"name": name}, **change))


def test_512_passes_and_513_is_high_naming_app_size_and_fix() -> None:
    assert findings("LIMIT004", _secret("/" + "n" * 511)) == []
    (risk,) = findings("LIMIT004", _secret("/" + "n" * 512))
    assert (risk.rule, risk.severity.value, risk.address) == ("LIMIT004", "high", SECRET)
    assert risk.detail.startswith("app pay: ")
    assert "its name has 513 characters, over Secrets Manager's 512; shorten the name" in risk.detail


def test_a_name_known_only_after_apply_is_not_measured() -> None:
    assert findings("LIMIT004", _secret(None, after_unknown={"name": True})) == []
