"""What a built-in rule is: a stable ID, a title, a severity, one sentence of why, and a check over the plan.

checkov's `base_resource_check.py` is the model: each rule is one small class in its own
module under scripts/review/rules/, registered by being there (scripts/review/rules/__init__.py
finds it), with its own test under tests/unit/review_rules/. What it looks at decides its base:

- `ResourceRule`: one resource change at a time, of the types it names (`types`);
- `PolicyRule`: one changed policy document at a time (any resource that carries one:
  scripts/review/policy.py);
- `GrantRule`: one grant a policy change adds (an Allow the old document did not give);
- `PlanRule`: the whole plan at once (outputs, variables; later, who can read what).

The ID never changes once published (SARIF code-scanning history keys on it); the title may.
`previous_ids` names the IDs a rule had before (SARIF `deprecatedIds`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from typing import ClassVar

from scripts.review.model import Risk, Severity
from scripts.review.policy import Grant, PolicyChange, policy_changes
from scripts.review.view import Change, PlanView

SHOWN_ITEMS = 4  # items listed in one risk's detail before "and N more"


class Rule(ABC):
    """One built-in rule. Subclasses set the class attributes and implement their base's check."""

    id: ClassVar[str]
    title: ClassVar[str]
    severity: ClassVar[Severity]
    why: ClassVar[str]  # one sentence: what it finds and why it matters (the docs' table, the risk's detail)
    severity_note: ClassVar[str] = ""  # when a finding may be of another severity than `severity`, say when
    previous_ids: ClassVar[tuple[str, ...]] = ()

    def risk(self, address: str, detail: str, severity: Severity | None = None) -> Risk:
        return Risk(severity or self.severity, address, self.title, detail, "review", self.id)

    @abstractmethod
    def scan(self, view: PlanView) -> Iterable[Risk]:
        """Every risk this rule finds in the plan."""


class PlanRule(Rule, ABC):
    """A rule over the whole plan."""


class ResourceRule(Rule, ABC):
    """A rule over one resource change at a time; no-op and read changes are skipped."""

    types: ClassVar[frozenset[str]]

    def scan(self, view: PlanView) -> Iterator[Risk]:
        for type_name in self.types:
            for change in view.by_type.get(type_name, ()):
                if not change.noop:
                    yield from self.scan_change(change, view)

    @abstractmethod
    def scan_change(self, change: Change, view: PlanView) -> Iterable[Risk]:
        """The risks of one change."""


class PolicyRule(Rule, ABC):
    """A rule over one changed policy document at a time."""

    def scan(self, view: PlanView) -> Iterator[Risk]:
        for policy in policy_changes(view):
            yield from self.scan_policy(policy, view)

    @abstractmethod
    def scan_policy(self, policy: PolicyChange, view: PlanView) -> Iterable[Risk]:
        """The risks of one policy change."""


class GrantRule(PolicyRule, ABC):
    """A rule over the grants a policy change adds; the matches on one resource make one risk."""

    kinds: ClassVar[frozenset[str]] = frozenset({"identity", "trust", "resource", "key"})

    def scan_policy(self, policy: PolicyChange, view: PlanView) -> Iterator[Risk]:
        if policy.kind not in self.kinds:
            return
        found: dict[Severity, list[str]] = {}
        for grant in policy.new_grants:
            match = self.match(grant, policy, view)
            if match is None:
                continue
            severity, item = match if isinstance(match, tuple) else (self.severity, match)
            found.setdefault(severity, []).append(item)
        for severity, items in found.items():
            yield self.risk(policy.change.address, f"{self.why}: {listing(items)}", severity)

    @abstractmethod
    def match(self, grant: Grant, policy: PolicyChange, view: PlanView) -> str | tuple[Severity, str] | None:
        """None, or the item to list (the grant as text), with a severity when it differs from the rule's."""


def listing(items: list[str]) -> str:
    """Items sorted, deduplicated, the first few shown and the rest counted."""
    unique = sorted(set(items))
    shown = "; ".join(unique[:SHOWN_ITEMS])
    return shown + (f"; and {len(unique) - SHOWN_ITEMS} more" if len(unique) > SHOWN_ITEMS else "")
