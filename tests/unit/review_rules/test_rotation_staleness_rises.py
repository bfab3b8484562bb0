"""ROT001 (scripts/review/rules/rotation_staleness_rises.py): a change that raises a rotated secret's staleness budget."""

from scripts.review import staleness
from tests.unit.review_rules._plans import findings
from tests.unit.test_review_staleness import EXTENSION_DEFAULTS, _function, _plan


def test_a_rise_is_a_low_risk_naming_both_figures() -> None:
    """Raising the client TTL from 300 to 900 s: one low risk per rotated secret, naming both figures."""
    low, high = (
        _function({**EXTENSION_DEFAULTS, "SECRETS_CLIENT_TTL": "300"}),
        _function({**EXTENSION_DEFAULTS, "SECRETS_CLIENT_TTL": "900"}),
    )
    risks = findings("ROT001", _plan(low, high))
    notes = staleness.notes(_plan(low, high))
    assert [(r.rule, r.title) for r in risks] == [("ROT001", "staleness budget rises")] * 2
    assert all(r.detail.startswith("from 600 s to 1200 s: /dev/demo/secrets/") for r in risks)
    assert (
        {r.severity for r in risks} == {"low"}
        and "client TTL 900 s" in risks[0].detail
        and "was client TTL 300 s" in risks[0].detail
    )
    assert len(notes) == 2 and all("up to 1200 s" in n for n in notes)


def test_a_fall_or_no_change_is_not() -> None:
    """Lowering the client TTL, or leaving it, raises nothing."""
    low, high = (
        _function({**EXTENSION_DEFAULTS, "SECRETS_CLIENT_TTL": "300"}),
        _function({**EXTENSION_DEFAULTS, "SECRETS_CLIENT_TTL": "900"}),
    )
    assert findings("ROT001", _plan(high, low)) == []
    assert findings("ROT001", _plan(low, low)) == []
