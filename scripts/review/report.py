"""Make the review of one plan: changes, risks, notes, scan findings and cost, masked throughout."""

from __future__ import annotations

from typing import Any

from scripts.review import changes, cost, lifecycle, staleness
from scripts.review.model import Review, sort_risks
from scripts.review.plan import managed_changes
from scripts.review.redact import Redactor
from scripts.review.risks import find_risks
from scripts.review.scan import scan_risks


def review(
    plan: dict[str, Any],
    env: str,
    usage: dict[str, Any],
    scan: dict[str, Any] | None = None,
    *,
    masks: list[str] | tuple[str, ...] = (),
    checkov_severity: dict[str, str] | None = None,
    context: dict[str, str] | None = None,
) -> Review:
    """The review of a loaded plan (see plan.load_plan); `scan` is checkov's report, if one was run."""
    redactor = Redactor(masks).collect(plan)
    counts, grouped = changes.group_changes(plan, redactor)
    risks = find_risks(plan, redactor)
    stale_notes, stale_risks = staleness.findings(plan)  # issue 19: each rotated secret's staleness budget
    risks = sort_risks(risks + stale_risks + (scan_risks(plan, scan, checkov_severity) if scan else []))
    result = Review(
        env=env,
        terraform_version=plan.get("terraform_version", "?"),
        status={k: bool(plan.get(k)) for k in ("applyable", "complete", "errored")},
        counts=counts,
        changes=grouped,
        outputs=changes.output_changes(plan, redactor),
        drift=changes.drift(plan, redactor),
        risks=risks,
        notes=[redactor.text(n) for n in lifecycle.notes(managed_changes(plan)) + stale_notes],
        scan=scan or {},
        cost=cost.estimate(plan, usage),
        context=context or {},
    )
    result._masker = redactor.text
    return result


def exit_code(r: Review, fail_on: str) -> int:
    """1 if a risk is at least as severe as `fail_on` (high, medium, low), else 0; none never fails."""
    return 1 if tripped(r, fail_on) else 0


def tripped(r: Review, fail_on: str) -> list[Any]:
    """The risks at least as severe as `fail_on`."""
    if fail_on == "none":
        return []
    order = ("high", "medium", "low")
    limit = order.index(fail_on)
    return [x for x in r.risks if order.index(x.severity) <= limit]
