"""Make the review of one plan: changes, risks (built-in, team, checkov), notes and cost, by app, masked throughout."""

from __future__ import annotations

import json
import threading
from typing import Any

from scripts.review import access, changes, cost, lifecycle, staleness
from scripts.review.model import OUTSIDE, Review, Risk, Severity, app_of, sort_risks
from scripts.review.model import tripped as _tripped
from scripts.review.plan import managed_changes
from scripts.review.redact import Redactor
from scripts.review.rego import TeamRules
from scripts.review.risks import find_risks
from scripts.review.scan import scan_risks
from scripts.review.sources import Sources
from scripts.review.view import PlanView


def review(
    plan: dict[str, Any],
    env: str,
    usage: dict[str, Any],
    scan: dict[str, Any] | None = None,
    *,
    masks: list[str] | tuple[str, ...] = (),
    checkov_severity: dict[str, str] | None = None,
    context: dict[str, str] | None = None,
    sources: Sources | None = None,
    team_rules: TeamRules | None = None,
    plan_text: str | None = None,
) -> Review:
    """The review of a loaded plan (see plan.load_plan).

    `scan`: checkov's report, if one was run. `sources`: where the configuration lives
    (Sources.locate; lets unknown values be resolved). `team_rules`: compiled Rego rules,
    evaluated against `plan_text` (the plan JSON as written; re-serialized when not given).
    """
    team = _TeamRun(team_rules, plan, plan_text) if team_rules is not None else None
    redactor = Redactor(masks).collect(plan)
    view = PlanView(plan, redactor, sources)
    counts, grouped = changes.group_changes(plan, redactor)
    risks = find_risks(view)
    if team is not None:
        found = team.result()
        for risk in found:
            risk.detail = redactor.text(risk.detail)
        risks = sort_risks(risks + found)
    if scan:
        risks = sort_risks(risks + scan_risks(plan, scan, checkov_severity))
    estimate = cost.estimate(view, usage)
    result = Review(
        env=env,
        terraform_version=plan.get("terraform_version", "?"),
        status={k: bool(plan.get(k)) for k in ("applyable", "complete", "errored")},
        counts=counts,
        changes=grouped,
        outputs=changes.output_changes(plan, redactor),
        drift=changes.drift(plan, redactor),
        risks=risks,
        notes=[redactor.text(n) for n in lifecycle.notes(managed_changes(plan)) + staleness.notes(plan)],
        scan=scan or {},
        cost=estimate,
        context=context or {},
        apps=by_app(grouped, risks, estimate),
        policies=sorted(str(p) for p in team_rules.files) if team_rules else [],
        access=access.matrix(access.analyse(view)),
    )
    result._masker = redactor.text
    return result


class _TeamRun:
    """The team's Rego rules evaluated in a thread while the built-in rules run (regopy's C calls release the GIL)."""

    def __init__(self, rules: TeamRules, plan: dict[str, Any], plan_text: str | None) -> None:
        addresses = [rc["address"] for rc in managed_changes(plan)]
        self._found: list[Risk] = []
        self._error: BaseException | None = None

        def run() -> None:
            try:
                self._found = rules.evaluate(plan_text or json.dumps(plan), addresses)
            except BaseException as exc:  # re-raised in the caller's thread
                self._error = exc

        self._thread = threading.Thread(target=run, name="team-rules", daemon=True)
        self._thread.start()

    def result(self) -> list[Risk]:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._found


def by_app(grouped: dict[str, list[dict[str, Any]]], risks: list[Any], estimate: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per app (OUTSIDE for what belongs to none): change counts by kind, risk counts by severity, cost before and after."""
    apps: dict[str, dict[str, Any]] = {}

    def entry(app: str) -> dict[str, Any]:
        return apps.setdefault(
            app,
            {
                "changes": {k: 0 for k in grouped},
                "risks": {s.value: 0 for s in Severity},
                "cost": {"before_usd": 0.0, "after_usd": 0.0},
            },
        )

    for kind, entries in grouped.items():
        for item in entries:
            entry(app_of(item["address"]))["changes"][kind] += 1
    for risk in risks:
        entry(risk.app)["risks"][risk.severity.value] += 1
    for app, side in estimate.get("apps", {}).items():
        entry(app)["cost"] = side
    if set(apps) == {OUTSIDE}:
        return {}  # a plan without apps: the review's totals say it all
    return dict(sorted(apps.items(), key=lambda kv: (kv[0] == OUTSIDE, kv[0])))


def exit_code(r: Review, fail_on: str) -> int:
    """1 if a risk is at least as severe as `fail_on` (a severity), else 0; "none" never fails."""
    return 1 if tripped(r, fail_on) else 0


def tripped(r: Review, fail_on: str) -> list[Any]:
    """The risks at least as severe as `fail_on`."""
    return _tripped(r.risks, fail_on)


def for_app(result: Review, app: str) -> Review:
    """The review's view of one app (make plan APP=): its changes, risks and cost only, and a note saying so.

    The plan, its saved file and --fail-on still cover every app: this changes what is shown, nothing else.
    """
    import dataclasses

    if app not in result.apps:
        known = ", ".join(sorted(a for a in result.apps if a != OUTSIDE)) or "none"
        note = f"APP={app} has no change or risk in this plan (apps in it: {known}); every app is shown"
        return dataclasses.replace(result, notes=[*result.notes, note])
    changes = {kind: [c for c in entries if app_of(c["address"]) == app] for kind, entries in result.changes.items()}
    risks = [r for r in result.risks if app_of(r.address) == app]
    note = f"APP={app}: showing that app only; the plan, its saved file and FAIL_ON cover every app"
    readable = (
        {**result.access, "items": [row for row in result.access.get("items", []) if row["app"] == app]} if result.access else {}
    )
    view = dataclasses.replace(
        result, changes=changes, risks=risks, apps={app: result.apps[app]}, notes=[*result.notes, note], access=readable
    )
    view._masker = result._masker  # noqa: SLF001 (not a field: replace() does not carry it)
    return view
