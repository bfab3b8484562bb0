"""The commands behind the make targets, for one environment (ENV, default sandbox).

    python -m scripts.cli COMMAND [options]      (make runs these; `make help` lists them)

  check-env   is ENV a known environment? (sandbox, or terraform/envs/aws/<env>.tfvars)
  plan        plan, save build/plans/<env>.tfplan, review it (FAIL_ON=high|medium|low:
              exit 1 when a risk is at least that severe)
  apply       apply the saved plan (ENV=prod needs CONFIRM=prod)
  deploy      plan, apply, demo values (sandbox), smoke test
  destroy     destroy the deployment (AWS environments need CONFIRM=<env>)
  output      print the stack's outputs (names, ARNs) as JSON
  smoke       invoke the deployed function and check what it read
  rotate      rotate the app's secrets now (AWS: waits for each rotation; NO_WAIT=1 does not)
  put-secret  set a value out-of-band: NAME and FILE come from the environment, the value
              from FILE or stdin (never argv)

The environment comes from ENV (or --env); user input is read from the environment, never
interpolated into a shell command.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from scripts.common import UserError, run_main, say, step
from scripts.flows import deploy, rotate, smoke, values
from scripts.targets import Target, target_for

COMMANDS = ("check-env", "plan", "apply", "deploy", "destroy", "output", "smoke", "rotate", "put-secret")
# Commands that bring the sandbox up when it is down (the others need a deployment already).
STARTS_SANDBOX = ("plan", "deploy", "destroy")


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.cli", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=COMMANDS, metavar="COMMAND", help=", ".join(COMMANDS))
    parser.add_argument("--env", default=os.environ.get("ENV", "sandbox"), help="sandbox (default) or an AWS environment")
    parser.add_argument(
        "--detailed-exitcode", action="store_true", help="plan: exit 2 when there are changes (as terraform plan does)"
    )
    parser.add_argument("--markdown", type=Path, help="smoke: also write the report as markdown to this file")
    args = parser.parse_args()
    target = target_for(args.env, start=args.command in STARTS_SANDBOX)
    if args.command == "check-env":
        return 0  # before setup: nothing below (boto3) is imported yet
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return _run(args, target)
    except ClientError as exc:  # a refusal the flows did not expect: one line, and what usually causes it
        error = exc.response.get("Error", {})
        raise UserError(
            f"{exc.operation_name} was refused ({error.get('Code')}: {error.get('Message')}); {target.refusal_hint}"
        ) from None
    except BotoCoreError as exc:  # no answer at all
        raise UserError(f"{exc}; {target.unreachable_hint}") from None


def _run(args: argparse.Namespace, target: Target) -> int:
    if args.command == "plan":
        review = deploy.plan(target)
        if deploy.fails(review, os.environ.get("FAIL_ON") or "none"):
            return 1
        return 2 if args.detailed_exitcode and review.total else 0
    if args.command == "apply":
        deploy.apply(target)
    elif args.command == "deploy":
        deploy.deploy(target)
        return _smoke(target, args.markdown, demo=True)
    elif args.command == "destroy":
        deploy.destroy(target)
    elif args.command == "output":
        print(json.dumps(deploy.stack(target), indent=2))
    elif args.command == "smoke":
        return _smoke(target, args.markdown)
    elif args.command == "rotate":
        return 1 if rotate.rotate(target, wait=not os.environ.get("NO_WAIT")) else 0
    else:
        values.put_named(target, deploy.stack(target), os.environ.get("NAME", ""), os.environ.get("FILE") or None)
    return 0


def _smoke(target: Target, markdown: Path | None, demo: bool = False) -> int:
    """Demo values first (targets that want them), then the smoke test; 1 if any check failed."""
    if demo and target.demo_values:
        values.put_demo_values(target, deploy.stack(target))
    step(f"smoke test (ENV={target.env})")
    function, checks = smoke.run_checks(target)
    print(smoke.render(target.env, function, checks, markdown=False))
    if markdown:
        markdown.write_text(smoke.render(target.env, function, checks, markdown=True))
        say(f"markdown report: {markdown}")
    return 0 if all(c.passed for c in checks) else 1


if __name__ == "__main__":
    run_main(main)
