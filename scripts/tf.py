"""Run Terraform for one environment: init, plan (saved), apply (the saved plan only), destroy.

    python -m scripts.tf plan|apply|destroy|output|init --env sandbox|dev|prod

sandbox:  the root is the bridged copy (scripts/sandbox/bridge.py) pointed at the running
          moto server; providers come from the offline mirror; state is
          .sandbox/terraform.tfstate.
dev/prod: terraform/envs/<env> with its S3 backend (terraform/envs/<env>/backend.hcl) and
          your AWS credentials; apply and destroy on prod need CONFIRM=prod.
The saved plan is build/plans/<env>.tfplan, its JSON <env>.tfplan.json (both mode 0600: a
plan holds sensitive values in clear); `plan` also writes the plan review beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from scripts import toolchain
from scripts.common import BUILD, ROOT, SANDBOX_DIR, UserError, check_env, confirm, first_error, run, run_main, say, step

PLAN_DIR = BUILD / "plans"
SANDBOX_STATE = SANDBOX_DIR / "terraform.tfstate"
ENVS_DIR = ROOT / "terraform" / "envs"


def plan_path(env: str) -> Path:
    return PLAN_DIR / f"{env}.tfplan"


def check_aws_credentials(env: str) -> str:
    """The AWS account the credentials reach, or a UserError that says how to get credentials."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return boto3.client("sts").get_caller_identity()["Account"]
    except (BotoCoreError, ClientError) as exc:
        raise UserError(
            f"no working AWS credentials for ENV={env} ({type(exc).__name__}); "
            "set AWS_PROFILE (or run aws sso login / aws configure), then retry"
        ) from None


def workspace(env: str, quiet: bool = True) -> tuple[Path, dict[str, str]]:
    """The root directory to run in and the environment for terraform (quiet: do not list the bridge's rewrites)."""
    tf_env = {**os.environ, "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1", "TF_INPUT": "0"}
    if env == "sandbox":
        from scripts.sandbox import bridge, server

        endpoint = server.require_up()
        tf_env.update(
            {
                "TF_CLI_CONFIG_FILE": str(toolchain.CLI_CONFIG),
                "TF_DATA_DIR": str(SANDBOX_DIR / "tf-data"),
                "TF_VAR_sandbox_endpoint": endpoint,
            }
        )
        return bridge.prepare(endpoint, quiet=quiet), tf_env
    # Real AWS: the user's own CLI configuration if there is one, never the sandbox's mirror.
    if not Path(os.environ.get("TF_CLI_CONFIG_FILE", os.devnull)).is_file():
        tf_env["TF_CLI_CONFIG_FILE"] = os.devnull
    return ENVS_DIR / env, tf_env


def terraform(root: Path, tf_env: dict[str, str], *args: str, **kwargs: Any) -> Any:
    """Run the chosen terraform in `root` (see scripts.common.run for the options)."""
    return run([toolchain.load().terraform, f"-chdir={root}", *args], env=tf_env, **kwargs)


def _progress(line: str) -> bool:
    """Apply and destroy lines worth showing as they come."""
    return any(
        word in line
        for word in (
            "Creating...",
            "complete after",
            "Modifying...",
            "Destroying...",
            "Still ",
            "Apply complete",
            "Destroy complete",
            "Error",
        )
    )


def init(env: str, quiet: bool = True) -> tuple[Path, dict[str, str]]:
    """terraform init for the environment (idempotent); returns (root, env vars)."""
    root, tf_env = workspace(env, quiet)
    if env == "sandbox":
        SANDBOX_DIR.mkdir(exist_ok=True)
        backend = [f"-backend-config=path={SANDBOX_STATE}"]
    else:
        check_aws_credentials(env)
        backend_file = root / "backend.hcl"
        if not backend_file.is_file():
            raise UserError(
                f"{backend_file.relative_to(ROOT)} is missing: copy backend.hcl.example next to it and "
                "fill in your state bucket, then retry"
            )
        backend = [f"-backend-config={backend_file}"]
    terraform(root, tf_env, "init", "-input=false", "-no-color", "-reconfigure", *backend, capture=True)
    return root, tf_env


