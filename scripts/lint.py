"""Static checks of the Terraform code: formatting, validation, and checkov's policy scan.

    python -m scripts.lint            (make lint runs it after ruff)

1. `terraform fmt -check` over terraform/.
2. `terraform validate` of every module, the stack and the sandbox root, as bridged for the
   offline provider (scripts/sandbox/bridge.py).
3. init, validate and plan of the real-AWS root (per environment), the modules, the stack
   and the examples against the hashicorp/aws 6.69.1 schema (scripts/schema_check), and the
   plan review of the dev plan.
4. checkov over the HCL (terraform/) and over a plan of the sandbox, saved as
   build/plans/lint-sandbox.tfplan (0600; the user's own sandbox plan is left alone).
   checkov runs from its own virtual environment (.venv-checkov): its pins clash with a
   current boto3. A finding passes only with an inline `#checkov:skip=ID:reason`.
5. The GitHub Actions workflows (.github/workflows/), offline: actionlint (syntax,
   expressions, contexts, action inputs; shellcheck on run: scripts) and `zizmor --offline` (injection,
   permissions, credentials, pinning). Checked, never run (docs/ci.md).
Every step runs; the exit status is 1 if any failed.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

from scripts import checkov as checkov_scan
from scripts import docs_check, toolchain
from scripts.common import ROOT, SANDBOX_DIR, UserError, run, run_main, step
from scripts.flows import deploy
from scripts.sandbox import bridge, server
from scripts.schema_check import CAVEAT
from scripts.schema_check import check as schema_check
from scripts.targets import SandboxTarget
from scripts.terraform import terraform_env


def checkov(args: list[str]) -> tuple[bool, str]:
    """Run checkov; (no failed check, summary line)."""
    report = checkov_scan.report(args)
    failed = report["failed"]
    detail = f"{report['passed']} passed, {len(failed)} failed, {len(report['skipped'])} skipped with a reason"
    if failed:
        detail += ": " + ", ".join(f"{c['id']} on {c['resource']}" for c in failed[:8])
    return not failed, detail


def validate_bridged(endpoint: str) -> list[tuple[str, bool, str]]:
    """terraform validate in each bridged directory."""
    bridge.prepare(endpoint, quiet=True)
    terraform = toolchain.load().terraform
    results = []
    directories = sorted(p.parent for p in bridge.TARGET.glob("modules/*/versions.tf")) + [
        bridge.TARGET / "stack",
        bridge.ROOT_DIR,
    ]
    for directory in directories:
        name = str(directory.relative_to(bridge.TARGET))
        env = terraform_env(toolchain.CLI_CONFIG, SANDBOX_DIR / "tf-data-lint" / name.replace("/", "-"))
        init = run(
            [terraform, f"-chdir={directory}", "init", "-backend=false", "-input=false", "-no-color"],
            env=env,
            capture=True,
            check=False,
            echo=False,
        )
        check = (
            init
            if init.returncode
            else run([terraform, f"-chdir={directory}", "validate", "-no-color"], env=env, capture=True, check=False, echo=False)
        )
        text = (check.stdout + check.stderr).strip().splitlines()
        results.append((f"terraform validate {name}", check.returncode == 0, text[-1] if text else ""))
    return results


def scan_sandbox_plan() -> tuple[bool, str]:
    """checkov over a fresh plan of the sandbox (the plan review runs it), saved apart from the user's plan."""
    scan = deploy.plan(SandboxTarget(), name="lint-sandbox", scan=True).scan
    detail = f"{scan['passed']} passed, {len(scan['failed'])} failed, {len(scan['skipped'])} skipped with a reason"
    if scan["failed"]:
        detail += ": " + ", ".join(f"{c['id']} on {c['resource']}" for c in scan["failed"][:8])
    return not scan["failed"], detail


WORKFLOWS = ROOT / ".github" / "workflows"


def workflow_checks(workflows: Path = WORKFLOWS) -> list[tuple[str, bool, str]]:
    """actionlint (with shellcheck over the run: scripts) and zizmor --offline over the workflows (pinned wheels)."""
    files = sorted(str(p.relative_to(workflows.parent.parent)) for p in workflows.glob("*.y*ml"))
    tools = Path(sys.executable).parent
    rows = []
    for name, argv in (
        ("actionlint", [str(tools / "actionlint"), "-no-color", f"-shellcheck={tools / 'shellcheck'}", *files]),
        ("zizmor --offline", [str(tools / "zizmor"), "--offline", "--no-progress", "--format", "plain", *files]),
    ):
        result = subprocess.run(argv, cwd=workflows.parent.parent, capture_output=True, text=True, stdin=subprocess.DEVNULL)
        lines = [line.strip() for line in (result.stdout + result.stderr).splitlines() if line.strip()]
        problems = [line for line in lines if re.match(r"\.github/\S+:\d+:\d+: |(error|warning|help|info)\[", line)]
        detail = f"{len(files)} workflow(s): no findings" if result.returncode == 0 else "; ".join((problems or lines)[:3])
        rows.append((f"{name} .github/workflows", result.returncode == 0, detail))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.parse_args()
    endpoint = server.require_up()
    step("Terraform lint: fmt, validate, checkov")
    env = terraform_env(Path(os.devnull))
    fmt = subprocess.run(
        [toolchain.load().terraform, "fmt", "-check", "-recursive", str(ROOT / "terraform")],
        capture_output=True,
        text=True,
        env=env,
    )
    rows = [("terraform fmt -check", fmt.returncode == 0, fmt.stdout.strip().replace("\n", ", ") or "formatted")]
    rows += validate_bridged(endpoint)
    rows += schema_check.check_all()
    found = docs_check.problems()
    rows.append(("README and docs/", not found, "; ".join(found[:3]) or "short, links resolve, code fits 100 columns"))
    rows += workflow_checks()
    ok, detail = checkov(["-d", str(ROOT / "terraform"), "--framework", "terraform"])
    rows.append(("checkov terraform/ (HCL)", ok, detail))
    ok, detail = scan_sandbox_plan()
    rows.append(("checkov sandbox plan", ok, detail))
    width = max(len(name) for name, _, _ in rows)
    print()
    for name, ok, detail in rows:
        print(f"  {'PASS' if ok else 'FAIL'}  {name:<{width}}  {detail}")
    failed = sum(not ok for _, ok, _ in rows)
    print(textwrap.fill(f"\n  The 6.69.1 schema rows are {CAVEAT}.", width=98, subsequent_indent="  "))
    print(f"\nlint: {len(rows) - failed} of {len(rows)} checks passed")
    if failed:
        raise UserError(f"{failed} lint check(s) failed (details above); fix them or add an inline #checkov:skip=ID:reason")
    return 0


if __name__ == "__main__":
    run_main(main)
