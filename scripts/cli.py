"""The commands behind the make targets, for one environment (ENV, default sandbox).

    python -m scripts.cli COMMAND [options]      (make runs these; `make help` lists them)

One table (COMMANDS) names each command, its summary, what it needs and the function that
runs it; argparse, the help text and the dispatch all come from it. User input reaches the
commands through the environment (ENV, APP, NAME, FILE, EVENT, EVENT_FILE, CONFIRM,
FAIL_ON, NO_WAIT), never interpolated into a shell command. Every command but check-env and
migrate first checks the environment's tfvars file (scripts/config.py): an undeclared key is
refused before anything runs.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from scripts.common import UserError, run_main, say, step
from scripts.flows import deploy, invoke, migrate, rotate, smoke, values
from scripts.targets import Target, target_for


def _env(name: str) -> str | None:
    return os.environ.get(name) or None


def _plan(target: Target, args: argparse.Namespace) -> int:
    fail_on = deploy.fail_on_level(_env("FAIL_ON"))
    review = deploy.plan(target, app=_env("APP"))
    if deploy.fails(review, fail_on):
        return 1
    return 2 if args.detailed_exitcode and review.total else 0


def _apply(target: Target, args: argparse.Namespace) -> int:
    deploy.apply(target)
    return 0


def _deploy(target: Target, args: argparse.Namespace) -> int:
    deploy.deploy(target, deploy.fail_on_level(_env("FAIL_ON")))
    if target.demo_values:
        values.put_demo_values(target, deploy.deployment(target))
    return _smoke(target, args)


def _destroy(target: Target, args: argparse.Namespace) -> int:
    deploy.destroy(target)
    return 0


def _output(target: Target, args: argparse.Namespace) -> int:
    print(json.dumps(target.workspace().output("apps"), indent=2))
    return 0


def _smoke(target: Target, args: argparse.Namespace) -> int:
    deployment = deploy.deployment(target)
    app = _env("APP")
    step(f"smoke test (ENV={target.env}, {f'app {app}' if app else f'{len(deployment.apps)} apps'})")
    reports = smoke.run_checks(target, deployment, app)
    print(smoke.render(target.env, reports, markdown=False))
    if args.markdown:
        args.markdown.write_text(smoke.render(target.env, reports, markdown=True))
        say(f"markdown report: {args.markdown}")
    return 0 if all(r.passed for r in reports) else 1


def _rotate(target: Target, args: argparse.Namespace) -> int:
    deployment = deploy.deployment(target)
    unfinished = rotate.rotate(target, deployment, name=_env("NAME"), app=_env("APP"), wait=not _env("NO_WAIT"))
    return 1 if unfinished else 0


def _put_secret(target: Target, args: argparse.Namespace) -> int:
    values.refuse_value_on_the_command_line(os.environ.get("MAKEFLAGS", ""))
    values.put_named(target, deploy.deployment(target), os.environ.get("NAME", ""), _env("FILE"))
    return 0


def _invoke(target: Target, args: argparse.Namespace) -> int:
    deployment = deploy.deployment(target)
    event = invoke.event_from(_env("EVENT"), _env("EVENT_FILE"))
    return invoke.invoke(target, deployment, _env("APP"), event)


def _migrate(target: Target, args: argparse.Namespace) -> int:
    migrate.migrate(target)
    return 0


@dataclass(frozen=True)
class Command:
    """One command: what it does (for help), how it runs, and what it needs first."""

    summary: str
    run: Callable[[Target, argparse.Namespace], int] | None  # None: nothing beyond the environment check
    starts_sandbox: bool = False  # bring the sandbox up when it is down (the others need a deployment)
    checks_config: bool = True  # refuse unknown tfvars keys first (migrate converts the old shape itself)


COMMANDS: dict[str, Command] = {
    "check-env": Command("is ENV a known environment? (sandbox, or terraform/envs/aws/<env>.tfvars)", None, checks_config=False),
    "plan": Command(
        "plan every app, save build/plans/<env>.tfplan, review it (FAIL_ON=high|medium|low: exit 1 at that severity)",
        _plan,
        starts_sandbox=True,
    ),
    "apply": Command("apply the saved plan (ENV=prod needs CONFIRM=prod)", _apply),
    "deploy": Command("plan, apply, demo values (sandbox), smoke test of every app", _deploy, starts_sandbox=True),
    "destroy": Command(
        "destroy every app of the environment (AWS environments need CONFIRM=<env>)", _destroy, starts_sandbox=True
    ),
    "output": Command("print the deployed apps (names, ARNs) as JSON", _output),
    "smoke": Command("invoke every app's function (or APP=name) and check what it read and was refused", _smoke),
    "rotate": Command("rotate opted-in secrets now: NAME=one secret, APP=one app's (AWS waits; NO_WAIT=1 does not)", _rotate),
    "put-secret": Command("set a value out-of-band: NAME from the environment, the value from FILE or stdin", _put_secret),
    "invoke": Command("invoke APP's function with EVENT='{...}' or EVENT_FILE=path; stored values masked", _invoke),
    "migrate": Command(
        "move a single-app environment (tfvars and state) to the apps map, replacing nothing", _migrate, checks_config=False
    ),
}


def parser() -> argparse.ArgumentParser:
    """The argument parser, its help built from COMMANDS."""
    table = "\n".join(f"  {name:<11} {command.summary}" for name, command in COMMANDS.items())
    result = argparse.ArgumentParser(
        prog="python -m scripts.cli",
        description=(__doc__ or "").split("\n\n")[0] + "\n\ncommands:\n" + table,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    result.add_argument("command", choices=list(COMMANDS), metavar="COMMAND", help="one of the commands above")
    result.add_argument("--env", default=os.environ.get("ENV", "sandbox"), help="sandbox (default) or an AWS environment")
    result.add_argument("--detailed-exitcode", action="store_true", help="plan: exit 2 when there are changes")
    result.add_argument("--markdown", type=Path, help="smoke, deploy: also write the report as markdown to this file")
    return result


def main() -> int:
    args = parser().parse_args()
    command = COMMANDS[args.command]
    target = target_for(args.env, start=command.starts_sandbox)
    if command.run is None:
        return 0  # check-env, before setup: nothing below (boto3, python-hcl2) is imported yet
    if command.checks_config:
        target.config  # noqa: B018 (the check: an unknown key or the old shape is refused here, before anything runs)
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return command.run(target, args)
    except ClientError as exc:  # a refusal the flows did not expect: one line, and what usually causes it
        error = exc.response.get("Error", {})
        code, message = str(error.get("Code")), str(error.get("Message"))
        hint = target.refusal_hint_for(code, message)
        raise UserError(f"{exc.operation_name} was refused ({code}: {message})" + (f"; {hint}" if hint else "")) from None
    except BotoCoreError as exc:  # no answer at all
        raise UserError(f"{exc}; {target.unreachable_hint}") from None


if __name__ == "__main__":
    run_main(main)
