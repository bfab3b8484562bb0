"""The plan as the rules see it: one `Change` per managed resource, the account, the region, the app of each.

Built once per review (`PlanView(plan, redactor, sources)`); rules read it rather than the raw
JSON's structure. What is derived from it once and shared (the policy changes of
scripts/review/policy.py, the resolver of scripts/review/resolve.py) sits in `cache`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scripts.review.model import app_of
from scripts.review.plan import account_of, config_address, configured_attributes, managed_changes, region_of
from scripts.review.redact import Redactor

if TYPE_CHECKING:
    from scripts.review.sources import Sources


@dataclass
class Change:
    """One resource change of the plan."""

    rc: dict[str, Any]
    configured: dict[str, Any] | None  # the arguments the configuration sets (None: the plan holds no configuration)

    @property
    def address(self) -> str:
        return str(self.rc["address"])

    @property
    def type(self) -> str:
        return str(self.rc["type"])

    @property
    def module(self) -> str:
        return str(self.rc.get("module_address") or "")

    @property
    def app(self) -> str:
        return app_of(self.address)

    @property
    def change(self) -> dict[str, Any]:
        return self.rc["change"]  # type: ignore[no-any-return]

    @property
    def actions(self) -> list[str]:
        return self.rc["change"]["actions"]  # type: ignore[no-any-return]

    @property
    def before(self) -> dict[str, Any]:
        return self.rc["change"].get("before") or {}

    @property
    def after(self) -> dict[str, Any]:
        return self.rc["change"].get("after") or {}

    @property
    def after_unknown(self) -> dict[str, Any]:
        return self.rc["change"].get("after_unknown") or {}

    @property
    def noop(self) -> bool:
        return self.actions in (["no-op"], ["read"])

    @property
    def creates(self) -> bool:
        """Created, or re-created by a replacement."""
        return "create" in self.actions

    @property
    def replaces(self) -> bool:
        return "create" in self.actions and "delete" in self.actions

    @property
    def destroys(self) -> bool:
        """Deleted and not re-created."""
        return self.actions == ["delete"]

    @property
    def updates(self) -> bool:
        return self.actions == ["update"]

    def unknown(self, attribute: str) -> bool:
        """True if the attribute's planned value is (known after apply) and the configuration sets it.

        An unknown attribute the configuration does not set is a computed default (no resource
        policy, AWS's default key policy), not an unknown value.
        """
        if self.destroys or self.after_unknown.get(attribute) is not True:
            return False
        return self.configured is None or attribute in self.configured

    def references(self, attribute: str) -> list[str]:
        """What the attribute's expression refers to, most specific form only (Terraform lists a.b[0].arn, a.b[0], a.b)."""
        expression = (self.configured or {}).get(attribute)
        found = expression.get("references", []) if isinstance(expression, dict) else []
        return [r for r in found if not any(o != r and o.startswith(r) for o in found)]


class PlanView:
    """The plan for the rules: its changes (by type too), the account and region, the sources when known."""

    def __init__(self, plan: dict[str, Any], redactor: Redactor, sources: Sources | None = None) -> None:
        self.plan = plan
        self.redactor = redactor
        self.sources = sources
        self.account = account_of(plan)
        configured = configured_attributes(plan)
        self.changes = [Change(rc, configured.get(config_address(rc)) if configured else None) for rc in managed_changes(plan)]
        self.by_type: dict[str, list[Change]] = {}
        for change in self.changes:
            self.by_type.setdefault(change.type, []).append(change)
        self.cache: dict[str, Any] = {}

    def region(self, values: dict[str, Any] | None = None) -> str | None:
        return region_of(self.plan, values or {})
