"""Plans of apps in the many-apps shape for the access rules' tests: each resource as it is before and after.

A resource is given by its values before and after the change (None: absent on that side); the
action follows (create, delete, no-op, update). `app()` builds one app as the kit's stack does:
its role and role policy, its function (SECRETS_CLIENT_MANIFEST), its manifest, its secrets and
parameters, all under /e/<app>/.
"""

from __future__ import annotations

import json
from typing import Any

from scripts.review.model import Risk
from scripts.review.redact import Redactor
from scripts.review.rules import by_id
from scripts.review.view import PlanView

ACCOUNT = "123456789012"
OTHER = "999999999999"
REGION = "us-east-1"
SECRETS = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:"
SAME = object()  # "after" the same as "before"


def resource(app: str | None, kind: str, name: str, before: Any, after: Any = SAME, key: str | None = None) -> dict[str, Any]:
    after = before if after is SAME else after
    module = f'module.stack["{app}"]' if app else None
    address = (f"{module}." if module else "") + f"{kind}.{name}" + (f'["{key}"]' if key is not None else "")
    actions = ["create"] if before is None else ["delete"] if after is None else ["no-op"] if before == after else ["update"]
    change: dict[str, Any] = {"address": address, "type": kind, "name": name, "mode": "managed",
                              "change": {"actions": actions, "before": before, "after": after}}  # fmt: skip
    if module:
        change["module_address"] = module
    if key is not None:
        change["index"] = key
    return change


def secret_arn(name: str) -> str:
    return f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{name}-AbCdEf"


def parameter_arn(name: str) -> str:
    return f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter{name}"


def role_arn(app: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/e-{app}"


def reads_own(app: str) -> dict[str, Any]:
    """The kit's read policy of an app: its secrets, its parameters (the manifest among them), batches, nothing else."""
    return {
        "Statement": [
            {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": f"{SECRETS}/e/{app}/*"},
            {"Effect": "Allow", "Action": ["ssm:GetParameter", "ssm:GetParameters"], "Resource": parameter_arn(f"/e/{app}/*")},
            {"Effect": "Allow", "Action": "secretsmanager:BatchGetSecretValue", "Resource": "*"},
        ]
    }  # fmt: skip


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def app(
    name: str,
    *,
    before: str | None = None,
    after: Any = SAME,
    secrets: tuple[str, ...] = ("secrets/api_key",),
    parameters: tuple[str, ...] = ("config/url",),
    securestrings: tuple[str, ...] = (),
    kms_key_id: str = "",
) -> list[dict[str, Any]]:
    """One app as the kit's stack makes it, its role policy `before` → `after` (default: the kit's read policy, unchanged)."""
    before = before if before is not None else json.dumps(reads_own(name))
    prefix = f"/e/{name}"
    manifest = {"version": 1, "app": name, "prefix": prefix, "secrets": sorted(secrets),
                "parameters": sorted(parameters), "secure_parameters": sorted(securestrings)}  # fmt: skip
    role = {"arn": role_arn(name), "name": f"e-{name}", "tags": {}}
    function = {
        "function_name": f"e-{name}",
        "arn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:e-{name}",
        "role": role_arn(name),
        "environment": [{"variables": {"SECRETS_CLIENT_MANIFEST": f"{prefix}/manifest"}}],
    }
    found = [
        resource(name, "aws_iam_role", "this", role),
        resource(
            name,
            "aws_iam_role_policy",
            "this",
            {"role": f"e-{name}", "policy": before},
            {"role": f"e-{name}", "policy": before if after is SAME else after} if after is not None else None,
        ),  # fmt: skip
        resource(name, "aws_lambda_function", "this", function),
        resource(
            name,
            "aws_ssm_parameter",
            "this",
            {
                "name": f"{prefix}/manifest",
                "type": "String",
                "value": json.dumps(manifest),
                "arn": parameter_arn(f"{prefix}/manifest"),
            },
            key=f"{prefix}/manifest",
        ),  # fmt: skip
    ]
    for short in secrets:
        values = {"name": f"{prefix}/{short}", "arn": secret_arn(f"{prefix}/{short}"), "kms_key_id": kms_key_id, "tags": {}}
        found.append(resource(name, "aws_secretsmanager_secret", "this", values, key=short))
    for short in parameters:
        values = {"name": f"{prefix}/{short}", "type": "String", "value": "v", "arn": parameter_arn(f"{prefix}/{short}")}
        found.append(resource(name, "aws_ssm_parameter", "this", values, key=f"{prefix}/{short}"))
    return found


def plan(*changes: dict[str, Any] | list[dict[str, Any]]) -> dict[str, Any]:
    flat: list[dict[str, Any]] = []
    for change in changes:
        flat += change if isinstance(change, list) else [change]
    return {
        "format_version": "1.2",
        "terraform_version": "1.11.4",
        "resource_changes": flat,
        "variables": {"region": {"value": REGION}},
    }


def findings(rule_id: str, the_plan: dict[str, Any]) -> list[Risk]:
    view = PlanView(the_plan, Redactor().collect(the_plan))
    return list(by_id()[rule_id].scan(view))


def found(rule_id: str, the_plan: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(severity, address, detail) of each finding."""
    return [(r.severity.value, r.address, r.detail) for r in findings(rule_id, the_plan)]
