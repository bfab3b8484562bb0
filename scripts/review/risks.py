"""Every built-in rule of the registry (scripts/review/rules/) over one plan view; details masked, most severe first."""

from __future__ import annotations

from scripts.review.model import Risk, sort_risks
from scripts.review.rules import registry
from scripts.review.view import PlanView


def find_risks(view: PlanView) -> list[Risk]:
    """Every risk the built-in rules find, most severe first, with every detail masked."""
    risks = [risk for rule in registry() for risk in rule.scan(view)]
    for risk in risks:
        risk.detail = view.redactor.text(risk.detail)
    return sort_risks(risks)
