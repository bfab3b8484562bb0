"""What the plan changes: resources grouped by action and module, attribute diffs, outputs, drift."""

from __future__ import annotations

import json
import re
from typing import Any

from scripts.review import policy
from scripts.review.model import MASK, UNKNOWN
from scripts.review.plan import leaves, managed_changes, path_text
from scripts.review.redact import Redactor

KINDS = ("create", "update", "replace", "delete", "moved", "imported")
KEY_ATTRIBUTES = (
    "name",
    "function_name",
    "type",
    "tier",
    "runtime",
    "handler",
    "architectures",
    "memory_size",
    "timeout",
    "recovery_window_in_days",
    "deletion_window_in_days",
    "retention_in_days",
    "kms_key_id",
    "principal",
    "source_arn",
    "source_account",
    "policy_arn",
    "role",
)


def short(value: Any, limit: int = 100) -> str:
    """A value as text, cut in the middle when longer than `limit`."""
    text = value if isinstance(value, str) else json.dumps(value)
    if len(text) <= limit:
        return text
    half = (limit - 1) // 2
    return text[:half] + "…" + text[-half:]


def _at(value: Any, path: list[Any]) -> Any:
    for step in path:
        try:
            value = value[step]
        except (KeyError, IndexError, TypeError):
            return None
    return value


def forced_by(change: dict[str, Any], redactor: Redactor) -> list[str]:
    """`attribute: old → new` for each attribute that forces a replacement (masked)."""
    found = []
    for path in change.get("replace_paths") or []:
        name = path_text(path)
        old = redactor.value(_at(change.get("before"), path), _at(change.get("before_sensitive"), path), str(path[-1]))
        if _at(change.get("after_unknown"), path) is True:
            new: Any = UNKNOWN
        else:
            new = redactor.value(_at(change.get("after"), path), _at(change.get("after_sensitive"), path), str(path[-1]))
        found.append(f"{name}: {short(old, 60)} → {short(new, 60)}")
    return found


def changed_attributes(change: dict[str, Any], redactor: Redactor) -> list[str]:
    """`attr: old → new` for each changed leaf (compared raw, shown masked); policies as a grant diff."""
    raw_before, raw_after = leaves(change.get("before") or {}), leaves(change.get("after") or {})
    before = leaves(redactor.value(change.get("before") or {}, change.get("before_sensitive")))
    after = leaves(redactor.value(change.get("after") or {}, change.get("after_sensitive")))
    unknown = leaves(change.get("after_unknown") or {})
    lines = []
    for path in sorted(set(raw_before) | set(raw_after) | {p for p, v in unknown.items() if v is True}):
        if unknown.get(path) is True:
            lines.append(f"{path}: {short(before.get(path))} → {UNKNOWN}")
        elif raw_before.get(path) != raw_after.get(path):
            diff = policy.diff_lines(raw_before.get(path), raw_after.get(path)) if before.get(path) != MASK else None
            if diff is not None:
                lines += [f"{path}: {redactor.text(line)}" for line in diff]
            else:
                lines.append(f"{path}: {short(before.get(path))} → {short(after.get(path))}")
    return lines


def key_attributes(change: dict[str, Any], redactor: Redactor) -> tuple[list[str], list[str]]:
    """A created resource's key attributes (masked) and its policy documents in full."""
    after = redactor.value(change.get("after") or {}, change.get("after_sensitive"))
    unknown = change.get("after_unknown") or {}
    shown = []
    for name in KEY_ATTRIBUTES:
        if unknown.get(name) is True:
            shown.append(f"{name} = {UNKNOWN}")
        elif after.get(name) not in (None, "", [], {}):
            shown.append(f"{name} = {short(after[name], 80)}")
    documents = []
    for name, value in sorted(after.items()):
        if isinstance(value, str) and policy.statements(value) is not None:
            documents.append(f"{name}:\n" + json.dumps(json.loads(value), indent=2, sort_keys=True))
    return shown, documents


def group_changes(plan: dict[str, Any], redactor: Redactor) -> tuple[dict[str, int], dict[str, list[dict[str, Any]]]]:
    """Counts and entries per kind (create, update, replace, delete, moved, imported), each with its module."""
    groups: dict[str, list[dict[str, Any]]] = {k: [] for k in KINDS}
    for rc in managed_changes(plan):
        change, actions = rc["change"], rc["change"]["actions"]
        entry: dict[str, Any] = {"address": rc["address"], "type": rc["type"], "module": rc.get("module_address") or ""}
        if rc.get("previous_address"):
            groups["moved"].append({**entry, "from": rc["previous_address"]})
        if change.get("importing"):
            groups["imported"].append({**entry, "id": change["importing"].get("id", "")})
        if actions in (["no-op"], ["read"]):
            continue
        if len(actions) == 2:
            entry["order"] = "create before destroy" if actions[0] == "create" else "destroy before create"
            entry["forced_by"] = forced_by(change, redactor)
            entry["reason"] = rc.get("action_reason", "unspecified").replace("_", " ")
            groups["replace"].append(entry)
        elif actions == ["update"]:
            entry["attributes"] = changed_attributes(change, redactor)
            groups["update"].append(entry)
        elif actions == ["delete"]:
            entry["reason"] = rc.get("action_reason", "").replace("_", " ")
            groups["delete"].append(entry)
        elif actions == ["create"]:
            entry["attributes"], entry["documents"] = key_attributes(change, redactor)
            groups["create"].append(entry)
    return {k: len(v) for k, v in groups.items()}, groups


def output_changes(plan: dict[str, Any], redactor: Redactor) -> list[dict[str, str]]:
    """Changed outputs with masked values (in full: an output is read as a whole)."""
    result = []
    for name, change in sorted(plan.get("output_changes", {}).items()):
        if change["actions"] == ["no-op"]:
            continue
        if change.get("after_unknown") is True:
            after: Any = UNKNOWN
        else:
            after = redactor.value(change.get("after"), change.get("after_sensitive"), name)
        text = after if isinstance(after, str) else json.dumps(after)
        result.append({"name": name, "action": "/".join(change["actions"]), "after": redactor.text(text)})
    return result


def drift(plan: dict[str, Any], redactor: Redactor) -> list[dict[str, Any]]:
    """Changes made outside Terraform that matter to this plan (its relevant attributes, as Terraform shows them)."""
    relevant: dict[str, list[str]] = {}
    for item in plan.get("relevant_attributes", []):
        relevant.setdefault(item["resource"], []).append(path_text(item["attribute"]))
    found = []
    for d in plan.get("resource_drift", []):
        address = d["address"]
        base = re.sub(r"\[[^\]]*\]$", "", address)
        if address not in relevant and base not in relevant:
            continue
        paths = relevant.get(address, []) + relevant.get(base, [])
        attributes = [
            a for a in changed_attributes(d["change"], redactor) if not re.search(r": (null|\[\]|\{\}|) → (null|\[\]|\{\}|)$", a)
        ]
        if "" not in paths:
            attributes = [a for a in attributes if any(a.startswith(p) for p in paths)]
        if attributes or d["change"]["actions"] == ["delete"]:
            found.append({"address": address, "actions": "/".join(d["change"]["actions"]), "attributes": attributes})
    return found
