"""Lifecycle facts the lifecycle rules share, and the notes (what a reviewer should know, not a risk).

Facts used (AWS documentation): a deleted secret can be restored during its recovery window
(7-30 days; Terraform's recovery_window_in_days = 0 deletes at once, without recovery); a
KMS key is only scheduled for deletion (7-30 days) and the deletion can be cancelled in that
window, after which data encrypted under it cannot be decrypted; a String parameter stores
its value unencrypted, in the configuration.
"""

from __future__ import annotations

import re
from typing import Any

from scripts.review.changes import forced_by
from scripts.review.view import Change, PlanView

PLAIN_PARAMETER_TYPES = ("String", "StringList")


def replaced_because(change: Change, view: PlanView) -> str:
    """ "replaced (<order>; forced by <attribute: old → new>): " for a replacement, else ""."""
    if not change.replaces:
        return ""
    order = "destroy before create" if change.actions[0] == "delete" else "create before destroy"
    forced = forced_by(change.change, view.redactor)
    return f"replaced ({order}; forced by {', '.join(forced) or 'an unknown attribute'}): "


def lowered(change: Change, attribute: str) -> tuple[int, int] | None:
    """(old, new) when an integer setting goes down in an update or a replacement."""
    if not (change.updates or change.replaces):
        return None
    old, new = change.before.get(attribute), change.after.get(attribute)
    if isinstance(old, int) and isinstance(new, int) and new < old:
        return old, new
    return None


def notes(plan_changes: list[dict[str, Any]]) -> list[str]:
    """Plain-word notes: new secrets start empty; a delete plus a create of the same kind is probably a rename."""
    found = []
    created = [rc for rc in plan_changes if rc["change"]["actions"] == ["create"]]
    deleted = [rc for rc in plan_changes if rc["change"]["actions"] == ["delete"]]
    versions = {rc.get("module_address") for rc in created if rc["type"] == "aws_secretsmanager_secret_version"}
    for rc in created:
        if rc["type"] != "aws_secretsmanager_secret" or rc.get("module_address") in versions:
            continue
        twin = next((d for d in deleted if d["type"] == rc["type"] and _same_shape(d, rc)), None)
        if twin:
            found.append(
                f"{twin['address']} → {rc['address']} looks like a rename: the new secret starts empty; "
                "set its value with make put-secret"
            )
        else:
            found.append(f"{rc['address']}: the new secret starts empty; set its value with make put-secret")
    return found


def _same_shape(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """The same resource of the same module call (its last instance key aside), in the same app."""
    return _call(a) == _call(b) and a.get("name") == b.get("name")


def _call(rc: dict[str, Any]) -> str:
    return re.sub(r'\[(?:"(?:[^"\\]|\\.)*"|\d+)\]$', "", str(rc.get("module_address") or ""))
