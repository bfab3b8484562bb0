"""The sandbox's RotateSecret: moto records the rotation, the local runner runs the function's steps.

moto 5.2.5 cannot run a function (no Docker), and its RotateSecret differs from AWS's where it
matters here, so rotate() plays Secrets Manager's part, in AWS's order:
  1. refuse while another version is AWSPENDING (a rotation running or left unfinished), as
     RotateSecret does, with the command that clears it;
  2. refuse a secret with no rotation function (none configured and none given), as RotateSecret
     does, and a secret with no version at all (below);
  3. moto's RotateSecret with the function's ARN, RotationRules and RotateImmediately=True:
     the secret gets RotationEnabled, and the token's version is created empty and AWSPENDING;
     moto "invokes" the function through its Docker-less Lambda, which runs no code;
  4. the four steps, in order, through invoke_step (the local runner in `make rotate`), each
     event naming the secret by its ARN as Secrets Manager's do; the first failure stops the
     rotation and leaves the token AWSPENDING, as on AWS.
Where the sandbox differs from AWS (docs/rotation.md):
  - the schedule: moto knows only RotationRules.AutomaticallyAfterDays. A secret's `days` is
    recorded as declared; a schedule_expression is not played (schedule() says what stands in
    for it); duration and rotate_immediately are not played either: the sandbox never rotates
    by itself, `make rotate` rotates now;
  - it runs synchronously and once: AWS runs the steps asynchronously and retries a failed
    rotation by itself, with the same token (retry() plays one such retry);
  - a secret with no version: AWS creates the empty AWSPENDING version and the function
    gives the secret its first value; moto answers RotateSecret with HTTP 500, so the
    sandbox refuses and says to put a value first;
  - AWSPENDING left on the AWSCURRENT version (finishSecret stopped between its two calls)
    does not block AWS's RotateSecret but makes moto's refuse: it is taken off first;
  - moto points the secret's default version at the new, empty one at once: a read without
    a stage or version fails until finishSecret (reads by AWSCURRENT, as the extension
    emulator makes, are right).
Version ids only in every message, never values.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scripts.common import UserError
from scripts.rotation_status import (
    CURRENT,
    PENDING,
    clear_command,
    current_version,
    refuse_if_pending,
    stuck_pending,
    versions_of,
)

STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")
DEFAULT_DAYS = 30  # what the sandbox records for a schedule it cannot express in days

# invoke_step(event) -> (error as Lambda reports it (errorType, errorMessage) or None, log path)
InvokeStep = Callable[[dict[str, str]], tuple[dict[str, Any] | None, Path | str | None]]


def rotate(
    client: Any,
    secret_id: str,
    invoke_step: InvokeStep,
    *,
    rotation_lambda_arn: str | None = None,
    rotation_days: int = DEFAULT_DAYS,
    token: str | None = None,
    region: str | None = None,
) -> str:
    """One rotation of `secret_id`, as RotateSecret then Secrets Manager would run it; return the new version id."""
    token = begin(
        client, secret_id, rotation_lambda_arn=rotation_lambda_arn, rotation_days=rotation_days, token=token, region=region
    )
    return run_steps(client, secret_id, token, invoke_step, region=region)


def begin(
    client: Any,
    secret_id: str,
    *,
    rotation_lambda_arn: str | None = None,
    rotation_days: int = DEFAULT_DAYS,
    token: str | None = None,
    region: str | None = None,
) -> str:
    """RotateSecret's own part (steps 1-3 above): the refusals, then the empty AWSPENDING version; return the token."""
    metadata = client.describe_secret(SecretId=secret_id)
    versions = metadata.get("VersionIdsToStages", {})
    refuse_if_pending(versions, secret_id, region)
    function_arn = rotation_lambda_arn or metadata.get("RotationLambdaARN")
    if not function_arn:
        raise UserError(
            f"{secret_id}: RotateSecret refused: no rotation function is configured for the secret; "
            'declare a rotation with the secret (rotation = { strategy = "generated", days = 30 }), then make deploy'
        )
    if not versions:
        raise UserError(
            f"{secret_id}: the secret has no value yet; on AWS its first rotation would give it a random key, "
            "but the sandbox (moto) cannot stage that rotation: set a value first (make put-secret)"
        )
    current = current_version(versions)
    if current and PENDING in versions[current]:  # moto refuses here, AWS does not (module docstring)
        client.update_secret_version_stage(SecretId=secret_id, VersionStage=PENDING, RemoveFromVersionId=current)
    token = token or str(uuid.uuid4())
    client.rotate_secret(
        SecretId=secret_id,
        ClientRequestToken=token,
        RotationLambdaARN=function_arn,
        RotationRules={"AutomaticallyAfterDays": rotation_days},
        RotateImmediately=True,
    )
    return token


def retry(client: Any, secret_id: str, invoke_step: InvokeStep, *, region: str | None = None) -> str:
    """What Secrets Manager does after a failed step: the whole rotation again, with the same token."""
    token = stuck_pending(versions_of(client, secret_id))
    if token is None:
        raise UserError(f"{secret_id}: no version is AWSPENDING: there is no rotation to retry (make rotate starts one)")
    return run_steps(client, secret_id, token, invoke_step, region=region)


def schedule(days: int | None, schedule_expression: str | None) -> tuple[int, str]:
    """The AutomaticallyAfterDays the sandbox records for a declared schedule, and what it says about it (or "").

    moto 5.2.5 knows RotationRules.AutomaticallyAfterDays only (provider 3.39's rotation rules
    too): `days` is recorded as declared; `rate(N days)` as N days; any other expression (hours,
    cron) is not played and DEFAULT_DAYS stands in, said once.
    """
    if days is not None:
        return int(days), ""
    if schedule_expression:
        match = re.fullmatch(r"rate\(\s*(\d+)\s+days?\s*\)", schedule_expression.strip())
        if match and 1 <= int(match.group(1)) <= 1000:
            return int(match.group(1)), ""
        return DEFAULT_DAYS, (
            f"schedule_expression {schedule_expression} is not played in the sandbox (moto knows only days): "
            f"rotation enabled with AutomaticallyAfterDays={DEFAULT_DAYS} instead; make rotate rotates now"
        )
    return DEFAULT_DAYS, ""


def run_steps(client: Any, secret_id: str, token: str, invoke_step: InvokeStep, *, region: str | None = None) -> str:
    """The four steps for `token`; the first failure stops the rotation and leaves the token AWSPENDING.

    Each event names the secret by its ARN: "SecretId – The ARN of the secret to rotate" (AWS,
    Rotation by Lambda function).
    """
    arn = client.describe_secret(SecretId=secret_id)["ARN"]
    for name in STEPS:
        error, log_path = invoke_step({"Step": name, "SecretId": arn, "ClientRequestToken": token})
        if error is not None:
            raise UserError(
                f"{secret_id}: rotation failed at {name} ({error.get('errorType')}: {error.get('errorMessage')}); "
                f"log: {log_path}; version {token} stays AWSPENDING and the next rotation is refused until it "
                f"is cleared: {clear_command(secret_id, token, region)}"
            )
    stages = versions_of(client, secret_id).get(token, [])
    if CURRENT not in stages:
        raise UserError(
            f"{secret_id}: the four steps ran but version {token} is not AWSCURRENT (its stages: "
            f"{', '.join(stages) or 'none'}); the rotation function did not finish the rotation"
        )
    return token
