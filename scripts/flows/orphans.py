"""What an interrupted apply left behind: resources that exist but that the state does not record.

An apply that is killed part-way leaves what it was creating outside the state; the next
apply would fail on it ("already exists"). Before applying, the deploy flow looks for each
resource the plan would create (Target.existing): the sandbox adopts them with `terraform
import`, AWS says which and prints the import commands.
"""

from __future__ import annotations

import json
import shlex
from typing import Any

from scripts import review
from scripts.common import ROOT, UserError, say
from scripts.targets import Target


class Orphaned(UserError):
    """Resources exist that the state does not record (left by an interrupted apply)."""

    def __init__(self, message: str, found: list[tuple[str, str]]) -> None:
        super().__init__(message)
        self.found = found  # (address, import id)


def find(target: Target, plan: dict[str, Any]) -> list[tuple[str, str]]:
    """(address, import id) of each resource the plan would create that already exists.

    An apply that is killed part-way leaves what it was creating outside the state; the
    next apply would fail on it ("already exists"). Values still unknown in this plan (a
    role's name, say, until the role itself is adopted) are looked at in the next round.
    """
    region = plan.get("variables", {}).get("region", {}).get("value") or "us-east-1"
    found = []
    for change in plan.get("resource_changes", []):
        if change["change"]["actions"] == ["create"] and change.get("mode") == "managed":
            identifier = target.existing(change["type"], change["change"].get("after") or {}, region)
            if identifier is not None:
                found.append((change["address"], identifier))
    return found


def import_commands(target: Target, found: list[tuple[str, str]]) -> str:
    workspace = target.workspace()
    where = f"-chdir={workspace.root.relative_to(ROOT)}"
    return "; ".join(shlex.join(["terraform", where, "import", *workspace.plan_args, a, i]) for a, i in found)


def adopt(target: Target, found: list[tuple[str, str]]) -> None:
    """Import what an interrupted apply left behind, so the next apply converges."""
    workspace = target.workspace()
    for address, identifier in found:
        workspace.run("import", "-input=false", "-no-color", *workspace.plan_args, address, identifier, capture=True)
        say(f"adopted {address} ({identifier}): it existed, but the state did not record it")


def refuse(target: Target, plan: dict[str, Any]) -> None:
    """Raise Orphaned (with the import commands, or how they are adopted) if the plan would create one."""
    found = find(target, plan)
    if found:
        fix = "make deploy adopts them" if target.adopts_orphans else f"adopt them with: {import_commands(target, found)}"
        raise Orphaned(
            f"{len(found)} resource(s) of ENV={target.env} exist but the state does not record them (an earlier "
            f"apply was interrupted): {', '.join(a for a, _ in found)}; {fix}, then make deploy ENV={target.env}",
            found,
        )


def adopt_before_destroy(target: Target) -> None:
    """What an interrupted apply left outside the state: the sandbox adopts it (so destroy removes
    it); on AWS the user is told, with the import commands."""
    probe = review.PLAN_DIR / f"{target.env}-destroy-check.tfplan"
    review.PLAN_DIR.mkdir(parents=True, exist_ok=True)
    workspace = target.workspace()
    try:
        for _ in range(3):
            if workspace.plan(probe):
                return  # an unplannable configuration: destroy still works from the state
            found = find(target, json.loads(workspace.show_json(probe)))
            if not found:
                return
            if not target.adopts_orphans:
                say(f"warning: not in the state, so not destroyed: {', '.join(a for a, _ in found)}")
                say(f"  adopt them first to destroy them: {import_commands(target, found)}")
                return
            adopt(target, found)
    finally:
        probe.unlink(missing_ok=True)
