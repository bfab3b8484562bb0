"""Values that would leak: secrets in Lambda environment variables, outputs, variables and Strings."""

from __future__ import annotations

from typing import Any

from scripts.review.model import Risk
from scripts.review.plan import environment_of
from scripts.review.redact import looks_like_a_name, secret_name


def resource_leaks(rc: dict[str, Any]) -> list[Risk]:
    """A created or updated resource that would hold a secret in clear."""
    risks = []
    change, kind, address = rc["change"], rc["type"], rc["address"]
    if not ("create" in change["actions"] or change["actions"] == ["update"]):
        return risks
    after = change.get("after") or {}
    if kind == "aws_lambda_function":
        for name, value in sorted(environment_of(after).items()):
            if secret_name(name) and not looks_like_a_name(value):
                risks.append(
                    Risk(
                        "high",
                        address,
                        "secret-looking environment variable",
                        f"{name} holds a value, not a name: anyone who can read the function's configuration sees it; "
                        "keep it in Secrets Manager or a SecureString and pass its name",
                    )
                )
    if kind == "aws_ssm_parameter" and after.get("type") in ("String", "StringList"):
        name = str(after.get("name", ""))
        if "/secrets/" in name or secret_name(name.rsplit("/", 1)[-1]):
            risks.append(
                Risk(
                    "medium",
                    address,
                    "String where a SecureString was expected",
                    f"{name} looks like a secret but is stored unencrypted (and its value is in the state)",
                )
            )
    return risks


def output_leaks(plan: dict[str, Any]) -> list[Risk]:
    """Secret-looking outputs not marked sensitive."""
    risks = []
    for name, change in sorted(plan.get("output_changes", {}).items()):
        if change["actions"] == ["no-op"] or "delete" in change["actions"] or change.get("after") is None:
            continue
        if secret_name(name) and not change.get("after_sensitive") and not looks_like_a_name(change.get("after")):
            risks.append(
                Risk(
                    "medium", f"output.{name}", "output may expose a secret", "not marked sensitive = true: CLI and logs show it"
                )
            )
    return risks


def variable_leaks(plan: dict[str, Any]) -> list[Risk]:
    """Secret-looking root variables with a literal value, not declared sensitive (the value sits in tfvars, plan and state)."""
    declared = plan.get("configuration", {}).get("root_module", {}).get("variables", {})
    risks = []
    for name, variable in sorted((plan.get("variables") or {}).items()):
        value = variable.get("value")
        if not isinstance(value, str) or looks_like_a_name(value) or not secret_name(name):
            continue
        if not (declared.get(name) or {}).get("sensitive"):
            risks.append(
                Risk(
                    "medium",
                    f"var.{name}",
                    "secret-looking variable with a value",
                    "its value is in tfvars, the plan and the state; set it with make put-secret instead",
                )
            )
    return risks
