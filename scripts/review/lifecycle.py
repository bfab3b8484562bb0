"""Lifecycle risks: what is lost when stateful resources are destroyed, replaced or loosened.

Facts used (AWS documentation): a deleted secret can be restored during its recovery window
(7-30 days; Terraform's recovery_window_in_days = 0 deletes at once, without recovery); a
KMS key is only scheduled for deletion (7-30 days) and the deletion can be cancelled in that
window, after which data encrypted under it cannot be decrypted; a String parameter stores
its value unencrypted.
"""

from __future__ import annotations

from typing import Any

from scripts.review.changes import forced_by
from scripts.review.model import Risk
from scripts.review.redact import Redactor

LOST = {
    "aws_secretsmanager_secret_version": ("high", "this version of the secret's value is deleted"),
    "aws_cloudwatch_log_group": ("medium", "the log group and all its logs are deleted"),
}


def _order(actions: list[str]) -> str:
    return "destroy before create" if actions[0] == "delete" else "create before destroy"


def lifecycle_risks(rc: dict[str, Any], redactor: Redactor) -> list[Risk]:
    """Risks of one resource change that lose data or loosen its protection."""
    change, actions, kind, address = rc["change"], rc["change"]["actions"], rc["type"], rc["address"]
    before, after = change.get("before") or {}, change.get("after") or {}
    replaced = "delete" in actions and "create" in actions
    why = ""
    if replaced:
        forced = forced_by(change, redactor)
        why = f"replaced ({_order(actions)}; forced by {', '.join(forced) or 'an unknown attribute'}): "
    risks = []
    if "delete" in actions:
        if kind == "aws_secretsmanager_secret":
            window = before.get("recovery_window_in_days")
            if window == 0:
                kept = "recovery_window_in_days is 0: it is deleted at once and cannot be restored"
            else:
                kept = f"it can be restored for {window if window is not None else 30} days, and its name stays taken until then"
            empty = "; the new secret starts empty: set its value with make put-secret" if replaced else ""
            title = "secret replaced" if replaced else "secret destroyed"
            risks.append(Risk("high", address, title, f"{why}its value and version history go; {kept}{empty}"))
        elif kind == "aws_ssm_parameter":
            risks.append(_parameter_loss(address, before, after, replaced, why))
        elif kind == "aws_kms_key":
            window = before.get("deletion_window_in_days") or 30
            risks.append(
                Risk(
                    "high",
                    address,
                    "KMS key replaced" if replaced else "KMS key scheduled for deletion",
                    f"{why}the key is deleted after {window} days (cancel with aws kms cancel-key-deletion until then); "
                    "after that, whatever it encrypted cannot be decrypted",
                )
            )
        elif kind in LOST:
            severity, lost = LOST[kind]
            risks.append(Risk(severity, address, f"{kind} {'replaced' if replaced else 'destroyed'}", why + lost))
    if actions == ["update"] or replaced:
        risks += _loosened(address, kind, before, after)
    return risks


def _parameter_loss(address: str, before: dict[str, Any], after: dict[str, Any], replaced: bool, why: str) -> Risk:
    """A String's value lives in the configuration (tfvars): only its history goes. A SecureString's value goes."""
    if before.get("type") in ("String", "StringList"):
        if replaced:
            return Risk(
                "low",
                address,
                "parameter replaced",
                f"{why}it is re-created with its value from the configuration; version history restarts",
            )
        return Risk(
            "medium",
            address,
            "parameter destroyed",
            "the parameter and its version history are deleted (its value stays in git history)",
        )
    title = "SecureString replaced" if replaced else "SecureString destroyed"
    return Risk("high", address, title, f"{why}its value and version history are lost; set it again with make put-secret")


def _loosened(address: str, kind: str, before: dict[str, Any], after: dict[str, Any]) -> list[Risk]:
    risks = []
    if kind == "aws_secretsmanager_secret":
        old, new = before.get("recovery_window_in_days"), after.get("recovery_window_in_days")
        if isinstance(old, int) and isinstance(new, int) and new < old:
            if new == 0:
                risks.append(
                    Risk(
                        "high",
                        address,
                        "recovery window removed",
                        f"recovery_window_in_days {old} → 0: a later destroy deletes the secret at once, with no way back",
                    )
                )
            else:
                risks.append(Risk("low", address, "recovery window shortened", f"recovery_window_in_days {old} → {new}"))
    if kind == "aws_kms_key":
        if before.get("is_enabled") is True and after.get("is_enabled") is False:
            risks.append(
                Risk("high", address, "KMS key disabled", "whatever it encrypts cannot be decrypted until it is re-enabled")
            )
        old, new = before.get("deletion_window_in_days"), after.get("deletion_window_in_days")
        if isinstance(old, int) and isinstance(new, int) and new < old:
            risks.append(Risk("low", address, "key deletion window shortened", f"deletion_window_in_days {old} → {new}"))
        if before.get("enable_key_rotation") is True and after.get("enable_key_rotation") is False:
            risks.append(Risk("low", address, "key rotation turned off", "enable_key_rotation true → false"))
    if kind == "aws_ssm_parameter" and before.get("type") == "SecureString" and after.get("type") in ("String", "StringList"):
        risks.append(
            Risk(
                "high",
                address,
                "SecureString becomes a String",
                f"type SecureString → {after.get('type')}: the value would be stored unencrypted and shown in plans",
            )
        )
    return risks


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
    return a.get("module_address", "").split("[")[0] == b.get("module_address", "").split("[")[0] and a.get("name") == b.get(
        "name"
    )
