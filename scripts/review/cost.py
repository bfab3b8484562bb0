"""Monthly cost before → after, from the plan's own resources and the function's configuration.

Fixed costs come from the resources (secrets and replicas, advanced parameters, KMS keys).
API costs come from each Lambda function's configuration in the plan: the secrets and
parameters it reads (its app's manifest, the SSM parameter SECRETS_CLIENT_MANIFEST names, in
the same plan; for a function configured by hand, comma-separated APP_SECRET_IDS and
APP_PARAMETER_NAMES), whether the extension is attached
and its cache on (PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED, CACHE_SIZE), and each service's
TTL (SECRETS_MANAGER_TTL, SSM_PARAMETER_STORE_TTL; 0 bypasses the cache). Only traffic
(invocations, duration, warm environments, per app function) comes from the usage file. Free
tiers are not applied (as infracost does by default).

A first plan prices on the same basis as any later plan of the same resources: what
Terraform shows as (known after apply) there (the sandbox's extension layer ARN, say) is
resolved from the configuration (scripts/review/resolve.py) before it is priced. Costs are
given per app too (the key of module.stack[...]; what belongs to no app is its own group).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from scripts.common import UserError
from scripts.review.model import OUTSIDE
from scripts.review.plan import environment_of
from scripts.review.resolve import UNRESOLVED, resolved
from scripts.review.view import PlanView

PRICES_AS_OF = "AWS list prices, us-east-1, as published in 2026; regions differ; free tiers not applied"
PRICES = {
    "secret_month": 0.40,
    "secrets_api_per_10k": 0.05,
    "ssm_advanced_month": 0.05,
    "ssm_api_per_10k": 0.05,  # advanced parameters and higher throughput; standard throughput is free
    "kms_key_month": 1.00,
    "kms_request_per_10k": 0.03,
    "lambda_request_per_1m": 0.20,
    "lambda_gb_second": {"x86_64": 0.0000166667, "arm64": 0.0000133334},
}
SECONDS_PER_MONTH = 30 * 24 * 3600
EXTENSION_LAYER = re.compile(r"parameters-(and-)?secrets-(lambda-)?extension", re.IGNORECASE)  # AWS's, or the sandbox's emulator
EXTENSION_TTL_DEFAULT = 300  # AWS's default for both TTLs
DEFAULT_USAGE = {
    "invocations_per_month": 1_000_000,
    "average_duration_ms": 50,
    "warm_environments": 2,
    "ssm_higher_throughput": False,
}
ITEMS = (
    "Secrets Manager secrets",
    "SSM advanced parameters",
    "KMS keys",
    "Secrets Manager API",
    "SSM API",
    "KMS requests",
    "Lambda requests",
    "Lambda duration",
)


def load_usage(path: Path | None) -> dict[str, Any]:
    """The usage file (TOML) over the defaults; a missing file means the defaults."""
    usage = dict(DEFAULT_USAGE)
    if path and path.is_file():
        try:
            loaded = tomllib.loads(path.read_text())
        except tomllib.TOMLDecodeError as exc:
            raise UserError(f"{path} is not valid TOML ({exc}); see terraform/envs/sandbox/usage.toml for the keys") from None
        unknown = sorted(set(loaded) - set(DEFAULT_USAGE))
        if unknown:
            raise UserError(
                f"{path}: unknown key(s) {', '.join(unknown)}; the keys are {', '.join(DEFAULT_USAGE)} "
                "(reads per invocation and TTLs now come from the plan)"
            )
        usage.update(loaded)
    return usage


Side = dict[str, list[tuple[str, dict[str, Any]]]]  # app -> (type, values) of its resources
PRICED_UNKNOWNS = ("layers", "environment", "memory_size", "architectures")  # what a function's price reads


def _sides(view: PlanView) -> tuple[Side, Side]:
    """Each app's resources before and after the change; the priced attributes resolved where Terraform shows them unknown."""
    before: Side = {}
    after: Side = {}
    for change in view.changes:
        values = change.change
        if values.get("before") is not None:
            before.setdefault(change.app, []).append((change.type, values["before"]))
        if values.get("after") is not None:
            planned = dict(values["after"])
            if change.type == "aws_lambda_function":
                for attribute in PRICED_UNKNOWNS:
                    if change.after_unknown.get(attribute) is True:
                        value = resolved(view, change, attribute)
                        if value is not UNRESOLVED:
                            planned[attribute] = value
            after.setdefault(change.app, []).append((change.type, planned))
    return before, after


