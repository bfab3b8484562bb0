"""Review a saved Terraform plan the way a careful reviewer would, offline.

    python -m scripts.plan_review --env sandbox [--fail-on high] [--no-scan]
    python -m scripts.plan_review --plan-json FILE [--usage FILE]

Reads the plan's JSON (`terraform show -json`, written by `make plan` with mode 0600 to
build/plans/<env>.tfplan.json) and writes one review three ways: the terminal (concise,
coloured), markdown for a pull-request comment (build/plans/<env>.review.md) and JSON for
CI (build/plans/<env>.review.json). It covers:
  - changes: counts, grouped (create, update with the attributes that change, replace
    with the attributes that force it and the reason, delete, moved, imported), output
    changes and drift;
  - risks with a severity: secrets, parameters, KMS keys and log groups destroyed or
    replaced (and what is lost), IAM widening as a statement-level diff (new actions,
    wildcards, broader resources, dropped conditions, trust principal changes), values
    that would leak (secret-looking outputs not marked sensitive, secret-looking Lambda
    environment variables, String where a SecureString was expected), and an extension
    layer that does not match the function's region or architecture;
  - checkov's findings on the plan, with their IDs; skips shown with their reasons;
  - cost: the monthly delta of the change from a local price table, and the secrets API
    bill under a usage file (terraform/envs/<env>/usage.toml) for several cache TTLs.
Every leaf Terraform marks sensitive is shown as "(sensitive)". Exit status: 0, or 1 when
a risk reaches --fail-on (high, medium or low); 2 for an unreadable or errored plan.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from scripts import checkov
from scripts.common import BUILD, ROOT, UserError, run_main
from scripts.iam.policy import wildcard_match

PLAN_DIR = BUILD / "plans"
SEVERITIES = ("high", "medium", "low")
MASK = "(sensitive)"
SECRET_WORDS = re.compile(r"(secret|password|passwd|token|api_?key|private_?key|credential)", re.IGNORECASE)
NAME_SUFFIXES = re.compile(r"(_NAMES?|_IDS?|_ARNS?|_PATHS?|_PREFIX)$", re.IGNORECASE)
# Settings of the Parameters and Secrets extension: their names contain SECRETS, their values are not secrets.
EXTENSION_SETTINGS = re.compile(
    r"^(PARAMETERS_SECRETS_EXTENSION_\w+|SECRETS_MANAGER_\w+|SSM_PARAMETER_STORE_\w+|SECRETS_CLIENT_\w+)$"
)

# What is lost when a stateful resource is destroyed (or replaced: destroyed, then created).
STATEFUL = {
    "aws_secretsmanager_secret": (
        "high",
        "the secret's value and its version history are lost; its name stays blocked for the recovery window",
    ),
    "aws_secretsmanager_secret_version": ("high", "this version of the secret's value is deleted"),
    "aws_ssm_parameter": ("high", "the parameter's value and its version history are lost"),
    "aws_kms_key": ("high", "the key is scheduled for deletion: whatever it encrypted becomes unrecoverable"),
    "aws_cloudwatch_log_group": ("medium", "the log group and all its logs are deleted"),
}
# Resources holding an IAM policy document, and the attribute that holds it.
POLICY_ATTRIBUTES = {
    "aws_iam_role_policy": "policy",
    "aws_iam_policy": "policy",
    "aws_iam_role": "assume_role_policy",
    "aws_secretsmanager_secret_policy": "policy",
}
# AWS list prices, us-east-1 (../shared/reference/plan-review.md); other regions differ.
PRICES = {
    "secret_month": 0.40,
    "secrets_api_per_10k": 0.05,
    "ssm_advanced_month": 0.05,
    "ssm_higher_throughput_per_10k": 0.05,
    "kms_key_month": 1.00,
}
SECONDS_PER_MONTH = 30 * 24 * 3600
DEFAULT_USAGE = {
    "invocations_per_month": 1_000_000,
    "secret_reads_per_invocation": 1,
    "parameter_reads_per_invocation": 2,
    "warm_environments": 2,
    "ssm_higher_throughput": False,
}


@dataclass
class Risk:
    """One thing a reviewer must look at."""

    severity: str
    address: str
    title: str
    detail: str


@dataclass
class Review:
    """Everything the review says, free of sensitive values."""

    env: str
    terraform_version: str
    status: dict[str, bool]
    counts: dict[str, int]
    changes: dict[str, list[dict[str, Any]]]
    outputs: list[dict[str, str]]
    drift: list[dict[str, Any]]
    risks: list[Risk]
    scan: dict[str, Any] = field(default_factory=dict)
    cost: dict[str, Any] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts[k] for k in ("create", "update", "replace", "delete"))

    def worst(self) -> str | None:
        for severity in SEVERITIES:
            if any(r.severity == severity for r in self.risks):
                return severity
        return None


def mask(value: Any, sensitive: Any) -> Any:
    """`value` with every leaf that `sensitive` marks true replaced by MASK."""
    if sensitive is True:
        return MASK
    if isinstance(value, dict):
        marks = sensitive if isinstance(sensitive, dict) else {}
        return {k: mask(v, marks.get(k)) for k, v in value.items()}
    if isinstance(value, list):
        marks = sensitive if isinstance(sensitive, list) else []
        return [mask(v, marks[i] if i < len(marks) else None) for i, v in enumerate(value)]
    return value


def _leaves(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(_leaves(item, f"{prefix}.{key}" if prefix else key))
        return out if value else {prefix: {}}
    if isinstance(value, list):
        out = {}
        for index, item in enumerate(value):
            out.update(_leaves(item, f"{prefix}[{index}]"))
        return out if value else {prefix: []}
    return {prefix: value}


def _short(value: Any, limit: int = 60) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def changed_attributes(change: dict[str, Any]) -> list[str]:
    """`attr: old → new` for each changed leaf (compared unmasked, shown masked and shortened).

    A policy document attribute is shown as a statement-level diff instead.
    """
    raw_before, raw_after = _leaves(change.get("before") or {}), _leaves(change.get("after") or {})
    before = _leaves(mask(change.get("before") or {}, change.get("before_sensitive")))
    after = _leaves(mask(change.get("after") or {}, change.get("after_sensitive")))
    unknown = _leaves(change.get("after_unknown") or {})
    lines = []
    for path in sorted(set(raw_before) | set(raw_after) | {p for p, v in unknown.items() if v is True}):
        if unknown.get(path) is True:
            lines.append(f"{path}: {_short(before.get(path))} → (known after apply)")
        elif raw_before.get(path) != raw_after.get(path):
            diff = _policy_diff(raw_before.get(path), raw_after.get(path)) if before.get(path) != MASK else None
            if diff is not None:
                lines += [f"{path}: {line}" for line in diff]
            else:
                lines.append(f"{path}: {_short(before.get(path))} → {_short(after.get(path))}")
    return lines


def _grants(document: Any) -> set[str] | None:
    """A policy document as 'Effect action on resource' lines, or None if it is not one."""
    statements = _policy(document)
    if not statements:
        return None
    lines = set()
    for statement in statements:
        condition = f" if {json.dumps(statement['Condition'], sort_keys=True)}" if statement.get("Condition") else ""
        principal = f" for {json.dumps(statement['Principal'], sort_keys=True)}" if statement.get("Principal") else ""
        for action in _as_list(statement.get("Action") or statement.get("NotAction")):
            for resource in _as_list(statement.get("Resource") or statement.get("NotResource") or "-"):
                lines.add(f"{statement.get('Effect')} {action} on {resource}{principal}{condition}")
    return lines


def _policy_diff(before: Any, after: Any) -> list[str] | None:
    """Statement-level diff of two policy documents (+ granted now, - no longer), or None."""
    old, new = _grants(before), _grants(after)
    if old is None and new is None:
        return None
    old, new = old or set(), new or set()
    return [f"- {line}" for line in sorted(old - new)] + [f"+ {line}" for line in sorted(new - old)]


def _path_text(path: list[Any]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p)) for i, p in enumerate(path))


def group_changes(plan: dict[str, Any]) -> tuple[dict[str, int], dict[str, list[dict[str, Any]]]]:
    """Counts and entries per kind: create, update, replace, delete, moved, imported."""
    groups: dict[str, list[dict[str, Any]]] = {k: [] for k in ("create", "update", "replace", "delete", "moved", "imported")}
    for rc in plan.get("resource_changes", []):
        change, actions = rc["change"], rc["change"]["actions"]
        entry: dict[str, Any] = {"address": rc["address"], "type": rc["type"]}
        if rc.get("previous_address"):
            groups["moved"].append({**entry, "from": rc["previous_address"]})
        if change.get("importing"):
            groups["imported"].append({**entry, "id": change["importing"].get("id", "")})
        if actions in (["no-op"], ["read"]):
            continue
        if len(actions) == 2:
            entry["order"] = "create before destroy" if actions[0] == "create" else "destroy before create"
            entry["forced_by"] = [_path_text(p) for p in change.get("replace_paths", [])]
            entry["reason"] = rc.get("action_reason", "unspecified").replace("_", " ")
            groups["replace"].append(entry)
        elif actions == ["update"]:
            entry["attributes"] = changed_attributes(change)
            groups["update"].append(entry)
        elif actions == ["delete"]:
            entry["reason"] = rc.get("action_reason", "").replace("_", " ")
            groups["delete"].append(entry)
        elif actions == ["create"]:
            groups["create"].append(entry)
    counts = {k: len(v) for k, v in groups.items()}
    return counts, groups


def output_changes(plan: dict[str, Any]) -> list[dict[str, str]]:
    """Changed outputs with masked values."""
    result = []
    for name, change in sorted(plan.get("output_changes", {}).items()):
        if change["actions"] == ["no-op"]:
            continue
        after = (
            MASK
            if change.get("after_sensitive")
            else ("(known after apply)" if change.get("after_unknown") else change.get("after"))
        )
        result.append({"name": name, "action": "/".join(change["actions"]), "after": _short(after)})
    return result


def drift(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """Changes made outside Terraform that matter to this plan (its relevant attributes, as Terraform shows them)."""
    relevant: dict[str, list[str]] = {}
    for item in plan.get("relevant_attributes", []):
        relevant.setdefault(item["resource"], []).append(_path_text(item["attribute"]))
    found = []
    for d in plan.get("resource_drift", []):
        address = d["address"]
        base = re.sub(r"\[[^\]]*\]$", "", address)
        paths = relevant.get(address, []) + relevant.get(base, [])
        if address not in relevant and base not in relevant:
            continue
        attributes = [a for a in changed_attributes(d["change"]) if not re.search(r": (null|\[\]|\{\}|) → (null|\[\]|\{\}|)$", a)]
        if "" not in paths:
            attributes = [a for a in attributes if any(a.startswith(p) for p in paths)]
        if attributes or d["change"]["actions"] == ["delete"]:
            found.append({"address": address, "actions": "/".join(d["change"]["actions"]), "attributes": attributes})
    return found


# --- risks ---------------------------------------------------------------------------


def _policy(document: Any) -> list[dict[str, Any]]:
    if not isinstance(document, str) or not document.strip():
        return []
    try:
        parsed = json.loads(document)
    except ValueError:
        return []
    if not isinstance(parsed, dict):
        return []
    statements = parsed.get("Statement", [])
    return statements if isinstance(statements, list) else [statements]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def _principals(statements: list[dict[str, Any]]) -> set[str]:
    found = set()
    for statement in statements:
        principal = statement.get("Principal")
        if isinstance(principal, dict):
            for kind, values in principal.items():
                found.update(f"{kind}:{v}" for v in _as_list(values))
        elif principal is not None:
            found.add(str(principal))
    return found


def iam_widening(address: str, before_doc: Any, after_doc: Any) -> list[Risk]:
    """Statement-level differences that grant more than before."""
    before, after = _policy(before_doc), _policy(after_doc)
    allow_before = [s for s in before if s.get("Effect") == "Allow"]
    allow_after = [s for s in after if s.get("Effect") == "Allow"]
    actions_before = {a.lower() for s in allow_before for a in _as_list(s.get("Action"))}
    resources_before = {r for s in allow_before for r in _as_list(s.get("Resource"))}
    risks = []
    new_actions = sorted({a for s in allow_after for a in _as_list(s.get("Action")) if a.lower() not in actions_before})
    wildcards = [a for a in new_actions if "*" in a]
    if wildcards:
        risks.append(Risk("high", address, "IAM: wildcard action added", ", ".join(wildcards)))
    if [a for a in new_actions if "*" not in a]:
        risks.append(Risk("medium", address, "IAM: new actions", ", ".join(a for a in new_actions if "*" not in a)))
    for statement in allow_after:
        for resource in _as_list(statement.get("Resource")):
            if resource in resources_before:
                continue
            covered = sorted(b for b in resources_before if wildcard_match(resource, b) and b != resource)
            if resource == "*":
                risks.append(Risk("high", address, "IAM: resource widened to *", f"now {resource}"))
            elif covered:
                risks.append(Risk("high", address, "IAM: broader resource", f"{', '.join(covered)} → {resource}"))
            elif before:
                risks.append(Risk("medium", address, "IAM: new resource", resource))
    for statement in allow_before:
        if not statement.get("Condition"):
            continue
        for other in allow_after:
            same_grant = set(_as_list(other.get("Action"))) & set(_as_list(statement.get("Action")))
            if same_grant and other.get("Condition") != statement.get("Condition") and not other.get("Condition"):
                risks.append(Risk("high", address, "IAM: condition dropped", f"{json.dumps(statement['Condition'])} removed"))
                break
    if before and _principals(before) != _principals(after):
        added = sorted(_principals(after) - _principals(before))
        removed = sorted(_principals(before) - _principals(after))
        risks.append(Risk("high", address, "IAM: trust principal changed", f"added {added or '-'}, removed {removed or '-'}"))
    return risks


def _region_of(plan: dict[str, Any], after: dict[str, Any]) -> str | None:
    arn = after.get("arn")
    if isinstance(arn, str) and arn.startswith("arn:"):
        return arn.split(":")[3]
    region = plan.get("variables", {}).get("region", {}).get("value")
    if region:
        return region
    provider = plan.get("configuration", {}).get("provider_config", {}).get("aws", {})
    return provider.get("expressions", {}).get("region", {}).get("constant_value")


def find_risks(plan: dict[str, Any]) -> list[Risk]:
    """Every risk in the plan, most severe first."""
    risks: list[Risk] = []
    for rc in plan.get("resource_changes", []):
        change, actions, kind = rc["change"], rc["change"]["actions"], rc["type"]
        address = rc["address"]
        before, after = change.get("before") or {}, change.get("after") or {}
        if "delete" in actions and kind in STATEFUL:
            severity, lost = STATEFUL[kind]
            verb = "replaced" if "create" in actions else "destroyed"
            if kind == "aws_secretsmanager_secret" and before.get("recovery_window_in_days") is not None:
                lost += f" ({before['recovery_window_in_days']} days; 0 means deleted at once)"
            risks.append(Risk(severity, address, f"{kind} {verb}", lost))
        if kind in POLICY_ATTRIBUTES and actions in (["update"], ["delete", "create"], ["create", "delete"]):
            attribute = POLICY_ATTRIBUTES[kind]
            if not (change.get("after_unknown") or {}).get(attribute):
                risks.extend(iam_widening(address, before.get(attribute), after.get(attribute)))
        if "create" in actions or actions == ["update"]:
            risks.extend(_leak_risks(plan, rc, after, change.get("after_sensitive") or {}))
    for name, change in plan.get("output_changes", {}).items():
        if change["actions"] != ["no-op"] and "delete" not in change["actions"]:
            if SECRET_WORDS.search(name) and not NAME_SUFFIXES.search(name) and not change.get("after_sensitive"):
                risks.append(Risk("medium", f"output.{name}", "output may expose a secret", "not marked sensitive = true"))
    order = {s: i for i, s in enumerate(SEVERITIES)}
    unique = {(r.severity, r.address, r.title, r.detail): r for r in risks}
    return sorted(unique.values(), key=lambda r: (order[r.severity], r.address, r.title, r.detail))


def _leak_risks(plan: dict[str, Any], rc: dict[str, Any], after: dict[str, Any], after_sensitive: Any) -> list[Risk]:
    risks = []
    address, kind = rc["address"], rc["type"]
    if kind == "aws_lambda_function":
        variables = ((after.get("environment") or [{}])[0] or {}).get("variables") or {}
        for name, value in sorted(variables.items()):
            looks_like_name = isinstance(value, str) and (value.startswith(("/", "arn:")) or value == "")
            if EXTENSION_SETTINGS.match(name) or looks_like_name or NAME_SUFFIXES.search(name):
                continue
            if SECRET_WORDS.search(name):
                risks.append(
                    Risk(
                        "high",
                        address,
                        "secret-looking environment variable",
                        f"{name} holds a value, not a name: secrets belong in Secrets Manager or SSM",
                    )
                )
        region = _region_of(plan, after)
        architectures = after.get("architectures") or []
        for layer in after.get("layers") or []:
            if not isinstance(layer, str) or ":layer:AWS-Parameters-and-Secrets-Lambda-Extension" not in layer:
                continue
            parts = layer.split(":")
            if region and parts[3] != region:
                risks.append(Risk("high", address, "extension layer from another region", f"{layer} on a function in {region}"))
            if architectures and parts[6].endswith("-Arm64") != ("arm64" in architectures):
                risks.append(
                    Risk(
                        "high",
                        address,
                        "extension layer of the wrong architecture",
                        f"{parts[6]} on a {architectures[0]} function",
                    )
                )
    if kind == "aws_ssm_parameter" and after.get("type") in ("String", "StringList"):
        name = str(after.get("name", ""))
        if "/secrets/" in name or SECRET_WORDS.search(name.rsplit("/", 1)[-1]):
            risks.append(
                Risk(
                    "medium",
                    address,
                    "String where a SecureString was expected",
                    f"{name} looks like a secret but is stored unencrypted (and its value is in the state)",
                )
            )
    return risks


# --- cost ----------------------------------------------------------------------------


def _monthly(kind: str, values: dict[str, Any]) -> float:
    if kind == "aws_secretsmanager_secret":
        return PRICES["secret_month"] * (1 + len(values.get("replica") or []))
    if kind == "aws_ssm_parameter" and values.get("tier") in ("Advanced",):
        return PRICES["ssm_advanced_month"]
    if kind == "aws_kms_key":
        return PRICES["kms_key_month"]
    return 0.0


def cost(plan: dict[str, Any], usage: dict[str, Any]) -> dict[str, Any]:
    """Monthly fixed-cost delta of the change, and the API bill under `usage` for several TTLs."""
    lines, delta = [], 0.0
    for rc in plan.get("resource_changes", []):
        before = (
            _monthly(rc["type"], rc["change"].get("before") or {})
            if "delete" in rc["change"]["actions"] or rc["change"]["actions"] == ["update"]
            else 0.0
        )
        after = (
            _monthly(rc["type"], rc["change"].get("after") or {})
            if "create" in rc["change"]["actions"] or rc["change"]["actions"] == ["update"]
            else 0.0
        )
        if round(after - before, 4):
            lines.append({"address": rc["address"], "monthly_delta": round(after - before, 2)})
            delta += after - before
    secrets = len([r for r in _resources(plan) if r["type"] == "aws_secretsmanager_secret"])
    ttl_now = usage.get("cache_ttl_seconds") or _current_ttl(plan)
    invocations, envs = usage["invocations_per_month"], max(1, usage["warm_environments"])
    reads = {"secrets": usage["secret_reads_per_invocation"], "parameters": usage["parameter_reads_per_invocation"]}
    scenarios = []
    for ttl in sorted({0, 60, ttl_now, 300}):
        row: dict[str, Any] = {"ttl_seconds": ttl}
        for what, per_invocation in reads.items():
            uncached = invocations * per_invocation
            calls = uncached if ttl == 0 else min(uncached, envs * per_invocation * SECONDS_PER_MONTH / ttl)
            row[f"{what}_calls"] = int(calls)
        row["secrets_api_usd"] = round(row["secrets_calls"] / 10_000 * PRICES["secrets_api_per_10k"], 2)
        rate = PRICES["ssm_higher_throughput_per_10k"] if usage.get("ssm_higher_throughput") else 0.0
        row["parameters_api_usd"] = round(row["parameters_calls"] / 10_000 * rate, 2)
        row["current"] = ttl == ttl_now
        scenarios.append(row)
    return {
        "monthly_delta_usd": round(delta, 2),
        "lines": lines,
        "secrets_in_plan": secrets,
        "usage": usage,
        "api_bill": scenarios,
        "note": "AWS list prices, us-east-1; standard-throughput SSM API calls are free",
    }


def _resources(plan: dict[str, Any]) -> list[dict[str, Any]]:
    found = []

    def walk(module: dict[str, Any]) -> None:
        found.extend(module.get("resources", []))
        for child in module.get("child_modules", []):
            walk(child)

    walk(plan.get("planned_values", {}).get("root_module", {}))
    return found


def _current_ttl(plan: dict[str, Any]) -> int:
    for resource in _resources(plan):
        if resource["type"] == "aws_lambda_function":
            variables = ((resource.get("values", {}).get("environment") or [{}])[0] or {}).get("variables") or {}
            if str(variables.get("SECRETS_MANAGER_TTL", "")).isdigit():
                return int(variables["SECRETS_MANAGER_TTL"])
    return 300


def load_usage(path: Path | None) -> dict[str, Any]:
    """The usage file (TOML) over the defaults; a missing file means the defaults."""
    usage = dict(DEFAULT_USAGE)
    if path and path.is_file():
        try:
            usage.update(tomllib.loads(path.read_text()))
        except tomllib.TOMLDecodeError as exc:
            raise UserError(f"{path} is not valid TOML ({exc}); see terraform/envs/sandbox/usage.toml for the keys") from None
    return usage


# --- the review ----------------------------------------------------------------------


def load_plan(path: Path) -> dict[str, Any]:
    """The plan JSON, checked: readable, a known format, not errored."""
    try:
        plan = json.loads(path.read_text())
    except FileNotFoundError:
        raise UserError(f"no plan JSON at {path}; make one with: make plan") from None
    except ValueError as exc:
        raise UserError(f"{path} is not valid JSON ({exc}); re-create it with: make plan") from None
    version = str(plan.get("format_version", ""))
    if not version.startswith("1."):
        raise UserError(
            f"plan JSON format {version or '?'} (Terraform {plan.get('terraform_version', '?')}) is not supported: "
            "this review reads format 1.x; re-create the plan with make plan"
        )
    if plan.get("errored"):
        raise UserError("the plan errored: Terraform could not finish planning; fix the errors shown by make plan and plan again")
    return plan


def review(plan: dict[str, Any], env: str, usage: dict[str, Any], scan: dict[str, Any] | None = None) -> Review:
    counts, changes = group_changes(plan)
    return Review(
        env=env,
        terraform_version=plan.get("terraform_version", "?"),
        status={k: bool(plan.get(k)) for k in ("applyable", "complete", "errored")},
        counts=counts,
        changes=changes,
        outputs=output_changes(plan),
        drift=drift(plan),
        risks=find_risks(plan),
        scan=scan or {},
        cost=cost(plan, usage),
    )


def scan_plan(path: Path, repo_root: Path) -> dict[str, Any]:
    """checkov over the plan JSON (its own environment); failed and skipped checks with IDs."""
    return checkov.report(["-f", str(path), "--framework", "terraform_plan", "--repo-root-for-plan-enrichment", str(repo_root)])


def headline(r: Review) -> str:
    if r.total == 0:
        return f"Plan for ENV={r.env}: no changes"
    parts = [f"{r.counts[k]} to {k}" for k in ("create", "update", "replace", "delete") if r.counts[k]]
    return f"Plan for ENV={r.env}: {', '.join(parts)}"


SYMBOL = {"create": "+", "update": "~", "replace": "-/+", "delete": "-", "moved": "→", "imported": "<="}


def render_terminal(r: Review, colour: bool) -> str:
    def paint(text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if colour else text

    tone = {"high": "31;1", "medium": "33", "low": "36", "create": "32", "update": "33", "replace": "35", "delete": "31"}
    lines = [paint(headline(r), "1")]
    for kind in ("create", "update", "replace", "delete", "moved", "imported"):
        for entry in r.changes[kind]:
            line = f"  {paint(SYMBOL[kind].rjust(3), tone.get(kind, '0'))} {entry['address']}"
            if kind == "replace":
                line += f"  (forced by {', '.join(entry['forced_by']) or '?'}; {entry['reason']})"
            if kind == "moved":
                line += f"  (from {entry['from']})"
            lines.append(line)
            lines += [f"        {a}" for a in entry.get("attributes", [])[:6]]
    for output in r.outputs:
        lines.append(f"  output {output['name']}: {output['action']} → {output['after']}")
    if r.drift:
        lines.append(paint(f"drift: {len(r.drift)} resource(s) changed outside Terraform", "33"))
        lines += [f"  {d['address']} ({d['actions']})" for d in r.drift]
    if r.risks:
        lines.append(paint(f"risks: {len(r.risks)}", "1"))
        lines += [
            f"  {paint(x.severity.upper().ljust(6), tone[x.severity])} {x.title}: {x.address} ({x.detail})" for x in r.risks
        ]
    else:
        lines.append("risks: none found")
    if r.scan:
        lines.append(
            f"checkov: {r.scan['passed']} passed, {len(r.scan['failed'])} failed, {len(r.scan['skipped'])} skipped with a reason"
        )
        lines += [f"  FAILED {f['id']} {f['resource']}: {f['name']}" for f in r.scan["failed"]]
    current = next(s for s in r.cost["api_bill"] if s["current"])
    lines.append(
        f"cost: {r.cost['monthly_delta_usd']:+.2f} USD/month fixed; secrets API {current['secrets_api_usd']:.2f} USD/month "
        f"at TTL {current['ttl_seconds']} s ({current['secrets_calls']:,} calls)"
    )
    return "\n".join(lines)


def _md(text: str) -> str:
    """Text safe inside a markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(r: Review) -> str:
    out = [f"### {headline(r)}", ""]
    out.append(f"Terraform {r.terraform_version}; applyable: {r.status['applyable']}, complete: {r.status['complete']}")
    out.append("")
    if r.risks:
        out += ["#### Risks", "", "| severity | risk | resource | detail |", "| --- | --- | --- | --- |"]
        out += [f"| **{x.severity}** | {x.title} | `{x.address}` | {_md(x.detail)} |" for x in r.risks]
    else:
        out += ["#### Risks", "", "None found."]
    out += ["", "#### Changes", ""]
    if r.total == 0 and not r.changes["moved"] and not r.changes["imported"]:
        out.append("No resource changes.")
    for kind in ("create", "update", "replace", "delete", "moved", "imported"):
        if not r.changes[kind]:
            continue
        out.append(f"<details open><summary><b>{kind}</b> ({len(r.changes[kind])})</summary>\n")
        for entry in r.changes[kind]:
            extra = ""
            if kind == "replace":
                extra = f" — forced by {', '.join(f'`{p}`' for p in entry['forced_by']) or 'unknown'}; {entry['reason']}"
            if kind == "moved":
                extra = f" — from `{entry['from']}`"
            out.append(f"- `{entry['address']}`{extra}")
            out += [f"  - `{a}`" for a in entry.get("attributes", [])]
        out.append("\n</details>\n")
    out.append("")
    if r.outputs:
        out += ["#### Outputs", "", "| output | change | after |", "| --- | --- | --- |"]
        out += [f"| `{o['name']}` | {o['action']} | `{o['after']}` |" for o in r.outputs]
        out.append("")
    if r.drift:
        out += ["#### Drift (changed outside Terraform)", ""]
        out += [f"- `{d['address']}` ({d['actions']}): " + ", ".join(f"`{a}`" for a in d["attributes"]) for d in r.drift]
        out.append("")
    if r.scan:
        out += [
            "#### Policy scan (checkov)",
            "",
            f"{r.scan['passed']} passed, {len(r.scan['failed'])} failed, {len(r.scan['skipped'])} skipped with a reason.",
            "",
        ]
        if r.scan["failed"] or r.scan["skipped"]:
            out += ["| result | check | resource | reason |", "| --- | --- | --- | --- |"]
            out += [f"| ❌ failed | {f['id']} {f['name']} | `{f['resource']}` | |" for f in r.scan["failed"]]
            out += [f"| skipped | {s['id']} | `{s['resource']}` | {s['reason']} |" for s in r.scan["skipped"]]
        out.append("")
    c = r.cost
    out += ["#### Cost", "", f"Fixed monthly cost of this change: **{c['monthly_delta_usd']:+.2f} USD**"]
    out += [f"- `{line['address']}`: {line['monthly_delta']:+.2f}" for line in c["lines"]]
    out += [
        "",
        f"API bill under the usage file ({c['usage']['invocations_per_month']:,} invocations/month, "
        f"{c['usage']['warm_environments']} warm environments):",
        "",
        "| cache TTL | secret reads | secrets API | parameter reads | parameters API |",
        "| --- | --- | --- | --- | --- |",
    ]
    for s in c["api_bill"]:
        label = f"{s['ttl_seconds']} s" + (" (current)" if s["current"] else "") if s["ttl_seconds"] else "no cache"
        out.append(
            f"| {label} | {s['secrets_calls']:,} | {s['secrets_api_usd']:.2f} USD | {s['parameters_calls']:,} | "
            f"{s['parameters_api_usd']:.2f} USD |"
        )
    out += ["", f"_{c['note']}._", ""]
    return "\n".join(out)


