"""AWS's size limits as AWS measures them, for the limit rules (scripts/review/rules/limit_*.py).

The stack checks the same limits at plan time for the kit's own resources
(terraform/stack/main.tf: local.environment_bytes, local.inline_policy_chars); the review
checks them on any plan, a user's own root included. docs/troubleshooting.md cites AWS's
sentence for each.

A value Terraform shows as (known after apply) is not measured: the known part is a lower
bound, so a rule reports only when the known part alone is over (the apply would fail
whatever the rest is), never on a guess.
"""

from __future__ import annotations

import json
import re
from typing import Any

from scripts.review.model import OUTSIDE, app_of
from scripts.review.resolve import UNRESOLVED, resolved
from scripts.review.view import Change, PlanView

ENVIRONMENT_BYTES = 4 * 1024  # Lambda: "4 KB, for all environment variables associated with the function, in aggregate"
ROLE_INLINE_CHARS = 10_240  # IAM: "Role policy size can't exceed 10,240 characters." (all inline policies of a role)
MANAGED_POLICY_CHARS = 6_144  # IAM: "The size of each managed policy can't exceed 6,144 characters."
_STAND_IN = re.compile(r"\((known after apply[^)]*|account|region)\)")  # resolve.py's stand-ins


def environment_bytes(variables: dict[str, Any]) -> int:
    """The size Lambda gives a function's environment: the JSON of its variables, in UTF-8 bytes.

    Lambda's refusal quotes that JSON ("String measured: {...}"); it writes < > & as
    themselves (Terraform's jsonencode escapes them, which the stack subtracts again).
    """
    return len(json.dumps(variables, separators=(",", ":"), ensure_ascii=False).encode())


def policy_chars(document: str) -> int:
    """The size IAM gives a policy document: its characters, white space not counted."""
    return len(re.sub(r"\s", "", document))


def has_unknown(value: Any) -> bool:
    """True if an after_unknown value marks anything unknown."""
    if value is True:
        return True
    if isinstance(value, dict):
        return any(has_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(has_unknown(v) for v in value)
    return False


def document_text(view: PlanView, change: Change, attribute: str) -> str | None:
    """A policy document's planned text, resolved from the configuration when the plan shows it as unknown.

    None when it stays unknown (or only partly known: a stand-in for an ARN AWS assigns has
    no length of its own) or is not a string.
    """
    value = resolved(view, change, attribute) if change.after_unknown.get(attribute) is True else change.after.get(attribute)
    if value is UNRESOLVED or not isinstance(value, str) or _STAND_IN.search(value):
        return None
    return value


def of_app(address: str) -> str:
    """ "app <name>: " for a resource of an app (module.stack["<name>"]), as the stack's limit messages start; else ""."""
    app = app_of(address)
    return f"app {app}: " if app != OUTSIDE else ""


SECRET_NAME_CHARS = 512  # Secrets Manager CreateSecret, Name: "Maximum length of 512"
PARAMETER_NAME_CHARS = 1011  # SSM PutParameter, Name: 1011 characters, the ARN before the name included


def ssm_arn_prefix(region: str) -> str:
    """What comes before a parameter's name in its ARN, as AWS's example counts it (45 characters in us-east-2).

    The account is always 12 digits; the partition follows from the region.
    """
    partition = "aws-cn" if region.startswith("cn-") else "aws-us-gov" if region.startswith("us-gov-") else "aws"
    return f"arn:{partition}:ssm:{region}:123456789012:parameter/"


def known_name(change: Change) -> str | None:
    """The resource's planned `name` when the plan knows it (not set by name_prefix, not known only after apply)."""
    name = change.after.get("name")
    return name if isinstance(name, str) and name and change.after_unknown.get("name") is not True else None
