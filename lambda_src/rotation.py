"""Rotation function for the app's API-key secrets: Secrets Manager's contract, checked as AWS's template does.

Secrets Manager calls it once per step with {"Step", "SecretId", "ClientRequestToken"}, after
RotateSecret has created the token's version of the secret, empty and labelled AWSPENDING.
Before any step, the checks of AWS's generic rotation template (aws-samples/
aws-secrets-manager-rotation-lambdas, SecretsManagerRotationTemplate/lambda_function.py), in
its order:
  1. rotation is enabled on the secret (DescribeSecret's RotationEnabled);
  2. the token is a version of the secret;
  3. that version is already AWSCURRENT: nothing to do (a finished rotation, retried);
  4. that version is not AWSPENDING: refuse (a stray or stale token).
The steps, each safe to run again with the same token:
  createSecret  needs an AWSCURRENT version (the template's rule), except on the first-value
                path: a secret with no AWSCURRENT version at all (created empty, as the secret
                module does by default, with rotation starting at deploy) gets its first
                value here. Then: a new random key as the token's AWSPENDING value, unless
                that version already holds one (a retry keeps it);
  setSecret     nothing to set: an API key issued by this app is checked by this app, against
                the secret itself (a database secret would set the password here);
  testSecret    proves the AWSPENDING value is a KEY_LENGTH-character alphanumeric key that
                differs from the AWSCURRENT value, then runs check_with_issuer (below);
                it does not prove any other service accepts the key;
  finishSecret  moves AWSCURRENT to the token's version (Secrets Manager moves AWSPREVIOUS to
                the old one) and removes AWSPENDING from it, as the template does.
Every error is a RotationError: one line naming the step, the secret and the version, never
a value. It logs names, steps and version ids only. Uses boto3 (in the Lambda runtime); the
role needs DescribeSecret, GetSecretValue, PutSecretValue, UpdateSecretVersionStage on the
secret and GetRandomPassword. Written for this project; see docs/rotation.md.
"""

from __future__ import annotations

import os

KEY_LENGTH = int(os.environ.get("ROTATION_KEY_LENGTH", "40"))
STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")
CURRENT, PENDING = "AWSCURRENT", "AWSPENDING"


class RotationError(Exception):
    """The rotation cannot go on; the message names the step, the secret and the version."""


def check_with_issuer(secret_id: str, pending_value: str) -> None:
    """Hook for apps whose key is issued by another service: raise RotationError if it refuses the key.

    Called by testSecret after the shape checks. This app issues its own keys, so there is
    no one to ask and it does nothing. An app whose key comes from a provider replaces the
    body with a call that authenticates with `pending_value` (and createSecret/setSecret
    with the provider's key issuing). Never put the value in the error message.
    """


def _client():  # noqa: ANN202 (a boto3 client)
    import boto3

    return boto3.client("secretsmanager")


def _log(step: str, secret_id: str, message: str) -> None:
    print(f"rotation {step} {secret_id}: {message}")


def _current(versions: dict[str, list[str]]) -> str | None:
    return next((version for version, stages in versions.items() if CURRENT in stages), None)


def handler(event: dict, context: object) -> None:
    """Check the event against the secret's rotation state, then run one step."""
    step, secret_id, token = event.get("Step"), event.get("SecretId"), event.get("ClientRequestToken")
    if step not in STEPS or not secret_id or not token:
        raise RotationError(f"bad rotation event: Step must be one of {', '.join(STEPS)}, with SecretId and ClientRequestToken")
    from botocore.exceptions import ClientError

    client = _client()
    try:
        _run(client, step, secret_id, token)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        said = " ".join(str(error.get("Message", "")).split())[:300]  # one line, as the service said it (ids, no values)
        raise RotationError(
            f"{step} {secret_id}: {exc.operation_name} failed for version {token} ({error.get('Code', 'ClientError')}: {said})"
        ) from None


def _run(client, step: str, secret_id: str, token: str) -> None:  # noqa: ANN001
    metadata = client.describe_secret(SecretId=secret_id)
    if not metadata.get("RotationEnabled"):
        raise RotationError(f"{step} {secret_id}: rotation is not enabled on the secret; turn it on (RotateSecret)")
    versions = metadata.get("VersionIdsToStages", {})
    if token not in versions:
        raise RotationError(f"{step} {secret_id}: version {token} is not a version of the secret")
    if CURRENT in versions[token]:
        _log(step, secret_id, f"version {token} is already AWSCURRENT, nothing to do")
        return
    if PENDING not in versions[token]:
        raise RotationError(
            f"{step} {secret_id}: version {token} is not AWSPENDING (its stages: {', '.join(versions[token]) or 'none'})"
        )
    {"createSecret": create_secret, "setSecret": set_secret, "testSecret": test_secret, "finishSecret": finish_secret}[step](
        client, secret_id, token, versions
    )


def create_secret(client, secret_id: str, token: str, versions: dict) -> None:  # noqa: ANN001
    """A new random key as the token's AWSPENDING value, unless that version already has one."""
    if _current(versions) is None:
        _log("createSecret", secret_id, "no AWSCURRENT version: the new key will be the secret's first value")
    try:
        client.get_secret_value(SecretId=secret_id, VersionId=token, VersionStage=PENDING)
        _log("createSecret", secret_id, f"version {token} already has a value, kept")
        return
    except client.exceptions.ResourceNotFoundException:
        pass  # the empty version RotateSecret made: fill it
    value = client.get_random_password(PasswordLength=KEY_LENGTH, ExcludePunctuation=True)["RandomPassword"]
    client.put_secret_value(SecretId=secret_id, ClientRequestToken=token, SecretString=value, VersionStages=[PENDING])
    _log("createSecret", secret_id, f"new key stored as version {token} (AWSPENDING)")


def set_secret(client, secret_id: str, token: str, versions: dict) -> None:  # noqa: ANN001
    """Nothing to set: the API key is checked by this app itself, against the secret."""
    _log("setSecret", secret_id, "no downstream service to update")


def test_secret(client, secret_id: str, token: str, versions: dict) -> None:  # noqa: ANN001
    """The pending value has the key's shape and differs from the current one; then the issuer hook."""
    pending = client.get_secret_value(SecretId=secret_id, VersionId=token, VersionStage=PENDING)["SecretString"]
    if len(pending) != KEY_LENGTH or not pending.isalnum():
        raise RotationError(f"testSecret {secret_id}: version {token} is not a {KEY_LENGTH}-character alphanumeric key")
    current_id = _current(versions)
    if current_id and client.get_secret_value(SecretId=secret_id, VersionId=current_id)["SecretString"] == pending:
        raise RotationError(f"testSecret {secret_id}: version {token} holds the same value as AWSCURRENT {current_id}")
    check_with_issuer(secret_id, pending)
    _log("testSecret", secret_id, f"version {token} has the key's shape and differs from AWSCURRENT")


def finish_secret(client, secret_id: str, token: str, versions: dict) -> None:  # noqa: ANN001
    """Move AWSCURRENT to the token's version, then take AWSPENDING off it (the template's two calls)."""
    current_id = _current(versions)
    moved_from = {"RemoveFromVersionId": current_id} if current_id else {}
    client.update_secret_version_stage(SecretId=secret_id, VersionStage=CURRENT, MoveToVersionId=token, **moved_from)
    client.update_secret_version_stage(SecretId=secret_id, VersionStage=PENDING, RemoveFromVersionId=token)
    _log("finishSecret", secret_id, f"AWSCURRENT moved from {current_id or 'no version'} to {token}")
