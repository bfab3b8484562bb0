"""What a review says: risks, notes and the review itself (no sensitive value ever enters these)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SEVERITIES = ("high", "medium", "low")
MASK = "(sensitive)"
UNKNOWN = "(known after apply)"


@dataclass
class Risk:
    """One thing a reviewer must look at: severity, where, what, and one sentence of why."""

    severity: str
    address: str
    title: str
    detail: str
    source: str = "review"  # or "checkov"


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
    _masker = None  # not a field: set by the review, never serialized

    def mask(self, text: str) -> str:
        """`text` with every secret-looking value of the plan masked (the last pass over a rendering)."""
        return self._masker(text) if self._masker else text

    @property
    def total(self) -> int:
        return sum(self.counts[k] for k in ("create", "update", "replace", "delete"))

    def worst(self) -> str | None:
        for severity in SEVERITIES:
            if any(r.severity == severity for r in self.risks):
                return severity
        return None

    def risk_counts(self) -> dict[str, int]:
        return {s: sum(r.severity == s for r in self.risks) for s in SEVERITIES}


def sort_risks(risks: list[Risk]) -> list[Risk]:
    """Most severe first, then by address; duplicates dropped."""
    order = {s: i for i, s in enumerate(SEVERITIES)}
    unique = {(r.severity, r.address, r.title, r.detail): r for r in risks}
    return sorted(unique.values(), key=lambda r: (order[r.severity], r.address, r.title, r.detail))
