"""The Terraform side of a deployment: plan (saved and reviewed), apply the saved plan, destroy.

The saved plan is build/plans/<env>.tfplan with its JSON beside it; both hold sensitive
values in clear, so the commands run with umask 077 (scripts.common.run_main) and the
files are 0600 from creation. A saved plan is good for one apply: apply removes it and
its JSON, applied or not. A plan that fails leaves no plan, JSON or review behind.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from scripts import checkov, plan_review
from scripts.common import BUILD, ROOT, UserError, colour, first_error, say, step
from scripts.flows import values
from scripts.targets import Target

PLAN_DIR = BUILD / "plans"


def plan_files(env: str) -> dict[str, Path]:
    """The files a plan of `env` leaves: the plan, its JSON, the reviews."""
    return {
        "plan": PLAN_DIR / f"{env}.tfplan",
        "json": PLAN_DIR / f"{env}.tfplan.json",
        "review_md": PLAN_DIR / f"{env}.review.md",
        "review_json": PLAN_DIR / f"{env}.review.json",
    }


def _discard(env: str, *kinds: str) -> None:
    files = plan_files(env)
    for kind in kinds or tuple(files):
        files[kind].unlink(missing_ok=True)


def _progress(line: str) -> bool:
    """Apply and destroy lines worth showing as they come."""
    words = ("Creating...", "complete after", "Modifying...", "Destroying...", "Still ", "Apply complete", "Destroy complete")
    return any(word in line for word in (*words, "Error"))


def plan(target: Target, name: str | None = None, scan: bool | None = None) -> Any:
    """Plan and save it with its JSON; write and print the review; return it (a plan_review.Review).

    name: the files' name under build/plans/ (default: the environment's).
    scan: run checkov over the plan (default: when the plan changes a resource; a plan that
    changes nothing cannot bring a new finding).
    """
    step(f"terraform plan (ENV={target.env})")
    checkov.install_in_background()  # a fresh clone: its environment builds while Terraform runs
    workspace = target.workspace()
    workspace.init()
    PLAN_DIR.mkdir(parents=True, exist_ok=True)
    name = name or target.env
    files = plan_files(name)
    _discard(name)  # a failed plan must not leave an older plan or review to be trusted
    try:
        error = workspace.plan(files["plan"])
        if error:
            raise UserError(f"plan for ENV={target.env} failed: {error}; fix it in {target.config_hint}, then plan again")
        shown = workspace.show_json(files["plan"])
        files["json"].write_text(shown)
        if scan is None:
            actions = [set(c["change"]["actions"]) for c in json.loads(shown).get("resource_changes", [])]
            scan = any(a - {"no-op", "read"} for a in actions)
        result = plan_review.write_review(
            files["json"], target.env, usage_file=target.usage_file, scan=scan, repo_root=workspace.root.parent.parent
        )
    except BaseException:
        _discard(name)
        raise
    print(plan_review.render_terminal(result, colour=colour(sys.stdout)))
    if not scan:
        print("checkov: skipped (the plan changes no resource)")
    say(f"saved: {files['plan'].relative_to(ROOT)} and its JSON; review: {files['review_md'].relative_to(ROOT)} (.json)")
    return result


class Orphaned(UserError):
    """Resources exist that the state does not record (left by an interrupted apply)."""

    def __init__(self, message: str, found: list[tuple[str, str]]) -> None:
        super().__init__(message)
        self.found = found  # (address, import id)


# How each resource type is named for `terraform import`, from its planned values. Types whose
# id is an ARN are looked up by name in the target (`arn_of`).
IMPORT_IDS = {
    "aws_lambda_function": lambda v: v["function_name"],
    "aws_iam_role": lambda v: v["name"],
    "aws_iam_role_policy": lambda v: f"{v['role']}:{v['name']}",
    "aws_cloudwatch_log_group": lambda v: v["name"],
    "aws_ssm_parameter": lambda v: v["name"],
    "aws_lambda_permission": lambda v: f"{v['function_name']}/{v['statement_id']}",
}
EXISTS = ("already exist", "AlreadyExists", "ResourceExistsException", "ResourceConflictException")


def orphans(output: str, plan: dict[str, Any], arn_of: Any) -> list[tuple[str, str]]:
    """(address, import id) of each resource an apply could not create because it already exists."""
    planned = {c["address"]: (c["type"], c["change"].get("after") or {}) for c in plan.get("resource_changes", [])}
    region = plan.get("variables", {}).get("region", {}).get("value")
    found = []
    lines = [line.strip("│╷╵ \t") for line in output.splitlines()]
    starts = [i for i, line in enumerate(lines) if line.startswith("Error:")]
    for start, end in zip(starts, [*starts[1:], len(lines)]):
        error = lines[start]
        address = next((line[5:].rstrip(",") for line in lines[start:end] if line.startswith("with ")), "")
        if address in planned and any(word in error for word in EXISTS):
            kind, values = planned[address]
            if kind in IMPORT_IDS:
                found.append((address, IMPORT_IDS[kind](values)))
            elif (arn := arn_of(kind, {"region": region, **values})) is not None:
                found.append((address, arn))
    return found


def adopt(target: Target, found: list[tuple[str, str]]) -> None:
    """Import what an interrupted apply left behind, so the next apply converges."""
    workspace = target.workspace()
    for address, identifier in found:
        workspace.run("import", "-input=false", "-no-color", *workspace.plan_args, address, identifier, capture=True)
        say(f"adopted {address} ({identifier}): it existed but the state did not record it")


def apply(target: Target) -> None:
    """Apply the saved plan, nothing else."""
    files = plan_files(target.env)
    if not files["plan"].is_file():
        raise UserError(
            f"no saved plan for ENV={target.env} ({files['plan'].relative_to(ROOT)}); make one first: make plan ENV={target.env}"
        )
    target.confirm("apply")
    step(f"terraform apply of the saved plan (ENV={target.env})")
    workspace = target.workspace()
    plan = json.loads(files["json"].read_text()) if files["json"].is_file() else {}
    result = workspace.run("apply", "-input=false", "-no-color", str(files["plan"]), show=_progress, check=False, echo=False)
    _discard(target.env, "plan", "json")  # applied or not, a saved plan is good for one apply only
    if result.returncode != 0:
        found = orphans(result.stdout, plan, target.arn_of)
        if found:
            commands = "; ".join(
                f"terraform -chdir={workspace.root.relative_to(ROOT)} import {' '.join(workspace.plan_args)} '{a}' '{i}'".replace(
                    "  ", " "
                )
                for a, i in found
            )
            raise Orphaned(
                f"apply for ENV={target.env} stopped: {len(found)} resource(s) exist that the state does not record "
                f"(an earlier apply was interrupted); adopt them with: {commands}; then make deploy ENV={target.env}",
                found,
            )
        cause = first_error(result.stdout) if result.returncode > 0 else f"terraform was stopped by signal {-result.returncode}"
        if "complete after" not in result.stdout:
            raise UserError(
                f"apply for ENV={target.env} failed before changing anything ({cause}); "
                f"fix the cause, then make deploy ENV={target.env}"
            )
        raise UserError(
            f"apply for ENV={target.env} failed part-way ({cause}); what was changed is recorded "
            f"in the state: fix the cause and run make deploy ENV={target.env} again, or make destroy ENV={target.env}"
        )


def stack(target: Target) -> dict[str, Any]:
    """The deployed stack's outputs (names, ARNs), or a UserError if nothing is deployed."""
    outputs = target.workspace().output("stack")
    if outputs is None:
        raise UserError(
            f"nothing is deployed for ENV={target.env} (no stack output in the state); run: make deploy ENV={target.env}"
        )
    return outputs


def destroy(target: Target) -> None:
    """Destroy everything Terraform made, and the SecureStrings made out-of-band for it."""
    step(f"terraform destroy (ENV={target.env})")
    target.confirm("destroy")
    workspace = target.workspace()
    workspace.init()
    deployed = workspace.output("stack") or {}
    workspace.run("destroy", "-input=false", "-no-color", "-auto-approve", *workspace.plan_args, show=_progress, echo=False)
    names = list(deployed.get("secure_parameter_names", {}).values())
    if names:
        values.delete_parameters(target, deployed["region"], names)
    _discard(target.env)
    say(f"destroyed ENV={target.env}")
