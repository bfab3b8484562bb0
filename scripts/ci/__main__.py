"""The commands the CI workflows run (and `make ci-policy`), one environment at a time.

    python -m scripts.ci policy --env dev --account ID [--role plan|apply] [--trust owner/name]
    python -m scripts.ci backend --env dev          (TF_STATE_BUCKET from the environment)
    python -m scripts.ci seal --env dev             (after make plan: build/plans/<env>.seal.json)
    python -m scripts.ci find-plan --env dev        (the merged pull request's plan run, for download)
    python -m scripts.ci verify --env dev --reviewed DIR   (after a fresh make plan: same changes, or refuse)

policy prints the role's permissions policy (or, with --trust, its trust policy) as JSON
on stdout: docs/ci.md says how each statement is scoped. The workflows are checked
statically (make lint), never run here.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
from pathlib import Path

from scripts.ci import backend, github, roles, seal
from scripts.common import ROOT, UserError, run_main, say

REVIEWED = ROOT / "build" / "reviewed"  # where the apply job puts the downloaded plan artifact


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.ci", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    policy = commands.add_parser("policy", help="print a CI role's IAM policy for an environment (JSON)")
    policy.add_argument(
        "--env", default=os.environ.get("ENV") or "dev", help="an AWS environment (terraform/envs/aws/<env>.tfvars)"
    )
    policy.add_argument("--role", default=os.environ.get("ROLE") or "plan", choices=roles.ROLES, help="plan (default) or apply")
    policy.add_argument(
        "--trust",
        metavar="OWNER/NAME",
        default=os.environ.get("REPO") or None,
        help="print the trust policy for this GitHub repository instead",
    )
    policy.add_argument(
        "--account",
        default=os.environ.get("ACCOUNT") or None,
        help="the 12-digit ID of the account the roles and the stack live in (required)",
    )
    policy.add_argument(
        "--bucket",
        default=os.environ.get("TF_STATE_BUCKET") or None,
        help="the state bucket (default: from <env>.backend.hcl, else its example)",
    )
    for name, text in (
        ("backend", "write terraform/envs/aws/<env>.backend.hcl from TF_STATE_BUCKET (and TF_STATE_REGION)"),
        ("seal", "seal the saved plan: build/plans/<env>.seal.json (its SHA-256 and its changes' fingerprint)"),
        ("find-plan", "the merged pull request's plan run (or PLAN_RUN's): run-id= to $GITHUB_OUTPUT"),
        ("verify", "refuse a reviewed plan that is not intact or no longer what a fresh plan would do"),
    ):
        command = commands.add_parser(name, help=text, description=text)
        command.add_argument("--env", default=os.environ.get("ENV") or "dev", help="an AWS environment")
        if name == "verify":
            command.add_argument("--reviewed", type=Path, help="the downloaded artifact (default build/reviewed/<env>)")
    args = parser.parse_args()
    if args.command == "policy":
        scope = roles.Scope.load(args.env, account=args.account, bucket=args.bucket)
        document = roles.trust(scope, args.role, args.trust) if args.trust else roles.policy(scope, args.role)
        print(json.dumps(document, indent=2))
    elif args.command == "backend":
        path = backend.write(args.env, os.environ.get("TF_STATE_BUCKET", ""), os.environ.get("TF_STATE_REGION") or None)
        say(f"wrote {path.relative_to(ROOT)} (state bucket from TF_STATE_BUCKET)")
    elif args.command == "seal":
        record = seal.seal(args.env)
        say(f"sealed build/plans/{args.env}.tfplan: sha256 {record['plan_sha256']}, changes {record['changes_sha256'][:16]}")
    elif args.command == "find-plan":
        run_id = _find_plan()
        with open(os.environ.get("GITHUB_OUTPUT", os.devnull), "a") as output:
            output.write(f"run-id={run_id}\n")
        say(f"the reviewed plan is in run {run_id}")
    else:
        record = seal.verify(args.env, args.reviewed or REVIEWED / args.env)
        say(f"ENV={args.env}: the reviewed plan (sha256 {record['plan_sha256'][:16]}, run {record['run']}) is current")
    return 0


def _find_plan() -> int:
    """PLAN_RUN (a manual apply names the run) or the run that reviewed the merge commit GITHUB_SHA."""
    gh = shutil.which("gh")
    repository, sha = os.environ.get("GITHUB_REPOSITORY", ""), os.environ.get("GITHUB_SHA", "")
    if not gh or not repository or not sha:
        raise UserError("find-plan runs in GitHub Actions: it needs gh, GITHUB_REPOSITORY and GITHUB_SHA")
    chosen = os.environ.get("PLAN_RUN", "").strip()
    if not chosen:
        return github.reviewed_run(gh, repository, sha)
    if not re.fullmatch(r"\d{1,20}", chosen):
        raise UserError(f"PLAN_RUN={chosen!r} is not a workflow run id (the number in the run's URL)")
    found = github.api(gh, f"repos/{repository}/actions/runs/{chosen}")
    if not str(found.get("path", "")).endswith("/plan.yml") or found.get("conclusion") != "success":
        raise UserError(f"run {chosen} is not a passed run of the plan workflow: nothing is applied")
    return int(chosen)


if __name__ == "__main__":
    run_main(main)
