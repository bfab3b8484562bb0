"""scripts/rotation_status.py: a rotation's outcome read from the labels, waiting with progress, the refusal while pending.

The rotation's progress is played with the Secrets Manager API on moto (the helpers only read
labels); moto's own RotateSecret cannot stand for AWS's here (without RotationLambdaARN it drops
the configured function and labels the empty version AWSCURRENT), so start()'s call is checked
with a stub client, and its refusal against moto.
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid

import pytest

from scripts import rotation_status
from scripts.common import UserError
from tests.functional.conftest import client, deploy_function, zip_of


@pytest.fixture(scope="module")
def function_arn(moto_endpoint: str) -> str:
    """A function for moto's RotateSecret to point at (moto runs no code without Docker)."""
    deploy_function(moto_endpoint, "rot-status-fn", zip_of({"handler.py": "def handler(event, context):\n    pass\n"}))
    return client(moto_endpoint, "lambda").get_function(FunctionName="rot-status-fn")["Configuration"]["FunctionArn"]


@pytest.fixture
def sm(moto_endpoint: str):  # noqa: ANN201 (a boto3 client)
    return client(moto_endpoint, "secretsmanager")


def pending_rotation(sm, function_arn: str) -> tuple[str, str, str]:  # noqa: ANN001
    """A secret with a value and a rotation started: (secret, token, the AWSCURRENT version)."""
    secret = f"/rot/status/secrets/k{uuid.uuid4().hex[:12]}"
    current = sm.create_secret(Name=secret, SecretString=secrets.token_hex(20))["VersionId"]
    token = str(uuid.uuid4())
    sm.rotate_secret(
        SecretId=secret,
        ClientRequestToken=token,
        RotationLambdaARN=function_arn,
        RotationRules={"AutomaticallyAfterDays": 30},
        RotateImmediately=True,
    )
    return secret, token, current


def finish(sm, secret: str, token: str, current: str) -> None:  # noqa: ANN001
    """What the rotation function's steps leave: a value, AWSCURRENT moved, AWSPENDING removed."""
    sm.put_secret_value(
        SecretId=secret, ClientRequestToken=token, SecretString=secrets.token_hex(20), VersionStages=["AWSPENDING"]
    )
    sm.update_secret_version_stage(SecretId=secret, VersionStage="AWSCURRENT", MoveToVersionId=token, RemoveFromVersionId=current)
    sm.update_secret_version_stage(SecretId=secret, VersionStage="AWSPENDING", RemoveFromVersionId=token)


def test_wait_reports_progress_and_returns_rotated_when_the_token_is_current(sm, function_arn: str) -> None:
    """While the token is AWSPENDING: a progress line; once it is AWSCURRENT: 'rotated' with the token."""
    secret, token, current = pending_rotation(sm, function_arn)
    timer = threading.Timer(0.6, finish, (sm, secret, token, current))
    timer.start()
    lines: list[str] = []
    started = time.monotonic()
    outcome = rotation_status.wait(sm, secret, token, timeout=20, interval=0.1, report=lines.append)
    timer.join()
    assert outcome.state == "rotated" and outcome.token == token and time.monotonic() - started >= 0.6
    assert lines and lines[0] == f"  {secret}: version {token} AWSPENDING, rotating (0 s of at most 20 s)"
    assert outcome.message() == f"{secret}: rotated, AWSCURRENT is now version {token} (the old one is AWSPREVIOUS)"


def test_wait_gives_up_after_its_timeout_with_the_command_that_clears_the_pending_version(sm, function_arn: str) -> None:
    """A rotation that never finishes: 'pending' after the timeout, the message ends with the clear command."""
    secret, token, _ = pending_rotation(sm, function_arn)
    outcome = rotation_status.wait(sm, secret, token, region="eu-west-1", timeout=0.5, interval=0.1, report=lambda _: None)
    assert outcome.state == "pending" and outcome.seconds >= 0.5
    command = (
        f"aws secretsmanager update-secret-version-stage --secret-id {secret} --version-stage AWSPENDING "
        f"--remove-from-version-id {token} --region eu-west-1"
    )
    assert outcome.clear == command and outcome.message().endswith(command)


def test_check_without_waiting_and_an_abandoned_rotation(sm, function_arn: str) -> None:
    """--no-wait reads the state once: pending; after the pending label is cleared: abandoned."""
    secret, token, _ = pending_rotation(sm, function_arn)
    assert rotation_status.check(sm, secret, token).state == "pending"
    sm.update_secret_version_stage(SecretId=secret, VersionStage="AWSPENDING", RemoveFromVersionId=token)
    outcome = rotation_status.check(sm, secret, token)
    assert outcome.state == "abandoned" and "abandoned" in outcome.message() and not outcome.clear


def test_start_refuses_while_another_version_is_pending_and_calls_nothing(sm, function_arn: str) -> None:
    """A stuck AWSPENDING: one line with the clear command, and no RotateSecret sent (moto would accept it)."""
    secret, token, _ = pending_rotation(sm, function_arn)
    before = sm.describe_secret(SecretId=secret)["VersionIdsToStages"]
    with pytest.raises(UserError) as refusal:
        rotation_status.start(sm, secret, region="eu-west-1")
    assert str(refusal.value).endswith(rotation_status.clear_command(secret, token, "eu-west-1"))
    assert sm.describe_secret(SecretId=secret)["VersionIdsToStages"] == before


class _StubClient:
    """Unit stub for start(): DescribeSecret answers the given labels; RotateSecret records its arguments."""

    def __init__(self, versions: dict[str, list[str]]) -> None:
        self.versions, self.calls = versions, []

    def describe_secret(self, SecretId: str) -> dict:  # noqa: N803 (boto3's argument names)
        return {"VersionIdsToStages": self.versions}

    def rotate_secret(self, **kwargs: str) -> dict:
        self.calls.append(kwargs)
        return {"VersionId": "new-token"}


def test_start_sends_rotate_secret_with_the_configured_rotation_only() -> None:
    """start() asks RotateSecret with the secret id alone (the configuration is Terraform's) and returns the token."""
    stub = _StubClient({"v1": ["AWSCURRENT", "AWSPENDING"]})  # AWSPENDING on AWSCURRENT: not a stuck rotation
    assert rotation_status.start(stub, "/dev/app/secrets/key") == "new-token"
    assert stub.calls == [{"SecretId": "/dev/app/secrets/key"}]


def test_the_no_wait_line_names_the_token_and_how_to_look_again() -> None:
    """--no-wait says the rotation only started, and gives the command that shows the labels."""
    line = rotation_status.started_message("/dev/app/secrets/key", "t-1", "eu-west-1")
    assert line.startswith("/dev/app/secrets/key: rotation started, version t-1 is AWSPENDING;")
    assert line.endswith(
        "aws secretsmanager describe-secret --secret-id /dev/app/secrets/key --query VersionIdsToStages --region eu-west-1"
    )
