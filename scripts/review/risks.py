"""Every risk in a plan: policies, lifecycle, leaks, layers; one pass over the resource changes."""

from __future__ import annotations

from typing import Any

from scripts.review import policy
from scripts.review.layers import layer_risks
from scripts.review.leaks import output_leaks, resource_leaks, variable_leaks
from scripts.review.lifecycle import lifecycle_risks
from scripts.review.model import Risk, sort_risks
from scripts.review.plan import account_of, config_address, configured_attributes, managed_changes
from scripts.review.redact import Redactor


def _inline(values: dict[str, Any]) -> dict[str, Any] | None:
    """An aws_iam_role's inline_policy blocks as one document."""
    statements = []
    for block in values.get("inline_policy") or []:
        statements += policy.statements((block or {}).get("policy")) or []
    return {"Statement": statements} if statements else None


def _read_policy(before_doc: Any) -> bool:
    """A policy whose grants, before this change, only read."""
    old = policy.grants(before_doc)
    return bool(old) and all(policy.is_read(g.action) for g in old if g.effect == "Allow")


def policy_risks(rc: dict[str, Any], account: str | None, configured: dict[str, Any] | None = None) -> list[Risk]:
    """Policy analysis of one resource change, whatever the action (create, update, replace, delete).

    `configured`: the arguments the configuration sets; an unknown attribute it does not set
    is AWS's default (no resource policy, the default key policy), not an unknown policy.
    """
    change, actions, kind, address = rc["change"], rc["change"]["actions"], rc["type"], rc["address"]
    if actions in (["no-op"], ["read"]):
        return []
    before, after = change.get("before") or {}, change.get("after") or {}
    unknown = {k: v for k, v in (change.get("after_unknown") or {}).items() if configured is None or k in configured}
    deleting = actions == ["delete"]
    risks = []
    if kind in policy.POLICY_RESOURCES:
        attribute, role = policy.POLICY_RESOURCES[kind]
        before_doc, after_doc = before.get(attribute), None if deleting else after.get(attribute)
        known_empty = after_doc in (None, "") and not unknown.get(attribute)
        if before_doc is not None or after_doc is not None or unknown.get(attribute) is True:
            if not (known_empty and before_doc in (None, "")):
                risks += policy.analyze(
                    address,
                    role,
                    before_doc,
                    after_doc,
                    unknown=not deleting and unknown.get(attribute) is True,
                    depends_on=_references(configured, attribute),
                    read_policy=role == "identity" and _read_policy(before_doc),
                    account=account,
                )
    if kind == "aws_iam_role" and (before.get("inline_policy") or after.get("inline_policy")):
        old, new = _inline(before), None if deleting else _inline(after)
        risks += policy.analyze(address, "identity", old, new, read_policy=_read_policy(old), account=account)
    if kind in policy.ATTACHMENTS:
        attribute = policy.ATTACHMENTS[kind]
        old = _as_strings(before.get(attribute))
        new = [] if deleting else _as_strings(after.get(attribute))
        risks += policy.attachment_risks(address, old, new, not deleting and unknown.get(attribute) is True)
    if kind == "aws_lambda_permission" and not deleting:
        risks += policy.lambda_permission_risks(address, after, account)
    return risks


def _references(configured: dict[str, Any] | None, attribute: str) -> list[str]:
    """What an attribute's expression refers to, most specific form only (Terraform lists a.b[0].arn, a.b[0], a.b)."""
    expression = (configured or {}).get(attribute)
    references = expression.get("references", []) if isinstance(expression, dict) else []
    return [r for r in references if not any(o != r and o.startswith(r) for o in references)]


def _as_strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value or [] if isinstance(v, str)]


def find_risks(plan: dict[str, Any], redactor: Redactor) -> list[Risk]:
    """Every risk in the plan, most severe first, with every detail masked."""
    account = account_of(plan)
    configured = configured_attributes(plan)
    risks: list[Risk] = []
    for rc in managed_changes(plan):
        risks += policy_risks(rc, account, configured.get(config_address(rc)) if configured else None)
        if rc["change"]["actions"] in (["no-op"], ["read"]):
            continue
        risks += lifecycle_risks(rc, redactor)
        risks += resource_leaks(rc)
        risks += layer_risks(plan, rc)
    risks += output_leaks(plan) + variable_leaks(plan)
    for risk in risks:
        risk.detail = redactor.text(risk.detail)
    return sort_risks(risks)
