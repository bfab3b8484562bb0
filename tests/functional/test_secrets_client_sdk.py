"""lambda_src/secrets_client.py's SDK path, against a real moto server (no extension attached)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import boto3
import pytest
import secrets_client  # noqa: E402
from botocore.stub import Stubber

from tests.conftest import ROOT


@pytest.fixture
def sdk(aws_env: str) -> secrets_client.SecretsClient:
    boto3.client("secretsmanager").create_secret(Name="/sdk/app/secrets/json", SecretString='{"k": 1}')
    ssm = boto3.client("ssm")
    for name, value in (("/sdk/app/config/a", "1"), ("/sdk/app/config/b", "2"), ("/sdk/app/config/deep/c", "3")):
        ssm.put_parameter(Name=name, Value=value, Type="SecureString", Overwrite=True)
    yield secrets_client.SecretsClient(backend="sdk")
    boto3.client("secretsmanager").delete_secret(SecretId="/sdk/app/secrets/json", ForceDeleteWithoutRecovery=True)


def test_sdk_reads_secret_and_parameters_by_path(sdk: secrets_client.SecretsClient) -> None:
    """Without an extension: the secret with JSON transform, every parameter under a path (decrypted)."""
    assert sdk.get_secret("/sdk/app/secrets/json", transform="json") == {"k": 1}
    assert sdk.get_parameters_by_path("/sdk/app/config") == {
        "/sdk/app/config/a": "1",
        "/sdk/app/config/b": "2",
        "/sdk/app/config/deep/c": "3",
    }
    assert sdk.get_parameters_by_path("/sdk/app/config", recursive=False).keys() == {"/sdk/app/config/a", "/sdk/app/config/b"}


def test_sdk_not_found_is_typed(sdk: secrets_client.SecretsClient) -> None:
    """A missing secret or parameter raises NotFound naming it."""
    with pytest.raises(secrets_client.NotFound, match="secret /sdk/app/secrets/missing"):
        sdk.get_secret("/sdk/app/secrets/missing")
    with pytest.raises(secrets_client.NotFound, match="parameter /sdk/app/config/missing"):
        sdk.get_parameter("/sdk/app/config/missing")


def test_sdk_access_denied_is_typed(sdk: secrets_client.SecretsClient) -> None:
    """AccessDeniedException becomes AccessDenied (stubbed: moto cannot deny by path)."""
    client = boto3.client("ssm")
    sdk = secrets_client.SecretsClient(backend="sdk", ssm_client=client)
    with Stubber(client) as stub:
        stub.add_client_error("get_parameter", service_error_code="AccessDeniedException", http_status_code=400)
        with pytest.raises(
            secrets_client.AccessDenied, match="parameter /other/app/config/x: the function's role may not read it"
        ):
            sdk.get_parameter("/other/app/config/x")


def test_the_extension_path_never_imports_boto3(tmp_path: Path) -> None:
    """Importing the client and reading through the extension leaves boto3 unimported (cold start)."""
    code = (
        "import sys; sys.path.insert(0, {!r})\n"
        "import secrets_client\n"
        "c = secrets_client.SecretsClient(backend='extension', port=1)\n"
        "try:\n    c.get_secret('x', max_age=0)\nexcept secrets_client.SecretsClientError:\n    pass\n"
        "print('boto3' in sys.modules, 'botocore' in sys.modules)\n"
    ).format(str(ROOT / "lambda_src"))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert result.stdout.strip() == "False False", result.stderr


def test_sdk_binary_secret_is_its_bytes_with_metadata(sdk: secrets_client.SecretsClient) -> None:
    """boto3 already decodes SecretBinary: the value is the stored bytes, with version id and stages."""
    raw = bytes(range(256))
    sm = boto3.client("secretsmanager")
    created = sm.create_secret(Name="/sdk/app/secrets/binary", SecretBinary=raw)
    try:
        read = sdk.read_secret("/sdk/app/secrets/binary")
        assert read.value == raw and read.version_id == created["VersionId"] and read.version_stages == ["AWSCURRENT"]
        assert read.arn == created["ARN"] and read.name == "/sdk/app/secrets/binary"
    finally:
        sm.delete_secret(SecretId="/sdk/app/secrets/binary", ForceDeleteWithoutRecovery=True)


def test_sdk_parameter_metadata(sdk: secrets_client.SecretsClient) -> None:
    """read_parameter: decrypted value, type and version number as Parameter Store has them."""
    version = boto3.client("ssm").put_parameter(Name="/sdk/app/config/a", Value="1b", Type="SecureString", Overwrite=True)
    read = sdk.read_parameter("/sdk/app/config/a")
    assert (read.value, read.type, read.version) == ("1b", "SecureString", version["Version"])


def test_sdk_no_previous_version_is_not_found(sdk: secrets_client.SecretsClient) -> None:
    """AWSPREVIOUS before any rotation: NotFound (the only error the handler reads as "none yet")."""
    with pytest.raises(secrets_client.NotFound, match="secret /sdk/app/secrets/json: does not exist"):
        sdk.read_secret("/sdk/app/secrets/json", version_stage="AWSPREVIOUS")


def test_sdk_client_and_session_injection(aws_env: str) -> None:
    """An injected boto3 client is used as is; an injected session makes the clients."""
    boto3.client("secretsmanager").create_secret(Name="/sdk/app/secrets/inject", SecretString="x")
    try:
        injected = boto3.client("secretsmanager")
        calls: list[str] = []
        injected.meta.events.register("before-call.*.*", lambda model, **_: calls.append(model.name))
        reader = secrets_client.SecretsClient(backend="sdk", secretsmanager_client=injected)
        assert reader.get_secret("/sdk/app/secrets/inject") == "x" and calls == ["GetSecretValue"]

        session = boto3.session.Session(region_name="us-east-1")
        seen: list[str] = []
        session.events.register("before-call.*.*", lambda model, **_: seen.append(model.name))
        reader = secrets_client.SecretsClient(backend="sdk", boto3_session=session)
        assert reader.get_secret("/sdk/app/secrets/inject") == "x" and seen == ["GetSecretValue"]
    finally:
        boto3.client("secretsmanager").delete_secret(SecretId="/sdk/app/secrets/inject", ForceDeleteWithoutRecovery=True)


def test_sdk_force_fetch_sees_a_new_value_at_once(sdk: secrets_client.SecretsClient) -> None:
    """A cached value stays until its TTL; force_fetch reads the new one now."""
    assert sdk.get_secret("/sdk/app/secrets/json") == '{"k": 1}'
    boto3.client("secretsmanager").put_secret_value(SecretId="/sdk/app/secrets/json", SecretString='{"k": 2}')
    assert sdk.get_secret("/sdk/app/secrets/json") == '{"k": 1}'
    assert sdk.get_secret("/sdk/app/secrets/json", force_fetch=True) == '{"k": 2}'
    assert sdk.requests == 2
