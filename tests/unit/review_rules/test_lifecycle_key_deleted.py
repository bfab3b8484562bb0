"""LIFE005 (scripts/review/rules/lifecycle_key_deleted.py): a KMS key scheduled for deletion."""

from tests.unit.review_rules._plans import findings, plan, rc


def test_a_deleted_key_names_its_window_and_how_to_cancel() -> None:
    (risk,) = findings("LIFE005", plan(rc("aws_kms_key.k", "aws_kms_key", ["delete"], {"deletion_window_in_days": 7}, None)))
    assert (risk.rule, risk.severity) == ("LIFE005", "high")
    assert "after 7 days" in risk.detail and "cancel-key-deletion" in risk.detail


def test_a_created_key_does_not() -> None:
    assert findings("LIFE005", plan(rc("aws_kms_key.k", "aws_kms_key", ["create"], None, {}))) == []