def _calls(invocations: float, per_invocation: int, cached: bool, ttl: int, environments: int) -> float:
    uncached = invocations * per_invocation
    if not cached or ttl <= 0:
        return uncached
    return min(uncached, environments * per_invocation * SECONDS_PER_MONTH / ttl)


ROTATION_HANDLER = "rotation.handler"  # the kit's rotation function reads the manifest too, but runs once a rotation


def _names(value: Any) -> list[str]:
    return [n for n in str(value or "").split(",") if n] if isinstance(value, str) else []


def _manifests(resources: list[tuple[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Each app manifest in these resources, by parameter name (the stack writes it as a String parameter)."""
    import json

    found = {}
    for kind, values in resources:
        if kind == "aws_ssm_parameter" and str(values.get("name", "")).endswith("/manifest"):
            text = values.get("insecure_value") or values.get("value")
            try:
                manifest = json.loads(text) if isinstance(text, str) else None
            except ValueError:
                manifest = None
            if isinstance(manifest, dict) and "prefix" in manifest:
                found[str(values["name"])] = manifest
    return found


def reads(env: dict[str, Any], manifests: dict[str, dict[str, Any]]) -> tuple[list[str], list[str]]:
    """(secret names, parameter names) a function reads: from its manifest, else its APP_* variables."""
    manifest = manifests.get(str(env.get("SECRETS_CLIENT_MANIFEST", "")))
    if manifest is not None:
        prefix = manifest["prefix"]
        secrets = [f"{prefix}/{key}" for key in manifest.get("secrets", [])]
        keys = [*manifest.get("parameters", []), *manifest.get("secure_parameters", [])]
        return secrets, [f"{prefix}/{key}" for key in keys]
    return _names(env.get("APP_SECRET_IDS")), _names(env.get("APP_PARAMETER_NAMES"))


def side_cost(resources: list[tuple[str, dict[str, Any]]], usage: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Cost per item for one side (before or after): {item: {"usd": x, "detail": text}}."""
    items: dict[str, dict[str, Any]] = {item: {"usd": 0.0, "detail": []} for item in ITEMS}
    secrets_kms: dict[str, bool] = {}
    advanced: set[str] = set()
    parameters_kms: set[str] = set()
    for kind, values in resources:
        if kind == "aws_secretsmanager_secret":
            copies = 1 + len(values.get("replica") or [])
            items["Secrets Manager secrets"]["usd"] += PRICES["secret_month"] * copies
            secrets_kms[str(values.get("name"))] = bool(values.get("kms_key_id"))
        elif kind == "aws_ssm_parameter":
            if values.get("tier") == "Advanced":
                items["SSM advanced parameters"]["usd"] += PRICES["ssm_advanced_month"]
                advanced.add(str(values.get("name")))
            if values.get("type") == "SecureString" and values.get("key_id") not in (None, "", "alias/aws/ssm"):
                parameters_kms.add(str(values.get("name")))
        elif kind == "aws_kms_key":
            items["KMS keys"]["usd"] += PRICES["kms_key_month"]
    environments = max(1, int(usage["warm_environments"]))
    manifests = _manifests(resources)
    for kind, values in resources:
        if kind != "aws_lambda_function" or values.get("handler") == ROTATION_HANDLER:
            continue
        env = environment_of(values)
        secrets, parameters = reads(env, manifests)
        if not secrets and not parameters:
            continue  # not an app function (e.g. rotation): invoked rarely, left out
        invocations = float(usage["invocations_per_month"])
        has_layer = any(EXTENSION_LAYER.search(str(layer)) for layer in values.get("layers") or [])
        cache_on = (
            has_layer
            and str(env.get("PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED", "TRUE")).upper() != "FALSE"
            and str(env.get("PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE", "1000")) != "0"
        )
        ttl_s = int(env.get("SECRETS_MANAGER_TTL", EXTENSION_TTL_DEFAULT) or 0)
        ttl_p = int(env.get("SSM_PARAMETER_STORE_TTL", EXTENSION_TTL_DEFAULT) or 0)
        secret_calls = sum(_calls(invocations, 1, cache_on, ttl_s, environments) for _ in secrets)
        billed_parameters = [p for p in parameters if usage.get("ssm_higher_throughput") or p in advanced]
        parameter_calls = sum(_calls(invocations, 1, cache_on, ttl_p, environments) for _ in billed_parameters)
        kms_calls = sum(_calls(invocations, 1, cache_on, ttl_s, environments) for s in secrets if secrets_kms.get(s))
        kms_calls += sum(_calls(invocations, 1, cache_on, ttl_p, environments) for p in parameters if p in parameters_kms)
        cache = f"cache {'on' if cache_on else 'off'}, TTL {ttl_s} s" if has_layer else "no extension"
        items["Secrets Manager API"]["usd"] += secret_calls / 10_000 * PRICES["secrets_api_per_10k"]
        items["Secrets Manager API"]["detail"].append(f"{secret_calls:,.0f} calls ({len(secrets)} secret(s), {cache})")
        items["SSM API"]["usd"] += parameter_calls / 10_000 * PRICES["ssm_api_per_10k"]
        items["SSM API"]["detail"].append(
            f"{parameter_calls:,.0f} billed calls ({len(billed_parameters)} of {len(parameters)} parameters billed)"
        )
        items["KMS requests"]["usd"] += kms_calls / 10_000 * PRICES["kms_request_per_10k"]
        if kms_calls:
            items["KMS requests"]["detail"].append(f"{kms_calls:,.0f} decrypts (values under a customer key)")
        architecture = (values.get("architectures") or ["x86_64"])[0]
        memory = int(values.get("memory_size") or 128)
        gb_seconds = invocations * float(usage["average_duration_ms"]) / 1000 * memory / 1024
        items["Lambda requests"]["usd"] += invocations / 1_000_000 * PRICES["lambda_request_per_1m"]
        items["Lambda requests"]["detail"].append(f"{invocations:,.0f} invocations")
        items["Lambda duration"]["usd"] += gb_seconds * PRICES["lambda_gb_second"].get(
            architecture, PRICES["lambda_gb_second"]["x86_64"]
        )
        items["Lambda duration"]["detail"].append(f"{gb_seconds:,.0f} GB-s ({memory} MB, {architecture})")
    return {item: {"usd": round(v["usd"], 2), "detail": "; ".join(v["detail"])} for item, v in items.items()}


def _total(sides: list[dict[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {item: {"usd": 0.0, "detail": []} for item in ITEMS}
    for side in sides:
        for item, value in side.items():
            out[item]["usd"] += value["usd"]
            if value["detail"]:
                out[item]["detail"].append(value["detail"])
    return {item: {"usd": round(v["usd"], 2), "detail": "; ".join(v["detail"])} for item, v in out.items()}


def estimate(view: PlanView, usage: dict[str, Any]) -> dict[str, Any]:
    """Monthly cost before → after, per item and per app, and infracost's first line."""
    before_resources, after_resources = _sides(view)
    apps = sorted(set(before_resources) | set(after_resources), key=lambda a: (a == OUTSIDE, a))
    before_apps = {app: side_cost(before_resources.get(app, []), usage) for app in apps}
    after_apps = {app: side_cost(after_resources.get(app, []), usage) for app in apps}
    before, after = _total(list(before_apps.values())), _total(list(after_apps.values()))
    rows = [
        {"item": item, "before_usd": before[item]["usd"], "after_usd": after[item]["usd"], "detail": after[item]["detail"]}
        for item in ITEMS
        if before[item]["usd"] or after[item]["usd"] or after[item]["detail"]
    ]
    total_before = round(sum(v["usd"] for v in before.values()), 2)
    total_after = round(sum(v["usd"] for v in after.values()), 2)
    return {
        "before_usd": total_before,
        "after_usd": total_after,
        "headline": headline(total_before, total_after),
        "rows": rows,
        "usage": usage,
        "note": PRICES_AS_OF,
        "apps": {
            app: {
                "before_usd": round(sum(v["usd"] for v in before_apps[app].values()), 2),
                "after_usd": round(sum(v["usd"] for v in after_apps[app].values()), 2),
            }
            for app in apps
        },
    }


def headline(before: float, after: float) -> str:
    """infracost's shape: "monthly estimate $X → $Y, +Z%"."""
    delta = after - before
    if before:
        change = f"{delta / before * 100:+.0f}%"
    else:
        change = "new" if after else "+0%"
    return f"monthly estimate ${before:,.2f} → ${after:,.2f}, {change}"
