"""Rotate the app's secrets now (the command is `make rotate`, scripts/cli.py rotate).

AWS: Secrets Manager's RotateSecret for each secret; Secrets Manager runs the rotation
function (lambda_src/rotation.py) through its four steps.
Sandbox: moto cannot run the function, so the sandbox plays Secrets Manager's part
(scripts/sandbox/rotate_secret.py) with the deployed rotation function run by the local
runner. Prints version ids, never values.
"""

from __future__ import annotations

from scripts.common import UserError, say, step
from scripts.flows import deploy
from scripts.targets import Target


def rotate(target: Target) -> None:
    """Rotate every secret of the deployed stack, one after the other."""
    stack = deploy.stack(target)
    if not stack.get("rotation_function_name"):
        raise UserError(
            f"rotation is off for ENV={target.env}: set rotation = {{ enabled = true }} in the stack call, then make deploy"
        )
    step(f"rotating {len(stack['secret_names'])} secret(s) (ENV={target.env})")
    for secret_id in sorted(stack["secret_names"].values()):
        say(target.rotate(stack, secret_id))
