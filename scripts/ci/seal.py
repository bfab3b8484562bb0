"""The reviewed plan's seal, and the check that applies it only while it is still what was reviewed.

A pull request's plan job saves the plan (make plan), then seals it: the plan file's
SHA-256 and a fingerprint of what it would do, in build/plans/<env>.seal.json, uploaded
with the plan. After the merge, the apply job downloads both, makes a fresh plan from the
merged commit and the current state, and `verify` compares:

- the downloaded plan's SHA-256 with the seal's (the file is the one that was reviewed);
- the fresh plan's fingerprint with the seal's (applying now would do what the review
  showed: same resources, same actions, same values before and after, same outputs).

Only then does the reviewed plan file replace the fresh one, for `make apply`. Terraform
checks once more as it applies: a saved plan whose state has changed since it was made
(another apply in between) is refused as stale ("Saved plan is stale").
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from scripts.common import ROOT, UserError
from scripts.review import PLAN_DIR

# The parts of a resource change that say what the apply would do (not Terraform's bookkeeping).
CHANGE_KEYS = ("actions", "before", "after", "after_unknown", "before_sensitive", "after_sensitive", "replace_paths")


def files(env: str, where: Path = PLAN_DIR) -> dict[str, Path]:
    return {"plan": where / f"{env}.tfplan", "json": where / f"{env}.tfplan.json", "seal": where / f"{env}.seal.json"}


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def changes(plan: dict[str, Any]) -> dict[str, str]:
    """A digest of each resource change (by address) and of the output changes: what applying would do."""
    found = {
        f"{c['address']}{'/deposed ' + c['deposed'] if c.get('deposed') else ''}": _digest(
            {key: c["change"].get(key) for key in CHANGE_KEYS}
        )
        for c in plan.get("resource_changes", [])
    }
    found["(outputs)"] = _digest(plan.get("output_changes", {}))
    return found


def fingerprint(plan: dict[str, Any]) -> str:
    """One SHA-256 over every change of the plan (changes())."""
    return _digest(changes(plan))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _commit() -> str:
    if os.environ.get("GITHUB_SHA"):
        return os.environ["GITHUB_SHA"]
    result = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False)
    return result.stdout.strip()


def seal(env: str, where: Path = PLAN_DIR) -> dict[str, Any]:
    """Write <env>.seal.json beside the saved plan and its JSON; return it."""
    paths = files(env, where)
    if not paths["plan"].is_file() or not paths["json"].is_file():
        raise UserError(f"no saved plan for ENV={env} in {where}: make plan ENV={env} first")
    plan = json.loads(paths["json"].read_text())
    record = {
        "env": env,
        "plan_sha256": _sha256(paths["plan"]),
        "changes_sha256": fingerprint(plan),
        "changes": changes(plan),
        "terraform_version": plan.get("terraform_version"),
        "commit": _commit(),
        "run": os.environ.get("GITHUB_RUN_ID", ""),
    }
    paths["seal"].write_text(json.dumps(record, indent=2) + "\n")
    return record


def verify(env: str, reviewed: Path, where: Path = PLAN_DIR) -> dict[str, Any]:
    """Refuse unless the reviewed plan is intact and a fresh plan would do the same; then put it in place for apply."""
    given, fresh = files(env, reviewed), files(env, where)
    if not given["seal"].is_file() or not given["plan"].is_file():
        raise UserError(f"no reviewed plan for ENV={env} in {reviewed} (the plan job's artifact): nothing is applied")
    record = json.loads(given["seal"].read_text())
    if record.get("env") != env or _sha256(given["plan"]) != record.get("plan_sha256"):
        raise UserError(f"the plan in {reviewed} is not the one its seal describes (ENV={env}): nothing is applied")
    if not fresh["json"].is_file():
        raise UserError(f"no fresh plan of ENV={env} to compare with: make plan ENV={env} first")
    now = changes(json.loads(fresh["json"].read_text()))
    if _digest(now) != record["changes_sha256"]:
        then = record.get("changes", {})
        differ = sorted(a for a in set(then) | set(now) if then.get(a) != now.get(a))
        shown = ", ".join(differ[:5]) + (f" and {len(differ) - 5} more" if len(differ) > 5 else "")
        raise UserError(
            f"the reviewed plan of ENV={env} is stale: planned now, {len(differ)} change(s) differ from the review "
            f"({shown}); nothing is applied. Plan again and review it (docs/ci.md, 'A stale plan')"
        )
    shutil.copyfile(given["plan"], fresh["plan"])
    return record
