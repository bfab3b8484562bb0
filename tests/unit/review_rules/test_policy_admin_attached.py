"""POL012 (scripts/review/rules/policy_admin_attached.py): AdministratorAccess and its like attached."""

from tests.unit.review_rules._plans import found, plan, rc


def _attach(arn: str, kind: str = "aws_iam_role_policy_attachment") -> dict:
    return plan(rc(f"{kind}.a", kind, ["create"], None, {"policy_arn": arn}))


def test_administrator_access_trips_it() -> None:
    assert found("POL012", _attach("arn:aws:iam::aws:policy/AdministratorAccess")) == [
        ("POL012", "high", "aws_iam_role_policy_attachment.a")
    ]


def test_a_customer_policy_of_the_same_name_or_a_read_only_one_does_not() -> None:
    """Only AWS's managed policies are known by name."""
    assert found("POL012", _attach("arn:aws:iam::123456789012:policy/AdministratorAccess")) == []
    assert found("POL012", _attach("arn:aws:iam::aws:policy/ReadOnlyAccess")) == []
