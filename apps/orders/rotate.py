"""The orders app's own rotation function: an example of rotation strategy "lambda" (your function, by ARN).

The payment provider issues the orders app's token, so the kit cannot make one up (its
"generated" strategy writes random text): this function asks the provider for a new token,
following AWS's generic rotation template (aws-samples/aws-secrets-manager-rotation-lambdas,
SecretsManagerRotationTemplate): the same four checks before any step, then the four steps.
The tfvars entry names it by ARN:

    "secrets/payment_token" = {
      rotation = { strategy = "lambda", lambda_arn = "arn:aws:lambda:...:function:<name>", days = 30 }
    }

On AWS you deploy it yourself (its role: DescribeSecret, GetSecretValue, PutSecretValue and
UpdateSecretVersionStage on the secret, and a permission for secretsmanager.amazonaws.com to
invoke it). The sandbox deploys it from this folder (handler rotate.handler) under the name
the ARN gives (terraform/envs/sandbox/user_rotation.tf), and `make rotate` runs its steps.

Here the provider is a stand-in (issue_token, provider_accepts): replace both with your
provider's API. Logs names and version ids, never a token.
"""

from __future__ import annotations

import secrets
from typing import Any

import boto3

CURRENT, PENDING = "AWSCURRENT", "AWSPENDING"
TOKEN_PREFIX = "pt_"  # the stand-in provider's token shape: pt_ and 43 URL-safe characters


def issue_token() -> str:
    """Ask the payment provider for a new token (a stand-in: yours calls the provider's API)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def provider_accepts(token: str) -> bool:
    """Ask the provider whether the token works (a stand-in: yours authenticates with it)."""
    return token.startswith(TOKEN_PREFIX) and len(token) == len(TOKEN_PREFIX) + 43


def handler(event: dict, context: object) -> None:
    """One rotation step, after the template's checks of the token against the secret's versions."""
    arn, token, step = event["SecretId"], event["ClientRequestToken"], event["Step"]
    client = boto3.client("secretsmanager")
    metadata = client.describe_secret(SecretId=arn)
    if not metadata.get("RotationEnabled"):
        raise ValueError(f"secret {arn} is not enabled for rotation")
    versions = metadata["VersionIdsToStages"]
    if token not in versions:
        raise ValueError(f"secret version {token} has no stage for rotation of secret {arn}")
    if CURRENT in versions[token]:
        print(f"secret version {token} already set as AWSCURRENT for secret {arn}")
        return
    if PENDING not in versions[token]:
        raise ValueError(f"secret version {token} not set as AWSPENDING for rotation of secret {arn}")
    steps = {"createSecret": create_secret, "setSecret": set_secret, "testSecret": test_secret, "finishSecret": finish_secret}
    if step not in steps:
        raise ValueError(f"invalid step parameter {step}")
    steps[step](client, arn, token)


def create_secret(client: Any, arn: str, token: str) -> None:
    """A new token from the provider as the AWSPENDING version, unless a retry already put one."""
    client.get_secret_value(SecretId=arn, VersionStage=CURRENT)  # the template: the current secret must exist
    try:
        client.get_secret_value(SecretId=arn, VersionId=token, VersionStage=PENDING)
        print(f"createSecret: version {token} of {arn} already has a token, kept")
    except client.exceptions.ResourceNotFoundException:
        client.put_secret_value(SecretId=arn, ClientRequestToken=token, SecretString=issue_token(), VersionStages=[PENDING])
        print(f"createSecret: new provider token stored as version {token} of {arn}")


def set_secret(client: Any, arn: str, token: str) -> None:
    """Nothing to set: the provider issued the token itself in createSecret."""
    print(f"setSecret: the provider issued version {token}'s token, nothing to set")


def test_secret(client: Any, arn: str, token: str) -> None:
    """The provider accepts the pending token."""
    pending = client.get_secret_value(SecretId=arn, VersionId=token, VersionStage=PENDING)["SecretString"]
    if not provider_accepts(pending):
        raise ValueError(f"testSecret: the provider refuses version {token} of {arn}")
    print(f"testSecret: the provider accepts version {token}")


def finish_secret(client: Any, arn: str, token: str) -> None:
    """AWSCURRENT to the new version (AWSPREVIOUS follows), then AWSPENDING off it."""
    versions = client.describe_secret(SecretId=arn)["VersionIdsToStages"]
    current = next((version for version, stages in versions.items() if CURRENT in stages), None)
    client.update_secret_version_stage(SecretId=arn, VersionStage=CURRENT, MoveToVersionId=token, RemoveFromVersionId=current)
    client.update_secret_version_stage(SecretId=arn, VersionStage=PENDING, RemoveFromVersionId=token)
    print(f"finishSecret: AWSCURRENT moved from {current} to {token} for {arn}")
