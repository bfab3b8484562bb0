"""The Terraform side of a deployment: plan (saved and reviewed), apply the saved plan, destroy.

The saved plan is build/plans/<env>.tfplan with its JSON beside it; both hold sensitive
values in clear, so the commands run with umask 077 (scripts.common.run_main) and the
files are 0600 from creation. A saved plan is good for one apply: apply removes it and
its JSON, applied or not. A plan that fails leaves no plan, JSON or review behind.
"""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from typing import Any

from scripts import checkov, review
from scripts.common import ROOT, UserError, colour, first_error, say, step
from scripts.flows import values
from scripts.targets import Target


def plan_files(name: str) -> dict[str, Path]:
    """The saved plan and its JSON (review.PLAN_DIR also holds the reviews beside them)."""
    return {"plan": review.PLAN_DIR / f"{name}.tfplan", "json": review.PLAN_DIR / f"{name}.tfplan.json"}


def fails(result: Any, fail_on: str) -> bool:
    """True when the review holds a risk at least as severe as `fail_on` (each one is named on stderr)."""
    tripped = review.tripped(result, fail_on)
    for risk in tripped:
        say(f"FAIL_ON={fail_on}: {risk.severity} {risk.title} ({risk.address})")
    return bool(tripped)


def _progress(line: str) -> bool:
    """Apply and destroy lines worth showing as they come."""
    words = ("Creating...", "complete after", "Modifying...", "Destroying...", "Still ", "Apply complete", "Destroy complete")
    return any(word in line for word in (*words, "Error"))


def plan(target: Target, name: str | None = None, scan: bool | None = None) -> Any:
    """Plan and save it with its JSON; write and print the review; return it (a review.Review).

    name: the files' name under build/plans/ (default: the environment's).
    scan: run checkov over the plan (default: when the plan changes a resource; a plan that
    changes nothing cannot bring a new finding).
    """
    step(f"terraform plan (ENV={target.env})")
    checkov.install_in_background()  # a fresh clone: its environment builds while Terraform runs
    workspace = target.workspace()
    workspace.init()
    review.PLAN_DIR.mkdir(parents=True, exist_ok=True)
    name = name or target.env
    files = plan_files(name)
    review.discard_outputs(name)  # a failed plan must not leave an older plan or review to be trusted
    try:
        error = workspace.plan(files["plan"])
        if error:
            raise UserError(f"plan for ENV={target.env} failed: {error}; fix it in {target.config_hint}, then plan again")
        shown = workspace.show_json(files["plan"])
        review.write_private(files["json"], shown)
        if scan is None:
            actions = [set(c["change"]["actions"]) for c in json.loads(shown).get("resource_changes", [])]
            scan = any(a - {"no-op", "read"} for a in actions)
        result = review.write_review(
            files["json"], target.env, usage_file=target.usage_file, scan=scan, repo_root=workspace.root.parent.parent
        )
    except BaseException:
        review.discard_outputs(name)
        raise
    print(review.render_terminal(result, colour=colour(sys.stdout)))
    if not scan:
        print("checkov: skipped (the plan changes no resource)")
    say(f"saved: {files['plan'].relative_to(ROOT)} and its JSON; review: {review.PLAN_DIR.relative_to(ROOT)}/{name}.review.md")
    return result


class Orphaned(UserError):
    """Resources exist that the state does not record (left by an interrupted apply)."""

    def __init__(self, message: str, found: list[tuple[str, str]]) -> None:
        super().__init__(message)
        self.found = found  # (address, import id)


def orphans(target: Target, plan: dict[str, Any]) -> list[tuple[str, str]]:
    """(address, import id) of each resource the plan would create that already exists.

    An apply that is killed part-way leaves what it was creating outside the state; the
    next apply would fail on it ("already exists"). Values still unknown in this plan (a
    role's name, say, until the role itself is adopted) are looked at in the next round.
    """
    region = plan.get("variables", {}).get("region", {}).get("value") or "us-east-1"
    found = []
    for change in plan.get("resource_changes", []):
        if change["change"]["actions"] == ["create"] and change.get("mode") == "managed":
            identifier = target.existing(change["type"], change["change"].get("after") or {}, region)
            if identifier is not None:
                found.append((change["address"], identifier))
    return found


def import_commands(target: Target, found: list[tuple[str, str]]) -> str:
    workspace = target.workspace()
    where = f"-chdir={workspace.root.relative_to(ROOT)}"
    return "; ".join(shlex.join(["terraform", where, "import", *workspace.plan_args, a, i]) for a, i in found)


def adopt(target: Target, found: list[tuple[str, str]]) -> None:
    """Import what an interrupted apply left behind, so the next apply converges."""
    workspace = target.workspace()
    for address, identifier in found:
        workspace.run("import", "-input=false", "-no-color", *workspace.plan_args, address, identifier, capture=True)
        say(f"adopted {address} ({identifier}): it existed, but the state did not record it")


