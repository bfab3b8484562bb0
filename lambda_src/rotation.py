"""Rotation function for the app's API-key secrets: Secrets Manager's four steps, each safe to re-run.

Secrets Manager invokes it with {"Step", "SecretId", "ClientRequestToken"} for each step:
  createSecret  put a new random value as the AWSPENDING version (token = version id),
                unless that version already exists;
  setSecret     hand the new value to the service that checks it. An API key issued by
                this app has no such service, so there is nothing to do (a database
                secret would set the password here);
  testSecret    read the AWSPENDING version back and check it is a usable key;
  finishSecret  move AWSCURRENT to the new version (AWSPREVIOUS follows the old one),
                unless it is already there.
It logs names, steps and version ids, never a value. Uses the AWS SDK (boto3 is in the
Lambda runtime); the role needs DescribeSecret, GetSecretValue, PutSecretValue,
UpdateSecretVersionStage on the secret and GetRandomPassword.
"""

from __future__ import annotations

import os

KEY_LENGTH = int(os.environ.get("ROTATION_KEY_LENGTH", "40"))
STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")


class RotationError(Exception):
    """The rotation cannot go on; the message names the secret and the step."""


def _client():  # noqa: ANN202 (a boto3 client)
    import boto3

    return boto3.client("secretsmanager")


def _log(step: str, secret_id: str, message: str) -> None:
    print(f"rotation {step} {secret_id}: {message}")


def handler(event: dict, context: object) -> None:
    """Run one rotation step."""
    step, secret_id, token = event.get("Step"), event.get("SecretId"), event.get("ClientRequestToken")
    if step not in STEPS or not secret_id or not token:
        raise RotationError(f"bad rotation event: Step must be one of {', '.join(STEPS)}, with SecretId and ClientRequestToken")
    client = _client()
    versions = client.describe_secret(SecretId=secret_id).get("VersionIdsToStages", {})
    if "AWSCURRENT" in versions.get(token, []):
        _log(step, secret_id, f"version {token} is already AWSCURRENT, nothing to do")
        return
    # Secrets Manager labels the new version AWSPENDING before createSecret; tolerate its
    # absence there only (then createSecret makes the version).
    if step != "createSecret" and "AWSPENDING" not in versions.get(token, []):
        raise RotationError(f"{step} {secret_id}: version {token} is not AWSPENDING")
    {"createSecret": create_secret, "setSecret": set_secret, "testSecret": test_secret, "finishSecret": finish_secret}[step](
        client, secret_id, token, versions
    )


def create_secret(client, secret_id: str, token: str, versions: dict) -> None:  # noqa: ANN001
    """A new random value as AWSPENDING, unless the pending version already has one."""
    try:
        client.get_secret_value(SecretId=secret_id, VersionId=token, VersionStage="AWSPENDING")
        _log("createSecret", secret_id, f"version {token} already has a value")
        return
    except client.exceptions.ResourceNotFoundException:
        pass
    value = client.get_random_password(PasswordLength=KEY_LENGTH, ExcludePunctuation=True)["RandomPassword"]
    client.put_secret_value(SecretId=secret_id, ClientRequestToken=token, SecretString=value, VersionStages=["AWSPENDING"])
    _log("createSecret", secret_id, f"new value stored as version {token} (AWSPENDING)")


def set_secret(client, secret_id: str, token: str, versions: dict) -> None:  # noqa: ANN001
    """Nothing to set: the API key is checked by this app itself, against the secret."""
    _log("setSecret", secret_id, "no downstream service to update")


def test_secret(client, secret_id: str, token: str, versions: dict) -> None:  # noqa: ANN001
    """The pending value exists, has the expected shape, and differs from the current one."""
    pending = client.get_secret_value(SecretId=secret_id, VersionId=token, VersionStage="AWSPENDING")["SecretString"]
    if len(pending) < KEY_LENGTH or not pending.isalnum():
        raise RotationError(f"testSecret {secret_id}: version {token} is not a {KEY_LENGTH}-character alphanumeric key")
    current_id = next((v for v, stages in versions.items() if "AWSCURRENT" in stages), None)
    if current_id and client.get_secret_value(SecretId=secret_id, VersionId=current_id)["SecretString"] == pending:
        raise RotationError(f"testSecret {secret_id}: the pending value equals the current one")
    _log("testSecret", secret_id, f"version {token} is a usable key")


def finish_secret(client, secret_id: str, token: str, versions: dict) -> None:  # noqa: ANN001
    """Move AWSCURRENT to the new version; Secrets Manager moves AWSPREVIOUS to the old one."""
    current_id = next((v for v, stages in versions.items() if "AWSCURRENT" in stages), None)
    kwargs = {"RemoveFromVersionId": current_id} if current_id else {}
    client.update_secret_version_stage(SecretId=secret_id, VersionStage="AWSCURRENT", MoveToVersionId=token, **kwargs)
    _log("finishSecret", secret_id, f"AWSCURRENT moved from {current_id} to {token}")
