"""Decide whether a role's identity policies allow one request, as AWS's evaluation logic does.

The sandbox needs this because moto's own IAM enforcement evaluates SSM, Secrets Manager
and Lambda requests against resource "*" (../shared/reference/toolchain.md), so it cannot
tell a function's own path from a neighbour's. Covered here: Allow/Deny, Action and
NotAction (case-insensitive, * and ? wildcards), Resource and NotResource (case-sensitive
wildcards), explicit Deny over Allow, default deny, and the String*/Arn*/Bool condition
operators. A condition this module cannot evaluate never grants: it makes an Allow
statement not apply and a Deny statement apply (fail closed).

Not covered (none of it is used by this project's policies): resource policies, permission
boundaries, SCPs, session policies, policy variables, IfExists and set operators.
"""

from __future__ import annotations

import re
from typing import Any, Literal

Decision = Literal["allowed", "explicit_deny", "implicit_deny"]

_STRING_OPERATORS = {
    "StringEquals": (False, False, False),  # (wildcards, case-insensitive, negated)
    "StringNotEquals": (False, False, True),
    "StringEqualsIgnoreCase": (False, True, False),
    "StringNotEqualsIgnoreCase": (False, True, True),
    "StringLike": (True, False, False),
    "StringNotLike": (True, False, True),
    "ArnEquals": (False, False, False),
    "ArnNotEquals": (False, False, True),
    "ArnLike": (True, False, False),
    "ArnNotLike": (True, False, True),
}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def wildcard_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """IAM wildcard match: * is any run of characters, ? is one character, nothing else is special."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, flags=re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL) is not None


def _matches_any(patterns: Any, value: str, *, ignore_case: bool) -> bool:
    return any(wildcard_match(str(p), value, ignore_case=ignore_case) for p in _as_list(patterns))


def _condition_holds(condition: dict[str, Any], context: dict[str, str]) -> bool | None:
    """True/False if every operator is understood, None if one is not."""
    for operator, tests in condition.items():
        if operator == "Bool":
            for key, expected in tests.items():
                actual = context.get(key)
                if actual is None or actual.lower() not in [str(v).lower() for v in _as_list(expected)]:
                    return False
            continue
        if operator not in _STRING_OPERATORS:
            return None
        wildcards, ignore_case, negated = _STRING_OPERATORS[operator]
        for key, expected in tests.items():
            actual = context.get(key)
            if actual is None:
                if not negated:
                    return False
                continue
            if wildcards:
                hit = _matches_any(expected, actual, ignore_case=ignore_case)
            else:
                hit = any((str(e).lower() == actual.lower()) if ignore_case else str(e) == actual for e in _as_list(expected))
            if hit == negated:
                return False
    return True


def _applies(statement: dict[str, Any], action: str, resource: str, context: dict[str, str]) -> bool:
    if "Action" in statement:
        if not _matches_any(statement["Action"], action, ignore_case=True):
            return False
    elif "NotAction" in statement:
        if _matches_any(statement["NotAction"], action, ignore_case=True):
            return False
    else:
        return False
    if "Resource" in statement:
        if not _matches_any(statement["Resource"], resource, ignore_case=False):
            return False
    elif "NotResource" in statement:
        if _matches_any(statement["NotResource"], resource, ignore_case=False):
            return False
    else:
        return False
    if "Condition" in statement:
        holds = _condition_holds(statement["Condition"], context)
        if holds is None:  # not understood: fail closed
            return statement.get("Effect") == "Deny"
        return holds
    return True


def evaluate(policies: list[dict[str, Any]], action: str, resource: str, context: dict[str, str] | None = None) -> Decision:
    """The decision for `action` on `resource` under the identity policies `policies`."""
    allowed = False
    for policy in policies:
        for statement in _as_list(policy.get("Statement", [])):
            if _applies(statement, action, resource, context or {}):
                if statement.get("Effect") == "Deny":
                    return "explicit_deny"
                if statement.get("Effect") == "Allow":
                    allowed = True
    return "allowed" if allowed else "implicit_deny"
