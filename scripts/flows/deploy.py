"""The Terraform side of a deployment: plan (saved and reviewed), apply the saved plan, destroy.

The saved plan is build/plans/<env>.tfplan with its JSON beside it; both hold sensitive
values in clear, so the commands run with umask 077 (scripts.common.run_main) and the
files are 0600 from creation. A saved plan is good for one apply: apply removes it and
its JSON, applied or not. A plan that fails leaves no plan, JSON or review behind.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from scripts import plan_review
from scripts.common import BUILD, ROOT, UserError, first_error, say, step
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


def plan(target: Target, name: str | None = None) -> Any:
    """Plan and save it with its JSON; write and print the review; return it (a plan_review.Review).

    name: the files' name under build/plans/ (default: the environment's).
    """
    step(f"terraform plan (ENV={target.env})")
    workspace = target.workspace()
    workspace.init()
    PLAN_DIR.mkdir(parents=True, exist_ok=True)
    name = name or target.env
    files = plan_files(name)
    _discard(name)  # a failed plan must not leave an older plan or review to be trusted
    try:
        workspace.plan(files["plan"])
        files["json"].write_text(workspace.show_json(files["plan"]))
        result = plan_review.write_review(
            files["json"], target.env, usage_file=target.usage_file, scan=True, repo_root=workspace.root.parent.parent
        )
    except BaseException:
        _discard(name)
        raise
    print(plan_review.render_terminal(result, colour=sys.stdout.isatty() and not os.environ.get("NO_COLOR")))
    say(f"saved: {files['plan'].relative_to(ROOT)} and its JSON; review: {files['review_md'].relative_to(ROOT)} (.json)")
    return result


def apply(target: Target) -> None:
    """Apply the saved plan, nothing else."""
    files = plan_files(target.env)
    if not files["plan"].is_file():
        raise UserError(
            f"no saved plan for ENV={target.env} ({files['plan'].relative_to(ROOT)}); make one first: make plan ENV={target.env}"
        )
    target.confirm("apply")
    step(f"terraform apply of the saved plan (ENV={target.env})")
    result = target.workspace().run(
        "apply", "-input=false", "-no-color", str(files["plan"]), show=_progress, check=False, echo=False
    )
    _discard(target.env, "plan", "json")  # applied or not, a saved plan is good for one apply only
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
