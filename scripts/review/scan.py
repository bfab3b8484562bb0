"""checkov's failed checks as risks: mapped severity (overridable), introduced by this change or already there.

checkov reports no severity offline, so each check ID maps to one here; anything not listed
is low. A failure on a resource this plan creates or replaces is *introduced by this
change*; on a resource it leaves alone, *already there*; on a resource it updates, *on a
changed resource* (checkov scans the planned values only, so it cannot tell which).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scripts import checkov
from scripts.common import UserError
from scripts.review.model import SEVERITIES, Risk
from scripts.review.plan import managed_changes

SEVERITY = {
    "CKV_AWS_45": "high",  # secrets in Lambda environment
    "CKV_AWS_62": "high",  # IAM "*:*"
    "CKV_AWS_63": "high",  # IAM "*" action
    "CKV_AWS_286": "high",  # privilege escalation
    "CKV_AWS_287": "high",  # credentials exposure
    "CKV_AWS_288": "high",  # data exfiltration
    "CKV_AWS_289": "high",  # permissions management
    "CKV_AWS_290": "medium",  # write without constraints
    "CKV_AWS_355": "medium",  # "*" resource for restrictable actions
    "CKV_AWS_60": "high",  # role assumable by all services
    "CKV_AWS_61": "high",  # role assumable across accounts
    "CKV2_AWS_34": "medium",  # SSM parameter not encrypted
    "CKV_AWS_149": "low",
    "CKV_AWS_337": "low",
    "CKV2_AWS_57": "low",
    "CKV_AWS_304": "low",
    "CKV_AWS_7": "medium",  # KMS rotation
    "CKV_AWS_33": "high",  # KMS key policy with "*" principal
    "CKV_AWS_227": "low",
    "CKV_AWS_363": "medium",  # deprecated runtime
}


def scan_plan(path: Path, repo_root: Path) -> dict[str, Any]:
    """checkov over the plan JSON (its own environment); failed and skipped checks with IDs."""
    return checkov.report(["-f", str(path), "--framework", "terraform_plan", "--repo-root-for-plan-enrichment", str(repo_root)])


def parse_overrides(pairs: list[str]) -> dict[str, str]:
    """ID=LEVEL pairs (from --checkov-severity) as a dict."""
    found = {}
    for pair in pairs:
        check, _, level = pair.partition("=")
        if not check or level not in SEVERITIES:
            raise UserError(f"--checkov-severity {pair!r}: write CHECK_ID=high|medium|low, e.g. CKV_AWS_338=low")
        found[check] = level
    return found


def scan_risks(plan: dict[str, Any], scan: dict[str, Any], overrides: dict[str, str] | None = None) -> list[Risk]:
    """Each failed check as a risk, its origin in the title."""
    actions = {rc["address"]: rc["change"]["actions"] for rc in managed_changes(plan)}
    severity = {**SEVERITY, **(overrides or {})}
    risks = []
    for failed in scan.get("failed", []):
        done = actions.get(failed["resource"], ["no-op"])
        if "create" in done:
            origin = "introduced by this change"
        elif done == ["update"]:
            origin = "on a changed resource"
        else:
            origin = "already there"
        failed["origin"] = origin
        risks.append(
            Risk(
                severity.get(failed["id"], "low"),
                failed["resource"],
                f"checkov {failed['id']} ({origin})",
                failed.get("name") or "failed check",
                source="checkov",
            )
        )
    return risks
