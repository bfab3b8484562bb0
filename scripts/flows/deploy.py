"""The Terraform side of a deployment: plan (saved and reviewed), apply the saved plan, destroy.

The saved plan is build/plans/<env>.tfplan with its JSON beside it; both hold sensitive
values in clear, so the commands run with umask 077 (scripts.common.run_main) and the
files are 0600 from creation. A saved plan is good for one apply: apply removes it and
its JSON, applied or not. A plan that fails leaves no plan, JSON or review behind.

Beside them, <env>.tfplan.state records the state's lineage and serial as they were when
the plan was made. Apply compares them with the state's now before anything else: a plan
made before another apply is refused as stale (plan again), never mistaken for resources
an interrupted apply left behind. Every Terraform failure is told by its cause
(scripts/terraform_errors.py).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from scripts import checkov, config, review, terraform_errors
from scripts.common import ROOT, UserError, colour, say, step
from scripts.deployment import Deployment, from_outputs
from scripts.flows import orphans, values
from scripts.targets import Target
from scripts.terraform import TerraformFailed


def plan_files(name: str) -> dict[str, Path]:
    """The saved plan, its JSON and the state's identity when it was made (review.PLAN_DIR also holds the reviews)."""
    return {
        "plan": review.PLAN_DIR / f"{name}.tfplan",
        "json": review.PLAN_DIR / f"{name}.tfplan.json",
        "state": review.PLAN_DIR / f"{name}.tfplan.state",
    }


def where(target: Target) -> terraform_errors.Where:
    """What scripts.terraform_errors needs to know of the target to name a failure's cause and fix."""
    workspace = target.workspace()
    return terraform_errors.Where(
        env=target.env,
        tfvars=config.tfvars_path(target.env),
        root=workspace.root,
        data_dir=workspace.data_dir,
        state_file=target.state_file,
        unreachable_hint=target.unreachable_hint,
    )


@contextlib.contextmanager
def explained(target: Target, action: str) -> Iterator[None]:
    """Turn a failed terraform command inside the block into its cause and fix (a TerraformProblem)."""
    try:
        yield
    except TerraformFailed as failed:
        label = action if failed.command == action else f"{action} (terraform {failed.command})"
        raise terraform_errors.explain(failed.output, label, where(target)) from None


def _state_now(target: Target, action: str) -> dict[str, Any] | None:
    """The state's lineage and serial now; an empty or unreadable state is refused with its cause."""
    terraform_errors.check_local_state(target.state_file, action, where(target))
    with explained(target, action):
        return target.workspace().state_identity(target.state_file)


def fail_on_level(raw: str | None) -> str:
    """FAIL_ON as given (a severity, or none when unset), refused before anything runs when misspelt."""
    if (raw or "none") not in review.FAIL_ON:
        raise UserError(f"FAIL_ON={raw} is not a severity; give one of {', '.join(review.FAIL_ON)} (e.g. FAIL_ON=high)")
    return raw or "none"


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


def plan(target: Target, name: str | None = None, scan: bool | None = None, app: str | None = None) -> Any:
    """Plan and save it with its JSON; write and print the review; return it (a review.Review).

    name: the files' name under build/plans/ (default: the environment's).
    scan: run checkov over the plan (default: when the plan changes a resource, a plan that
    changes nothing cannot bring a new finding; never with SCAN=0 in the environment).
    app: show the review of that app only (the plan and the saved review cover every app).
    """
    step(f"terraform plan (ENV={target.env})")
    checkov.install_in_background()  # a fresh clone: its environment builds while Terraform runs
    workspace = target.workspace()
    with explained(target, "plan"):
        workspace.init()
    review.PLAN_DIR.mkdir(parents=True, exist_ok=True)
    name = name or target.env
    files = plan_files(name)
    review.discard_outputs(name)  # a failed plan must not leave an older plan or review to be trusted
    files["state"].unlink(missing_ok=True)
    try:
        before = _state_now(target, "plan")  # before planning: a state written meanwhile makes the plan stale, never fresh
        failed = workspace.plan_output(files["plan"])
        if failed is not None:
            raise terraform_errors.explain(failed, "plan", where(target))
        review.write_private(files["state"], json.dumps(before))
        shown = workspace.show_json(files["plan"])
        review.write_private(files["json"], shown)
        skip = "SCAN=0" if scan is None and os.environ.get("SCAN") == "0" else "the plan changes no resource"
        if scan is None:
            actions = [set(c["change"]["actions"]) for c in json.loads(shown).get("resource_changes", [])]
            scan = skip != "SCAN=0" and any(a - {"no-op", "read"} for a in actions)
        result = review.write_review(
            files["json"], target.env, usage_file=target.usage_file, scan=scan, repo_root=workspace.root.parent.parent
        )
    except BaseException:
        review.discard_outputs(name)
        files["state"].unlink(missing_ok=True)
        raise
    shown = review.for_app(result, app) if app else result
    print(review.render_terminal(shown, colour=colour(sys.stdout)))
    if not scan:
        print(f"checkov: skipped ({skip})")
    say(f"saved: {files['plan'].relative_to(ROOT)} and its JSON; review: {review.PLAN_DIR.relative_to(ROOT)}/{name}.review.md")
    return result


