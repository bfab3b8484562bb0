"""Rotate secrets now (the command is `make rotate`, scripts/cli.py rotate).

What it rotates: NAME=/<env>/<app>/<scope>/<name> that secret alone; APP=<app> that app's
opted-in secrets; neither, every opted-in secret of the environment, listed first. A secret
is opted in by its rotation strategy (`generated`: the kit's rotation function of its app;
`lambda`: your own function), declared with it in the environment's tfvars.

AWS: RotateSecret for each secret. It only starts a rotation: Secrets Manager runs the
rotation function's four steps asynchronously (and retries a failed one by itself); this
waits for each with progress and reports the outcome from the secret's labels
(scripts/rotation_status.py), or reports at once with NO_WAIT=1.
Sandbox: moto cannot run the function, so scripts/sandbox/rotate_secret.py plays
RotateSecret (its refusals, rotation enabled, the token's empty AWSPENDING version) and runs
the four steps through the local runner. moto knows only `days`: the sandbox records them as
declared and says what stands in for a schedule_expression; duration and rotate_immediately are
not played (the sandbox never rotates by itself; this rotates now).
Either way a failed rotation leaves its version AWSPENDING and every later rotation of that
secret is refused until it is cleared: the message gives the command (docs/rotation.md).
Prints version ids, never values.
"""

from __future__ import annotations

from scripts.common import UserError, say, step
from scripts.deployment import App, Deployment, Item
from scripts.rotation_status import WAIT_TIMEOUT
from scripts.targets import Target


def _opt_in(target: Target) -> str:
    return (
        f'declare a rotation with it in {target.config_hint}: rotation = {{ strategy = "generated", days = 30 }} '
        f'(or strategy = "lambda" with your function\'s lambda_arn), then make deploy ENV={target.env}'
    )


def selected(target: Target, deployment: Deployment, *, name: str | None, app: str | None) -> list[tuple[App, Item]]:
    """The secrets to rotate: NAME alone, APP's opted-in secrets, or every opted-in secret."""
    if name:
        found = deployment.item(name)
        if found is None or found[1].kind != "secret":
            close = [n for n in deployment.closest(name) if (deployment.item(n) or (None, None))[1].kind == "secret"]
            hint = f"closest secrets: {', '.join(close)}" if close else "make output lists the deployed names"
            raise UserError(f"{name} is not a secret of ENV={target.env}; {hint}")
        owner, item = found
        if app and owner.name != app:
            raise UserError(f"{name} belongs to app {owner.name}, not APP={app}; drop APP= or name one of its secrets")
        if item.rotation == "none":
            raise UserError(f"{name} is not opted in to rotation (strategy none); {_opt_in(target)}")
        return [(owner, item)]
    chosen = [(a, item) for a in deployment.selected(app) for item in a.secrets if item.rotation != "none"]
    if not chosen:
        where = f"app {app}" if app else f"ENV={target.env}"
        raise UserError(f"no secret of {where} is opted in to rotation; {_opt_in(target)}")
    return chosen


def rotation_function(app: App, item: Item) -> str:
    """The function that rotates `item`: the app's kit function (generated), or the one its ARN names (lambda)."""
    if item.rotation == "generated":
        if not app.rotation_function_name:
            raise UserError(f"app {app.name} has no rotation function deployed; run make deploy first")
        return app.rotation_function_name
    return str(item.rotation_lambda_arn).rsplit(":", 1)[-1]


def rotate(
    target: Target,
    deployment: Deployment,
    *,
    name: str | None = None,
    app: str | None = None,
    wait: bool = True,
    timeout: float = WAIT_TIMEOUT,
) -> int:
    """Rotate the selected secrets, one after the other; the number not (yet) rotated."""
    chosen = selected(target, deployment, name=name, app=app)
    step(f"rotating {len(chosen)} secret(s) (ENV={target.env})")
    if not name:
        for owner, item in chosen:
            say(f"  {item.name} ({item.rotation}, app {owner.name})")
    unfinished = 0
    for owner, item in chosen:
        outcome = target.rotate(owner, item, rotation_function(owner, item), wait=wait, timeout=timeout)
        say(outcome.message())
        unfinished += outcome.state != "rotated"
    return unfinished
