"""Rotate the app's secrets now (the command is `make rotate`, scripts/cli.py rotate).

AWS: RotateSecret for each secret. It only starts a rotation: Secrets Manager runs the
rotation function's four steps asynchronously (and retries a failed one by itself); this
waits for each with progress and reports the outcome from the secret's labels
(scripts/rotation_status.py), or reports at once with NO_WAIT=1.
Sandbox: moto cannot run the function, so scripts/sandbox/rotate_secret.py plays
RotateSecret (its refusals, rotation enabled, the token's empty AWSPENDING version) and runs
the four steps through the local runner.
Either way a failed rotation leaves its version AWSPENDING and every later rotation of that
secret is refused until it is cleared: the message gives the command (docs/rotation.md).
Prints version ids, never values.
"""

from __future__ import annotations

from scripts.common import UserError, say, step
from scripts.flows import deploy
from scripts.rotation_status import WAIT_TIMEOUT
from scripts.targets import Target


def rotate(target: Target, *, wait: bool = True, timeout: float = WAIT_TIMEOUT) -> int:
    """Rotate every secret of the deployed stack, one after the other; the number not (yet) rotated."""
    stack = deploy.stack(target)
    if not stack.get("rotation_function_name"):
        raise UserError(
            f"rotation is off for ENV={target.env}: set rotation = {{ enabled = true }} in the stack call, then make deploy"
        )
    step(f"rotating {len(stack['secret_names'])} secret(s) (ENV={target.env})")
    unfinished = 0
    for secret_id in sorted(stack["secret_names"].values()):
        outcome = target.rotate(stack, secret_id, wait=wait, timeout=timeout)
        say(outcome.message())
        unfinished += outcome.state != "rotated"
    return unfinished
