"""What a review says: severities, risks, notes and the review itself (no sensitive value ever enters these)."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from typing import Any

MASK = "(sensitive)"
UNKNOWN = "(known after apply)"
APP_MODULE = "stack"  # the roots run the stack once per app: module.stack["<app>"]
OUTSIDE = ""  # the group of what belongs to no app (shared resources, root outputs and variables)
_APP = re.compile(rf'^module\.{APP_MODULE}\["((?:[^"\\]|\\.)*)"\]')


class Severity(enum.StrEnum):
    """How bad a risk is; declared most severe first, and that order is the only one (see `rank`)."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        """0 for the most severe; compare ranks, never the words."""
        return _RANKS[self]

    def at_least(self, limit: Severity) -> bool:
        """True if this severity is `limit` or worse."""
        return self.rank <= limit.rank


_RANKS = {s: i for i, s in enumerate(Severity)}
SEVERITIES = tuple(s.value for s in Severity)  # ("high", "medium", "low"): for argparse choices and tables
FAIL_ON = (*SEVERITIES, "none")


def app_of(address: str) -> str:
    """The app an address belongs to (the key of module.stack[...]), or OUTSIDE."""
    match = _APP.match(address)
    return match.group(1).replace('\\"', '"') if match else OUTSIDE


@dataclass
class Risk:
    """One thing a reviewer must look at: severity, where, what, one sentence of why, and the rule that found it."""

    severity: Severity
    address: str
    title: str
    detail: str
    source: str = "review"  # "review" (a built-in rule), "rego" (a team rule) or "checkov"
    rule: str = ""  # the rule's stable ID (built-in: IAM001...; rego: rego:<package>/<kind>; checkov: CKV_...)

    def __post_init__(self) -> None:
        self.severity = Severity(self.severity)

    @property
    def app(self) -> str:
        return app_of(self.address)


@dataclass
class Review:
    """Everything the review says, free of secret-looking values."""

    env: str
    terraform_version: str
    status: dict[str, bool]
    counts: dict[str, int]
    changes: dict[str, list[dict[str, Any]]]
    outputs: list[dict[str, str]]
    drift: list[dict[str, Any]]
    risks: list[Risk]
    notes: list[str] = field(default_factory=list)
    scan: dict[str, Any] = field(default_factory=dict)
    cost: dict[str, Any] = field(default_factory=dict)
    context: dict[str, str] = field(default_factory=dict)  # commit, CI run link, when known
    apps: dict[str, dict[str, Any]] = field(default_factory=dict)  # per app (OUTSIDE: no app): changes, risks, cost
    policies: list[str] = field(default_factory=list)  # the team's Rego files that were evaluated
    access: dict[str, Any] = field(default_factory=dict)  # who can read what, before and after (scripts/review/access.py)
    _masker = None  # not a field: set by the review, never serialized

    def mask(self, text: str) -> str:
        """`text` with every secret-looking value of the plan masked (the last pass over a rendering)."""
        return self._masker(text) if self._masker else text

    @property
    def total(self) -> int:
        return sum(self.counts[k] for k in ("create", "update", "replace", "delete"))

    def worst(self) -> Severity | None:
        return min((r.severity for r in self.risks), key=lambda s: s.rank, default=None)

    def risk_counts(self) -> dict[str, int]:
        return {s.value: sum(r.severity == s for r in self.risks) for s in Severity}


def sort_risks(risks: list[Risk]) -> list[Risk]:
    """Most severe first, then by address; duplicates dropped."""
    unique = {(r.severity, r.address, r.title, r.detail): r for r in risks}
    return sorted(unique.values(), key=lambda r: (r.severity.rank, r.address, r.title, r.detail))


def tripped(risks: list[Risk], fail_on: str) -> list[Risk]:
    """The risks at least as severe as `fail_on` (a severity, or "none": never)."""
    if fail_on == "none":
        return []
    limit = Severity(fail_on)
    return [r for r in risks if r.severity.at_least(limit)]
