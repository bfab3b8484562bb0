"""Rotate the app's secrets now.

    make rotate [ENV=sandbox|dev|prod]

AWS: secretsmanager:RotateSecret for each secret; Secrets Manager runs the rotation function
(lambda_src/rotation.py) through its four steps.
Sandbox: moto cannot run the function, so this script plays Secrets Manager's part: a new
version id, the four steps run through the local runner (the deployed rotation function,
as deployed), then the AWSPENDING label removed from the finished version. A failed step
stops the rotation with the step named; running make rotate again starts a new one safely
(every step is idempotent). Prints version ids, never values.
"""

from __future__ import annotations

import argparse
import os
import uuid

from scripts import aws
from scripts.common import UserError, check_env, run_main, say, step

STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")


def rotate_in_sandbox(function: str, secret_id: str, endpoint: str, region: str) -> str:
    """Run the four steps of one rotation through the local runner; return the new version id."""
    from scripts.sandbox import runner

    token = str(uuid.uuid4())
    for name in STEPS:
        outcome = runner.invoke(
            function, {"Step": name, "SecretId": secret_id, "ClientRequestToken": token}, endpoint=endpoint, region=region
        )
        if outcome.error is not None:
            raise UserError(
                f"rotation of {secret_id} failed at {name} ({outcome.error.get('errorType')}: "
                f"{outcome.error.get('errorMessage')}); see {outcome.log_path}; make rotate starts a new one"
            )
        say(f"  {secret_id}: {name} done ({outcome.duration_ms:.0f} ms)")
    import boto3

    client = boto3.client(
        "secretsmanager", region_name=region, endpoint_url=endpoint, aws_access_key_id="sandbox", aws_secret_access_key="sandbox"
    )
    client.update_secret_version_stage(SecretId=secret_id, VersionStage="AWSPENDING", RemoveFromVersionId=token)
    return token


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--env", default=os.environ.get("ENV", "sandbox"), help="sandbox (default), dev or prod")
    args = parser.parse_args()
    env = check_env(args.env)
    from scripts.tf import outputs

    stack = outputs(env)
    function = stack.get("rotation_function_name")
    if not function:
        raise UserError(f"rotation is off for ENV={env}: set rotation = {{ enabled = true }} in the stack call, then make deploy")
    step(f"rotating {len(stack['secret_names'])} secret(s) (ENV={env})")
    for secret_id in sorted(stack["secret_names"].values()):
        if env == "sandbox":
            from scripts.sandbox.server import require_up

            version = rotate_in_sandbox(function, secret_id, require_up(), stack["region"])
        else:
            version = aws.client(env, "secretsmanager", stack["region"]).rotate_secret(SecretId=secret_id)["VersionId"]
        say(f"{secret_id}: rotated, AWSCURRENT is now version {version} (the old one is AWSPREVIOUS)")
    return 0


if __name__ == "__main__":
    run_main(main)
