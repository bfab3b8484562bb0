"""scripts/flows/deploy.py: FAIL_ON stops `make deploy` before the apply, as it stops `make plan` (unit test of
deploy(): its plan and apply are stand-ins; the review's own rules are tested against real plans elsewhere)."""

from __future__ import annotations

from typing import Any

import pytest

from scripts.common import UserError
from scripts.flows import deploy
from scripts.review import Review, Risk, Severity


def _review(*severities: Severity) -> Review:
    risks = [Risk(s, 'module.stack["tax"].aws_secretsmanager_secret.this', "secret destroyed", "detail") for s in severities]
    counts = {"create": 0, "update": 0, "replace": 0, "delete": 1}
    return Review("dev", "1.11.4", {}, counts, {}, [], [], risks)


@pytest.fixture
def applied(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    calls: list[Any] = []
    monkeypatch.setattr(deploy, "apply", calls.append)
    return calls


@pytest.mark.parametrize(("fail_on", "stops"), [("high", True), ("medium", True), ("none", False)])
def test_a_risk_at_fail_on_stops_the_deploy_before_apply(
    monkeypatch: pytest.MonkeyPatch, applied: list[Any], fail_on: str, stops: bool
) -> None:
    """A plan that destroys a secret (a high risk) is not applied under FAIL_ON=high or medium."""
    monkeypatch.setattr(deploy, "plan", lambda target: _review(Severity.HIGH))
    if stops:
        with pytest.raises(UserError, match=f"not applied: .*FAIL_ON={fail_on}.*make apply"):
            deploy.deploy(object(), fail_on)  # type: ignore[arg-type]
        assert applied == []
    else:
        deploy.deploy(object(), fail_on)  # type: ignore[arg-type]
        assert len(applied) == 1


def test_a_lower_risk_than_fail_on_is_applied(monkeypatch: pytest.MonkeyPatch, applied: list[Any]) -> None:
    monkeypatch.setattr(deploy, "plan", lambda target: _review(Severity.LOW))
    deploy.deploy(object(), "high")  # type: ignore[arg-type]
    assert len(applied) == 1


def test_a_misspelt_fail_on_is_refused_before_anything_runs() -> None:
    assert deploy.fail_on_level(None) == "none" and deploy.fail_on_level("high") == "high"
    with pytest.raises(UserError, match="FAIL_ON=hgih is not a severity; give one of high, medium, low, none"):
        deploy.fail_on_level("hgih")
