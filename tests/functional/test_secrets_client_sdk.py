"""lambda_src/secrets_client.py's SDK path, against a real moto server (no extension attached)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "lambda_src"))
import secrets_client  # noqa: E402


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
    sdk._sdk["ssm"] = client
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
