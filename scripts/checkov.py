"""checkov, the policy scanner, run from its own virtual environment (.venv-checkov).

checkov's pins clash with a current boto3, so it gets an environment of its own, made
once (pinned) the first time a scan runs. `report()` returns passed, failed and skipped
checks (skips with the reason written inline as `#checkov:skip=ID:reason`).
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from scripts.common import ROOT, UserError, run, run_main, say

CHECKOV_VERSION = "3.3.30"
CHECKOV_VENV = ROOT / ".venv-checkov"
CHECKOV = CHECKOV_VENV / "bin" / "checkov"


STAMP = CHECKOV_VENV / f".checkov-{CHECKOV_VERSION}"
LOCK = ROOT / ".venv-checkov.lock"  # one install at a time, across threads and commands


def ensure_checkov() -> Path:
    """checkov in its own virtual environment, installed once (pinned); waits for an install under way."""
    if STAMP.exists():
        return CHECKOV
    with LOCK.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not STAMP.exists():
            say(f"installing checkov {CHECKOV_VERSION} into {CHECKOV_VENV.name} (once; about 30 s)")
            run([sys.executable, "-m", "venv", "--clear", str(CHECKOV_VENV)], capture=True, echo=False)
            run(
                [
                    CHECKOV_VENV / "bin" / "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    f"checkov=={CHECKOV_VERSION}",
                ],
                capture=True,
                echo=False,
            )
            STAMP.touch()
    return CHECKOV


def install_in_background() -> threading.Thread | None:
    """Start installing checkov beside other work (a fresh clone's first plan); None when it is there already."""
    if STAMP.exists():
        return None
    thread = threading.Thread(target=ensure_checkov, daemon=True)
    thread.start()
    return thread


def _scanned_files(args: list[str]) -> list[Path]:
    """The files a checkov command line names with -f/--file."""
    return [Path(args[i + 1]) for i, arg in enumerate(args[:-1]) if arg in ("-f", "--file")]


def _planned_resources(path: Path) -> int | None:
    """How many resources a plan's JSON plans (root module and children), or None if it is no plan JSON."""
    try:
        plan = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(plan, dict) or "planned_values" not in plan and "resource_changes" not in plan:
        return None
    count, modules = 0, [(plan.get("planned_values") or {}).get("root_module")]
    while modules:
        module = modules.pop()
        if isinstance(module, dict):
            count += len(module.get("resources") or [])
            modules.extend(module.get("child_modules") or [])
    return count


def _check_inputs(files: list[Path]) -> None:
    """A file to scan that is missing, empty or not a plan's JSON is an error, never a clean scan of nothing."""
    for path in files:
        if not path.is_file():
            raise UserError(f"checkov was asked to scan {path}, which does not exist; make the plan again: make plan")
        if path.stat().st_size == 0 or not path.read_text(errors="replace").strip():
            raise UserError(f"checkov was asked to scan {path}, which is empty; make the plan again: make plan")
        if _planned_resources(path) is None:
            raise UserError(
                f"checkov was asked to scan {path}, which is not a Terraform plan's JSON; make the plan again: make plan"
            )


def report(args: list[str]) -> dict[str, Any]:
    """Run checkov; passed count, failed checks and skipped checks (with their reasons).

    A scan that covered nothing it was given is an error, never "0 passed, 0 failed": a -f file
    that is missing, empty or no plan JSON (before checkov runs), and checkov's own parsing
    errors, or no resource scanned from a plan that has some (the file changed under it)."""
    files = _scanned_files(args)
    _check_inputs(files)
    result = subprocess.run(
        [str(ensure_checkov()), *args, "--skip-download", "-o", "json"],
        capture_output=True,
        text=True,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE"},
    )
    try:
        reports = json.loads(result.stdout)
    except ValueError:
        tail = (result.stderr.strip().splitlines() or [result.stdout[:200]])[-1]
        raise UserError(f"checkov did not run ({tail}); reinstall it with: rm -rf {CHECKOV_VENV.name} && make lint") from None
    reports = reports if isinstance(reports, list) else [reports]
    parsing_errors = [str(e) for r in reports for e in r.get("results", {}).get("parsing_errors", [])]
    if parsing_errors:
        raise UserError(f"checkov could not read {', '.join(parsing_errors)}; make the plan again: make plan")
    scanned = sum(r.get("summary", r).get("resource_count", 0) for r in reports)
    planned = sum(_planned_resources(path) or 0 for path in files)
    if files and planned and not scanned:
        raise UserError(
            f"checkov scanned no resource of {', '.join(map(str, files))}, which plans {planned}; "
            "was the plan replaced during the scan? make the plan again: make plan"
        )
    results = [r.get("results", {}) for r in reports]
    return {
        "passed": sum(r.get("summary", {}).get("passed", 0) for r in reports),
        "failed": [
            {"id": c["check_id"], "name": c.get("check_name", ""), "resource": c["resource"]}
            for r in results
            for c in r.get("failed_checks", [])
        ],
        "skipped": [
            {"id": c["check_id"], "resource": c["resource"], "reason": c.get("suppress_comment") or _skip_reason(args, c)}
            for r in results
            for c in r.get("skipped_checks", [])
        ],
    }


def _skip_reason(args: list[str], check: dict[str, Any]) -> str:
    """The reason of an inline #checkov:skip, read from the source (checkov leaves it out of plan reports)."""
    root = Path(args[args.index("--repo-root-for-plan-enrichment") + 1]) if "--repo-root-for-plan-enrichment" in args else None
    path = (root / check.get("file_path", "").lstrip("/")) if root else Path(check.get("file_abs_path", ""))
    try:
        first, last = check.get("file_line_range") or [1, 1]
        lines = path.read_text().splitlines()[first - 1 : last]
    except (OSError, ValueError):
        return ""
    marker = f"checkov:skip={check['check_id']}:"
    return next((line.split(marker, 1)[1].strip() for line in lines if marker in line), "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["install"], help="install: make .venv-checkov now (make setup runs it)")
    parser.parse_args()
    ensure_checkov()
    return 0


if __name__ == "__main__":
    run_main(main)
