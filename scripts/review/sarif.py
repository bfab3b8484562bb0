"""The risks as SARIF 2.1.0, for GitHub code scanning (upload with github/codeql-action/upload-sarif).

Rules come from the registry (scripts/review/rules/): every built-in rule with its stable ID,
its title, its why and its default level, plus the team (Rego) and checkov rules that
found something. A rule's former IDs (derived from its title before IDs were declared) are
its `deprecatedIds`. Severities map to SARIF levels (high error, medium warning, low note)
and to GitHub's `security-severity` (8.0, 5.0, 2.0).

Each result points at the file and line that declare the resource (terraform/stack/...,
terraform/modules/...: scripts/review/sources.py), or at the tfvars entry behind it when
the resource is one instance of a map entry there (a secret's key, say); the other is a
related location. The address is the logical location.
"""

from __future__ import annotations

import json
import re
from typing import Any

from scripts.review.model import Review, Risk, Severity
from scripts.review.resolve import module_steps
from scripts.review.rules import registry
from scripts.review.sources import Sources

LEVEL = {Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "note"}
SECURITY_SEVERITY = {Severity.HIGH: "8.0", Severity.MEDIUM: "5.0", Severity.LOW: "2.0"}
SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_RESOURCE = re.compile(r'(?:^|\.)((?:data\.)?[a-z0-9_]+)\.([A-Za-z0-9_-]+)(?:\[("(?:[^"\\]|\\.)*"|\d+)\])?$')


def _rule(rule_id: str, title: str, why: str, severity: Severity, previous: tuple[str, ...] = ()) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": rule_id,
        "name": re.sub(r"[^A-Za-z0-9]+", " ", title).title().replace(" ", ""),
        "shortDescription": {"text": title},
        "fullDescription": {"text": why},
        "defaultConfiguration": {"level": LEVEL[severity]},
        "properties": {"security-severity": SECURITY_SEVERITY[severity], "tags": ["security", "terraform"]},
    }
    if previous:
        out["deprecatedIds"] = list(previous)
    return out


def locations(risk: Risk, sources: Sources | None) -> tuple[tuple[str, int] | None, tuple[str, int] | None]:
    """(primary, related) (file, line) of a risk: the tfvars entry behind it, or the declaration; None when not found."""
    if sources is None:
        return None, None
    address = risk.address
    if address.startswith("output."):
        return sources.declaration((), "output", (address[7:],)), None
    if address.startswith("var."):
        entry = sources.tfvars_entry([address[4:]])
        declared = sources.declaration((), "variable", (address[4:],))
        return (entry, declared) if entry else (declared, None)
    steps = module_steps(address)
    resource = _RESOURCE.search(address[len(_module_prefix(address)) :])
    if resource is None:
        return _root(sources), None
    kind, name, key = resource.group(1), resource.group(2), resource.group(3)
    names = tuple(n for n, _ in steps)
    if kind.startswith("data."):
        declared = sources.declaration(names, "data", (kind[5:], name))
    else:
        declared = sources.declaration(names, "resource", (kind, name))
    entry = sources.tfvars_entry(_entry_keys(steps, key))
    if entry and declared:
        return entry, declared
    return (entry or declared or _root(sources)), None


def _module_prefix(address: str) -> str:
    match = re.match(r'^(?:module\.[A-Za-z0-9_-]+(?:\[(?:"(?:[^"\\]|\\.)*"|\d+)\])?\.)*', address)
    return match.group(0) if match else ""


def _entry_keys(steps: list[tuple[str, Any]], key: str | None) -> list[str]:
    """The instance keys behind a resource when its own key, or its module's, is the last one (a map entry in tfvars)."""
    own = json.loads(key) if key else None
    if isinstance(own, str):
        return [str(k) for _, k in steps if isinstance(k, str)] + [own]
    if steps and isinstance(steps[-1][1], str):
        return [str(k) for _, k in steps if isinstance(k, str)]
    return []


def _root(sources: Sources) -> tuple[str, int] | None:
    main = sources.root / "main.tf"
    return (sources.relative(main), 1) if main.is_file() else None


def _physical(where: tuple[str, int]) -> dict[str, Any]:
    return {"artifactLocation": {"uri": where[0]}, "region": {"startLine": where[1]}}


def render_sarif(r: Review, sources: Sources | None) -> str:
    """SARIF with every built-in rule, the other rules that found something, and one result per risk."""
    rules = [_rule(x.id, x.title, x.why, x.severity, x.previous_ids) for x in registry()]
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    results = []
    for risk in r.risks:
        rule_id = risk.rule or f"{risk.source}:unnamed"
        if rule_id not in index:
            index[rule_id] = len(rules)
            rules.append(_rule(rule_id, risk.title, f"a {risk.source} finding", risk.severity))
        primary, related = locations(risk, sources)
        location: dict[str, Any] = {"logicalLocations": [{"fullyQualifiedName": risk.address, "kind": "resource"}]}
        if primary:
            location["physicalLocation"] = _physical(primary)
        result: dict[str, Any] = {
            "ruleId": rule_id,
            "ruleIndex": index[rule_id],
            "level": LEVEL[risk.severity],
            "message": {"text": f"{risk.address}: {risk.detail}"},
            "locations": [location],
            "partialFingerprints": {"planReview/v2": f"{r.env}:{risk.address}:{rule_id}"},
        }
        if related:
            result["relatedLocations"] = [{"id": 1, "physicalLocation": _physical(related)}]
        results.append(result)
    sarif = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "plan-review", "rules": rules}},
                "automationDetails": {"id": f"plan-review/{r.env}/"},
                "results": results,
            }
        ],
    }
    return r.mask(json.dumps(sarif, indent=2, ensure_ascii=False))