def render_json(r: Review) -> str:
    data = asdict(r)
    data["headline"], data["worst_risk"], data["total_changes"] = headline(r), r.worst(), r.total
    return json.dumps(data, indent=2, sort_keys=True)


def exit_code(r: Review, fail_on: str) -> int:
    """1 if a risk is at least as severe as `fail_on`, else 0."""
    if fail_on == "none":
        return 0
    limit = SEVERITIES.index(fail_on)
    return 1 if any(SEVERITIES.index(x.severity) <= limit for x in r.risks) else 0


def write_review(plan_json: Path, env: str, *, usage_file: Path | None, scan: bool, repo_root: Path | None = None) -> Review:
    """Review a plan JSON file; write the markdown and JSON reviews beside it; return the review."""
    plan = load_plan(plan_json)
    scanned = scan_plan(plan_json, repo_root or ROOT / "terraform") if scan else None
    result = review(plan, env, load_usage(usage_file), scanned)
    stem = plan_json.name.removesuffix(".tfplan.json").removesuffix(".json")
    (plan_json.parent / f"{stem}.review.md").write_text(render_markdown(result))
    (plan_json.parent / f"{stem}.review.json").write_text(render_json(result))
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--env", default=os.environ.get("ENV", "sandbox"), help="sandbox (default), dev or prod")
    parser.add_argument("--plan-json", type=Path, help="a plan's JSON (default: build/plans/<env>.tfplan.json)")
    parser.add_argument("--usage", type=Path, help="usage file, e.g. terraform/envs/sandbox/usage.toml")
    parser.add_argument(
        "--fail-on",
        choices=["high", "medium", "low", "none"],
        default=os.environ.get("FAIL_ON", "none"),
        help="exit 1 when a risk is at least this severe (default none; CI: high)",
    )
    parser.add_argument("--no-scan", action="store_true", help="skip the checkov scan")
    args = parser.parse_args()
    env = args.env
    plan_json = args.plan_json or PLAN_DIR / f"{env}.tfplan.json"
    result = write_review(plan_json, env, usage_file=args.usage, scan=not args.no_scan)
    print(render_terminal(result, colour=sys.stdout.isatty() and not os.environ.get("NO_COLOR")))
    return exit_code(result, args.fail_on)


if __name__ == "__main__":
    run_main(main)
