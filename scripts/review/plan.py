"""Reading a plan's JSON (`terraform show -json`): checks, walks and small helpers."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from scripts.common import UserError


def load_plan(path: Path) -> dict[str, Any]:
    """The plan JSON, checked: readable, a known format, not errored."""
    try:
        plan = json.loads(path.read_text())
    except FileNotFoundError:
        raise UserError(f"no plan JSON at {path}; make one with: make plan") from None
    except ValueError as exc:
        raise UserError(f"{path} is not valid JSON ({exc}); re-create it with: make plan") from None
    if not isinstance(plan, dict):
        raise UserError(f"{path} is not a plan's JSON (not an object); re-create it with: make plan")
    version = str(plan.get("format_version", ""))
    if not version.startswith("1."):
        raise UserError(
            f"plan JSON format {version or '?'} (Terraform {plan.get('terraform_version', '?')}) is not supported: "
            "this review reads format 1.x; re-create the plan with make plan"
        )
    if plan.get("errored"):
        raise UserError("the plan errored: Terraform could not finish planning; fix the errors shown by make plan and plan again")
    return plan


def check_fresh(plan_json: Path, sources: Iterable[Path], state: Path | None) -> None:
    """Refuse a plan older than any source file or the state: it no longer says what apply would do."""
    made = plan_json.stat().st_mtime
    newer = [p for p in _files(sources) if p.stat().st_mtime > made]
    if state is not None and state.is_file() and state.stat().st_mtime > made:
        newer.insert(0, state)
    if newer:
        raise UserError(
            f"the plan {plan_json.name} is older than {newer[0]} ({len(newer)} newer file(s)): "
            "it may not be what apply would do; plan again with: make plan"
        )


def _files(sources: Iterable[Path]) -> list[Path]:
    found = []
    for source in sources:
        if source.is_file():
            found.append(source)
        elif source.is_dir():
            found += [p for p in source.rglob("*") if p.is_file() and ".terraform" not in p.parts and p.suffix != ".pyc"]
    return found


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def leaves(value: Any, prefix: str = "") -> dict[str, Any]:
    """Flatten nested values to {"a.b[0].c": leaf}; empty containers are leaves."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(leaves(item, f"{prefix}.{key}" if prefix else str(key)))
        return out if value else {prefix: {}}
    if isinstance(value, list):
        out = {}
        for index, item in enumerate(value):
            out.update(leaves(item, f"{prefix}[{index}]"))
        return out if value else {prefix: []}
    return {prefix: value}


def path_text(path: list[Any]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p)) for i, p in enumerate(path))


def managed_changes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """resource_changes of managed resources (data sources left out)."""
    return [rc for rc in plan.get("resource_changes", []) if rc.get("mode", "managed") == "managed"]


def environment_of(values: dict[str, Any] | None) -> dict[str, Any]:
    """A Lambda function's environment variables from its planned or prior values."""
    environment = (values or {}).get("environment") or [{}]
    first = environment[0] if isinstance(environment, list) and environment else {}
    return (first or {}).get("variables") or {}


def account_of(plan: dict[str, Any]) -> str | None:
    """The account this root deploys into: the most common account in the plan's ARNs."""
    counts: dict[str, int] = {}
    for match in re.finditer(r"arn:aws[\w-]*:[\w-]+:[\w-]*:(\d{12}):", json.dumps(plan.get("prior_state") or plan)):
        counts[match.group(1)] = counts.get(match.group(1), 0) + 1
    return max(counts, key=lambda k: counts[k]) if counts else None


def region_of(plan: dict[str, Any], values: dict[str, Any]) -> str | None:
    arn = values.get("arn")
    if isinstance(arn, str) and arn.startswith("arn:"):
        return arn.split(":")[3]
    region = (plan.get("variables", {}).get("region") or {}).get("value")
    if region:
        return region
    provider = plan.get("configuration", {}).get("provider_config", {}).get("aws", {})
    return provider.get("expressions", {}).get("region", {}).get("constant_value")


def configured_attributes(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The arguments each resource sets in the configuration (their expressions), by address without instance keys."""
    found: dict[str, dict[str, Any]] = {}

    def walk(module: dict[str, Any], prefix: str) -> None:
        for resource in module.get("resources", []):
            found[prefix + resource["address"]] = resource.get("expressions", {})
        for name, call in module.get("module_calls", {}).items():
            walk(call.get("module", {}), f"{prefix}module.{name}.")

    walk(plan.get("configuration", {}).get("root_module", {}), "")
    return found


def config_address(rc: dict[str, Any]) -> str:
    """A resource change's address in the configuration (instance keys dropped)."""
    module = re.sub(r"\[[^\]]*\]", "", rc.get("module_address") or "")
    return f"{module + '.' if module else ''}{rc['type']}.{rc['name']}"