def apply(target: Target) -> None:
    """Apply the saved plan, nothing else."""
    files = plan_files(target.env)
    if not files["plan"].is_file():
        raise UserError(
            f"no saved plan for ENV={target.env} ({files['plan'].relative_to(ROOT)}); make one first: make plan ENV={target.env}"
        )
    target.confirm("apply")
    now = _state_now(target, "apply")
    recorded = json.loads(files["state"].read_text()) if files["state"].is_file() else "unrecorded"
    if recorded != now:  # before the orphan check: a stale plan's creations exist, made by the apply in between
        for path in files.values():
            path.unlink(missing_ok=True)
        raise terraform_errors.stale("apply", where(target), recorded, now)
    if files["json"].is_file():
        orphans.refuse(target, json.loads(files["json"].read_text()))
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
        problem = terraform_errors.explain(result.stdout, "apply", where(target))
        if "complete after" not in result.stdout:
            raise problem.at("apply", where(target), " before changing anything")
        raise problem.at("apply", where(target), " part-way (what it changed is recorded in the state)")


def deploy(target: Target, fail_on: str = "none") -> None:
    """Plan and apply; where the target allows, adopt what an interrupted apply left, and plan again.

    A plan with nothing to apply (no resource or output changes) is not applied: it is
    discarded, and the state is left as it is. A plan whose review holds a risk at least as
    severe as `fail_on` is not applied either (it stays saved for `make apply`).
    """
    result = plan(target)
    if fails(result, fail_on):
        raise UserError(
            f"not applied: the plan has the risk(s) above, at or over FAIL_ON={fail_on}; "
            "if they are what you mean, run make apply (it applies this saved plan), or deploy without FAIL_ON"
        )
    if result.total == 0 and not result.outputs:
        for path in plan_files(target.env).values():
            path.unlink(missing_ok=True)
        say("apply: skipped (the plan changes nothing)")
        return
    for _ in range(3):  # adopting a role makes its policies' names known: another round finds those
        try:
            apply(target)
            return
        except orphans.Orphaned as orphaned:
            if not target.adopts_orphans:
                raise
            orphans.adopt(target, orphaned.found)
            plan(target)
    apply(target)


def deployment(target: Target) -> Deployment:
    """The deployed apps (names, ARNs, items), or a UserError if nothing is deployed."""
    terraform_errors.check_local_state(target.state_file, "reading the deployment", where(target))
    with explained(target, "reading the deployment"):
        target.workspace().init()  # a fresh clone (or make clean) has no data directory: outputs need one
        outputs = target.workspace().output("apps")
        single_app = target.workspace().output("stack") if outputs is None else None
    if outputs is None:
        if single_app is not None:
            raise UserError(
                f"ENV={target.env} was deployed by the single-app version of the kit; move it to the apps map "
                f"(no resource is replaced) with: make migrate ENV={target.env}"
            )
        raise UserError(
            f"nothing is deployed for ENV={target.env} (no apps output in the state); run: make deploy ENV={target.env}"
        )
    return from_outputs(target.env, outputs)


def destroy(target: Target) -> None:
    """Destroy everything Terraform made, and the SecureStrings made out-of-band for it."""
    step(f"terraform destroy (ENV={target.env})")
    target.confirm("destroy")
    workspace = target.workspace()
    with explained(target, "destroy"):
        workspace.init()
        _state_now(target, "destroy")
        outputs = workspace.output("apps")
    deployed = from_outputs(target.env, outputs) if outputs else None
    orphans.adopt_before_destroy(target)
    result = workspace.run(
        "destroy", "-input=false", "-no-color", "-auto-approve", *workspace.plan_args, show=_progress, echo=False, check=False
    )
    if result.returncode:
        raise terraform_errors.explain(result.stdout, "destroy", where(target))
    for app in deployed.apps.values() if deployed else []:
        names = [item.name for item in app.of_kind("secure_parameter")]
        if names:
            values.delete_parameters(target, app.region, names)
    review.discard_outputs(target.env)
    say(f"destroyed ENV={target.env}")
