"""The risks as SARIF 2.1.0, for GitHub code scanning (upload with github/codeql-action/upload-sarif).

Each risk is a result at the Terraform root it was planned from (code scanning needs a
file location; the plan does not say which line declares a resource), with the resource
address as a logical location. Severities map to SARIF levels: high error, medium warning,
low note.
"""

from __future__ import annotations

import json
import re

from scripts.review.model import Review

LEVEL = {"high": "error", "medium": "warning", "low": "note"}
SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _rule_id(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def render_sarif(r: Review, root_file: str) -> str:
    """SARIF with one rule per risk title and one result per risk; `root_file` is the root's main.tf (repository-relative)."""
    rules = {}
    results = []
    for risk in r.risks:
        rule = _rule_id(risk.title)
        rules.setdefault(rule, {"id": rule, "name": risk.title, "shortDescription": {"text": risk.title}})
        results.append(
            {
                "ruleId": rule,
                "level": LEVEL[risk.severity],
                "message": {"text": f"{risk.address}: {risk.detail}"},
                "locations": [
                    {
                        "physicalLocation": {"artifactLocation": {"uri": root_file}, "region": {"startLine": 1}},
                        "logicalLocations": [{"fullyQualifiedName": risk.address, "kind": "resource"}],
                    }
                ],
                "partialFingerprints": {"planReview/v1": f"{r.env}:{risk.address}:{rule}"},
            }
        )
    sarif = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "plan-review", "rules": list(rules.values())}},
                "automationDetails": {"id": f"plan-review/{r.env}/"},
                "results": results,
            }
        ],
    }
    return r.mask(json.dumps(sarif, indent=2, ensure_ascii=False))
