"""Minimal plan JSON for the per-rule tests: one resource change, one policy document, one rule run."""

from __future__ import annotations

import json
from typing import Any

from scripts.review.model import Risk
from scripts.review.redact import Redactor
from scripts.review.rules import by_id
from scripts.review.view import PlanView

ACCOUNT = "123456789012"


def rc(address: str, kind: str, actions: list[str], before: dict | None, after: dict | None, **change: Any) -> dict:
    """One resource change (`change` adds after_unknown, replace_paths, ...)."""
    return {
        "address": address,
        "type": kind,
        "name": address.split(".")[-1].split("[")[0],
        "mode": "managed",
        "change": {"actions": actions, "before": before, "after": after, **change},
    }


def plan(*changes: dict, **extra: Any) -> dict:
    return {"format_version": "1.2", "terraform_version": "1.11.4", "resource_changes": list(changes), **extra}


def doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action: Any, resource: Any = "*", **more: Any) -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **more}


def own_account() -> dict:
    """A no-op resource whose ARN tells the review which account the plan deploys into."""
    arn = f"arn:aws:iam::{ACCOUNT}:role/own"
    return rc("aws_iam_role.own", "aws_iam_role", ["no-op"], {"arn": arn}, {"arn": arn})


def policy_change(kind: str, attribute: str, before: str | None, after: str | None, actions: list[str] | None = None) -> dict:
    """A resource of `kind` whose `attribute` goes from `before` to `after` (None: absent)."""
    actions = actions or (["create"] if before is None else ["update"])
    return rc(
        f"{kind}.x",
        kind,
        actions,
        None if before is None else {attribute: before},
        None if after is None else {attribute: after},
    )


def findings(rule_id: str, the_plan: dict) -> list[Risk]:
    """What one rule finds in a plan."""
    view = PlanView(the_plan, Redactor().collect(the_plan))
    return list(by_id()[rule_id].scan(view))


def found(rule_id: str, the_plan: dict) -> list[tuple[str, str, str]]:
    """(rule ID, severity, address) of each finding."""
    return [(r.rule, r.severity.value, r.address) for r in findings(rule_id, the_plan)]