def _refuse_orphans(target: Target, plan: dict[str, Any]) -> None:
    found = orphans(target, plan)
    if found:
        fix = "make deploy adopts them" if target.adopts_orphans else f"adopt them with: {import_commands(target, found)}"
        raise Orphaned(
            f"{len(found)} resource(s) of ENV={target.env} exist but the state does not record them (an earlier "
            f"apply was interrupted): {', '.join(a for a, _ in found)}; {fix}, then make deploy ENV={target.env}",
            found,
        )


def apply(target: Target) -> None:
    """Apply the saved plan, nothing else."""
    files = plan_files(target.env)
    if not files["plan"].is_file():
        raise UserError(
            f"no saved plan for ENV={target.env} ({files['plan'].relative_to(ROOT)}); make one first: make plan ENV={target.env}"
        )
    target.confirm("apply")
    if files["json"].is_file():
        _refuse_orphans(target, json.loads(files["json"].read_text()))
    step(f"terraform apply of the saved plan (ENV={target.env})")
    workspace = target.workspace()
    result = workspace.run("apply", "-input=false", "-no-color", str(files["plan"]), show=_progress, check=False, echo=False)
    for path in files.values():  # applied or not, a saved plan is good for one apply only
        path.unlink(missing_ok=True)
    if result.returncode < 0:
        raise UserError(
            f"apply for ENV={target.env} was interrupted (terraform stopped by signal {-result.returncode}); what it "
            f"was creating may exist outside the state: run make deploy ENV={target.env}, which finds it"
        )
    if result.returncode != 0:
        cause = first_error(result.stdout)
        if "complete after" not in result.stdout:
            raise UserError(
                f"apply for ENV={target.env} failed before changing anything ({cause}); "
                f"fix the cause, then make deploy ENV={target.env}"
            )
        raise UserError(
            f"apply for ENV={target.env} failed part-way ({cause}); what was changed is recorded "
            f"in the state: fix the cause and run make deploy ENV={target.env} again, or make destroy ENV={target.env}"
        )


def deploy(target: Target) -> None:
    """Plan and apply; where the target allows, adopt what an interrupted apply left, and plan again.

    A plan with nothing to apply (no resource or output changes) is not applied: it is
    discarded, and the state is left as it is.
    """
    result = plan(target)
    if result.total == 0 and not result.outputs:
        for path in plan_files(target.env).values():
            path.unlink(missing_ok=True)
        say("apply: skipped (the plan changes nothing)")
        return
    for _ in range(3):  # adopting a role makes its policies' names known: another round finds those
        try:
            apply(target)
            return
        except Orphaned as orphaned:
            if not target.adopts_orphans:
                raise
            adopt(target, orphaned.found)
            plan(target)
    apply(target)


def stack(target: Target) -> dict[str, Any]:
    """The deployed stack's outputs (names, ARNs), or a UserError if nothing is deployed."""
    outputs = target.workspace().output("stack")
    if outputs is None:
        raise UserError(
            f"nothing is deployed for ENV={target.env} (no stack output in the state); run: make deploy ENV={target.env}"
        )
    return outputs


def _adopt_before_destroy(target: Target) -> None:
    """What an interrupted apply left outside the state: the sandbox adopts it (so destroy removes
    it); on AWS the user is told, with the import commands."""
    probe = review.PLAN_DIR / f"{target.env}-destroy-check.tfplan"
    review.PLAN_DIR.mkdir(parents=True, exist_ok=True)
    workspace = target.workspace()
    try:
        for _ in range(3):
            if workspace.plan(probe):
                return  # an unplannable configuration: destroy still works from the state
            found = orphans(target, json.loads(workspace.show_json(probe)))
            if not found:
                return
            if not target.adopts_orphans:
                say(f"warning: not in the state, so not destroyed: {', '.join(a for a, _ in found)}")
                say(f"  adopt them first to destroy them: {import_commands(target, found)}")
                return
            adopt(target, found)
    finally:
        probe.unlink(missing_ok=True)


def destroy(target: Target) -> None:
    """Destroy everything Terraform made, and the SecureStrings made out-of-band for it."""
    step(f"terraform destroy (ENV={target.env})")
    target.confirm("destroy")
    workspace = target.workspace()
    workspace.init()
    deployed = workspace.output("stack") or {}
    _adopt_before_destroy(target)
    workspace.run("destroy", "-input=false", "-no-color", "-auto-approve", *workspace.plan_args, show=_progress, echo=False)
    names = list(deployed.get("secure_parameter_names", {}).values())
    if names:
        values.delete_parameters(target, deployed["region"], names)
    review.discard_outputs(target.env)
    say(f"destroyed ENV={target.env}")
