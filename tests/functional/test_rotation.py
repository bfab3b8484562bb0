"""The rotation function (lambda_src/rotation.py), run as deployed through the local runner, against moto."""

from __future__ import annotations

import sys
import threading
import time
import uuid
from pathlib import Path

import boto3
import pytest

from scripts import package
from scripts.sandbox import rotate_secret, runner, server
from scripts.sandbox.extension_emulator import Backend, Emulator, Settings, make_server
from tests.conftest import ROOT, free_port
from tests.functional.conftest import client, deploy_function

sys.path.insert(0, str(ROOT / "lambda_src"))
import secrets_client  # noqa: E402

SECRET = "/rot/app/secrets/api_key"
FIRST = "CANARY-first-value"


@pytest.fixture(scope="module")
def rotation_fn(moto_endpoint: str) -> str:
    package.build()  # the runner checks the deployed code against build/function.zip
    client(moto_endpoint, "secretsmanager").create_secret(Name=SECRET, SecretString=FIRST)
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": "arn:aws:secretsmanager:*:*:secret:/rot/app/*",
            }
        ],
    }
    deploy_function(moto_endpoint, "rot-app", package.FUNCTION_ZIP.read_bytes(), policy=policy, env={})
    deploy_function(moto_endpoint, "rot-app-rotate", package.FUNCTION_ZIP.read_bytes(), timeout=30)
    lam = client(moto_endpoint, "lambda")
    lam.update_function_configuration(FunctionName="rot-app-rotate", Handler="rotation.handler")
    return "rot-app-rotate"


@pytest.fixture(autouse=True)
def logs_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "LOG_DIR", tmp_path / "logs")


def _stages(endpoint: str) -> dict[str, list[str]]:
    return client(endpoint, "secretsmanager").describe_secret(SecretId=SECRET)["VersionIdsToStages"]


def _value(endpoint: str, **selector: str) -> str:
    return client(endpoint, "secretsmanager").get_secret_value(SecretId=SECRET, **selector)["SecretString"]


def _rotate(function: str, endpoint: str) -> str:
    """One rotation as `make rotate` runs it in the sandbox."""

    def invoke_step(event: dict) -> tuple:
        outcome = runner.invoke(function, event, endpoint=endpoint)
        return outcome.error, outcome.log_path

    return rotate_secret.rotate_secret(server.client(endpoint, "secretsmanager", "us-east-1"), invoke_step, SECRET)


def _step(function: str, endpoint: str, step: str, token: str) -> runner.Invocation:
    return runner.invoke(function, {"Step": step, "SecretId": SECRET, "ClientRequestToken": token}, endpoint=endpoint)


def test_a_rotation_moves_current_and_keeps_previous(rotation_fn: str, moto_endpoint: str) -> None:
    """After the four steps: a new 40-character key is AWSCURRENT, the old value is AWSPREVIOUS, no AWSPENDING left."""
    before = _value(moto_endpoint, VersionStage="AWSCURRENT")
    token = _rotate(rotation_fn, moto_endpoint)
    stages = _stages(moto_endpoint)
    assert stages[token] == ["AWSCURRENT"]
    new = _value(moto_endpoint, VersionStage="AWSCURRENT")
    assert len(new) == 40 and new.isalnum() and new != before
    assert _value(moto_endpoint, VersionStage="AWSPREVIOUS") == before


def test_every_step_is_safe_to_rerun(rotation_fn: str, moto_endpoint: str) -> None:
    """createSecret twice keeps the first pending value; finishSecret twice leaves one AWSCURRENT."""
    token = str(uuid.uuid4())
    assert _step(rotation_fn, moto_endpoint, "createSecret", token).error is None
    pending = _value(moto_endpoint, VersionId=token, VersionStage="AWSPENDING")
    assert _step(rotation_fn, moto_endpoint, "createSecret", token).error is None
    assert _value(moto_endpoint, VersionId=token, VersionStage="AWSPENDING") == pending
    for step in ("setSecret", "testSecret", "finishSecret", "finishSecret"):
        assert _step(rotation_fn, moto_endpoint, step, token).error is None, step
    current = [v for v, stages in _stages(moto_endpoint).items() if "AWSCURRENT" in stages]
    assert current == [token] and _value(moto_endpoint, VersionStage="AWSCURRENT") == pending


def test_a_bad_event_and_a_stray_token_are_refused(rotation_fn: str, moto_endpoint: str) -> None:
    """An unknown step, or a later step for a version that is not AWSPENDING, fails with the reason."""
    result = runner.invoke(
        rotation_fn, {"Step": "dropSecret", "SecretId": SECRET, "ClientRequestToken": "t"}, endpoint=moto_endpoint
    )
    assert result.error["errorType"] == "RotationError"
    result = _step(rotation_fn, moto_endpoint, "testSecret", str(uuid.uuid4()))
    assert result.error["errorType"] == "RotationError" and "is not AWSPENDING" in result.error["errorMessage"]


def test_a_warm_function_sees_the_new_value_after_its_ttl_and_can_read_previous(
    rotation_fn: str, moto_endpoint: str, aws_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the extension (TTL 3 s): the old value until the TTL passes, then the new one; AWSPREVIOUS stays readable."""
    port = free_port()
    emulator = Emulator(Settings(http_port=port, secrets_ttl=3), Backend("rot-app"), "token")
    emulator.invoked.set()
    server = make_server(emulator)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", str(port))
    monkeypatch.setenv("AWS_SESSION_TOKEN", "token")
    monkeypatch.setenv("SECRETS_CLIENT_TTL", "3")
    try:
        warm = secrets_client.SecretsClient(backend="extension")
        old = warm.get_secret(SECRET)
        read_at = time.monotonic()
        _rotate(rotation_fn, moto_endpoint)
        assert time.monotonic() - read_at < 3, "the rotation took longer than the TTL: the test proves nothing"
        assert warm.get_secret(SECRET) == old  # within the TTL: the cached value
        time.sleep(max(0.0, 3.1 - (time.monotonic() - read_at)))
        new = warm.get_secret(SECRET)
        assert new != old and new == _value(moto_endpoint, VersionStage="AWSCURRENT")
        assert warm.get_secret(SECRET, version_stage="AWSPREVIOUS") == old
    finally:
        server.shutdown()
        server.server_close()
        boto3.setup_default_session()
