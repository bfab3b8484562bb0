"""LIFE009 (scripts/review/rules/lifecycle_key_rotation_off.py): a key's rotation turned off."""

from tests.unit.review_rules._plans import found, plan, rc


def _rotation(old: bool, new: bool) -> dict:
    return plan(rc("aws_kms_key.k", "aws_kms_key", ["update"], {"enable_key_rotation": old}, {"enable_key_rotation": new}))


def test_turning_it_off_trips_it() -> None:
    assert found("LIFE009", _rotation(True, False)) == [("LIFE009", "low", "aws_kms_key.k")]


def test_turning_it_on_does_not() -> None:
    assert found("LIFE009", _rotation(False, True)) == []