def plan(env: str) -> Any:
    """Plan and save it with its JSON (both mode 0600); print the review and return it (a plan_review.Review)."""
    from scripts import plan_review

    step(f"terraform plan (ENV={env})")
    root, tf_env = init(env, quiet=False)
    PLAN_DIR.mkdir(parents=True, exist_ok=True)
    target = plan_path(env)
    target.unlink(missing_ok=True)
    terraform(root, tf_env, "plan", "-input=false", "-no-color", f"-out={target}", capture=True)
    target.chmod(0o600)
    shown = terraform(root, tf_env, "show", "-json", str(target), capture=True, echo=False)
    plan_json = PLAN_DIR / f"{env}.tfplan.json"  # holds sensitive values in clear: 0600, never committed
    plan_json.unlink(missing_ok=True)
    plan_json.touch(mode=0o600)
    plan_json.write_text(shown.stdout)
    result = plan_review.write_review(
        plan_json, env, usage_file=ENVS_DIR / env / "usage.toml", scan=True, repo_root=root.parent.parent
    )
    print(plan_review.render_terminal(result, colour=sys.stdout.isatty() and not os.environ.get("NO_COLOR")))
    say(f"saved: {target.relative_to(ROOT)} and its JSON; review: {PLAN_DIR.relative_to(ROOT)}/{env}.review.md (.json)")
    return result


def apply(env: str) -> None:
    """Apply the saved plan, nothing else."""
    target = plan_path(env)
    if not target.is_file():
        raise UserError(f"no saved plan for ENV={env} ({target.relative_to(ROOT)}); make one first: make plan ENV={env}")
    confirm(env, "apply")
    step(f"terraform apply of the saved plan (ENV={env})")
    root, tf_env = workspace(env)
    result = terraform(root, tf_env, "apply", "-input=false", "-no-color", str(target), show=_progress, check=False)
    target.unlink(missing_ok=True)  # applied or not, a saved plan is good for one apply only
    if result.returncode != 0:
        cause = first_error(result.stdout)
        if "complete after" not in result.stdout:
            raise UserError(
                f"apply for ENV={env} failed before changing anything ({cause}); fix the cause, then make deploy ENV={env}"
            )
        raise UserError(
            f"apply for ENV={env} failed part-way ({cause}); what was changed is recorded "
            f"in the state: fix the cause and run make deploy ENV={env} again, or make destroy ENV={env}"
        )


def outputs(env: str, name: str = "stack") -> dict[str, Any]:
    """One output of the root (by default `stack`: names, ARNs), or a UserError if nothing is deployed."""
    root, tf_env = workspace(env)
    result = terraform(root, tf_env, "output", "-json", name, capture=True, check=False, echo=False)
    if result.returncode != 0:
        raise UserError(f"nothing is deployed for ENV={env} (no stack output in the state); run: make deploy ENV={env}")
    return json.loads(result.stdout)


def destroy(env: str) -> None:
    """Destroy everything Terraform made, and the SecureStrings made out-of-band for it."""
    step(f"terraform destroy (ENV={env})")
    if env != "sandbox" and os.environ.get("CONFIRM") != env:
        raise UserError(
            f"destroying ENV={env} deletes its secrets and parameters; to go ahead run: make destroy ENV={env} CONFIRM={env}"
        )
    root, tf_env = init(env)
    try:
        deployed = outputs(env)
    except UserError:
        deployed = {}
    terraform(root, tf_env, "destroy", "-input=false", "-no-color", "-auto-approve", show=_progress)
    names = list(deployed.get("secure_parameter_names", {}).values())
    if names:
        from scripts.put_value import delete_parameters

        delete_parameters(env, deployed["region"], names)
    say(f"destroyed ENV={env}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["init", "plan", "apply", "destroy", "output"])
    parser.add_argument("--env", default=os.environ.get("ENV", "sandbox"), help="sandbox (default), dev or prod")
    parser.add_argument("--detailed-exitcode", action="store_true", help="plan: exit 3 when there are changes")
    args = parser.parse_args()
    env = check_env(args.env)
    if args.command == "init":
        init(env)
    elif args.command == "plan":
        changes = plan(env).total
        return 3 if args.detailed_exitcode and changes else 0
    elif args.command == "apply":
        apply(env)
    elif args.command == "destroy":
        destroy(env)
    else:
        print(json.dumps(outputs(env), indent=2))
    return 0


if __name__ == "__main__":
    run_main(main)
