"""lambda_src/secrets_client.py's SDK path, against a real moto server (no extension attached)."""

from __future__ import annotations

import os
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


# --- batches: BatchGetSecretValue (20 a call) and GetParameters (10 a call), counted ---------------


def _count_calls(client: object) -> list[str]:
    """Every API call the boto3 client makes, by operation name (botocore's own events: an independent count)."""
    calls: list[str] = []
    client.meta.events.register("before-call.*.*", lambda model, **_: calls.append(model.name))  # type: ignore[attr-defined]
    return calls


def test_sdk_batch_of_45_secrets_is_three_batch_get_secret_value_calls(aws_env: str) -> None:
    """45 secrets (one missing) read in 3 BatchGetSecretValue calls (20 + 20 + 5), each value right, the missing
    one NotFound in its place; read again, nothing is called (cached)."""
    sm = boto3.client("secretsmanager")
    names = [f"/sdk/batch/secrets/s{i:02d}" for i in range(44)]
    for name in names:
        sm.create_secret(Name=name, SecretString=f"value {name}")
    try:
        calls = _count_calls(sm)
        client = secrets_client.SecretsClient(backend="sdk", secretsmanager_client=sm)
        reads = client.read_secrets_by_name([*names, "/sdk/batch/secrets/missing"], raise_on_error=False)
        assert calls == ["BatchGetSecretValue"] * 3
        assert [reads[n].value for n in names] == [f"value {n}" for n in names]
        assert all(reads[n].version_id and reads[n].created_date for n in names)
        assert isinstance(reads["/sdk/batch/secrets/missing"], secrets_client.NotFound)
        client.get_secrets_by_name(names)
        assert calls == ["BatchGetSecretValue"] * 3
        assert client._backend.calls == {"batch_get_secret_value": 3}  # type: ignore[union-attr]
    finally:
        for name in names:
            sm.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)


def test_sdk_batch_of_parameters_is_get_parameters_ten_at_a_time(aws_env: str) -> None:
    """25 parameters (two missing) in 3 GetParameters calls; then one by version and one without decryption: one
    call per decrypt group (moto does not echo the Selector: the answer is matched by name and version)."""
    ssm = boto3.client("ssm")
    names = [f"/sdk/batch/config/p{i:02d}" for i in range(23)]
    for name in names:
        ssm.put_parameter(Name=name, Value=f"v {name}", Type="String", Overwrite=True)
    ssm.put_parameter(Name=names[0], Value="second", Type="String", Overwrite=True)
    calls = _count_calls(ssm)
    client = secrets_client.SecretsClient(backend="sdk", ssm_client=ssm)
    asked = [*names, "/sdk/batch/config/missing", "/sdk/batch/config/gone"]
    values = client.get_parameters_by_name(asked, raise_on_error=False)
    assert calls == ["GetParameters"] * 3 and values["_errors"] == ["/sdk/batch/config/missing", "/sdk/batch/config/gone"]
    assert values[names[0]] == "second" and values[names[5]] == f"v {names[5]}"
    read = client.read_parameters_by_name({names[0]: {"version": 1}, names[1]: {"decrypt": False}})
    assert read[names[0]].value == f"v {names[0]}" and read[names[0]].version == 1
    assert calls[3:] == ["GetParameters", "GetParameters"]  # one per decrypt group


def test_sdk_batch_denied_falls_back_to_one_by_one(aws_env: str, caplog: pytest.LogCaptureFixture) -> None:
    """Without secretsmanager:BatchGetSecretValue the whole call is denied: one log line saying what to grant, then
    GetSecretValue per secret, and no further batch attempt."""
    sm = boto3.client("secretsmanager")
    client = secrets_client.SecretsClient(backend="sdk", secretsmanager_client=sm)
    with Stubber(sm) as stub, caplog.at_level("WARNING", logger="secrets_client"):
        stub.add_client_error("batch_get_secret_value", service_error_code="AccessDeniedException", http_status_code=400)
        for name in ("/a/one", "/a/two", "/a/three", "/a/four"):
            stub.add_response("get_secret_value", {"Name": name, "SecretString": name.upper(), "VersionId": "v1" * 16})
        assert client.get_secrets_by_name(["/a/one", "/a/two"]) == {"/a/one": "/A/ONE", "/a/two": "/A/TWO"}
        assert client.get_secrets_by_name(["/a/three", "/a/four"]) == {"/a/three": "/A/THREE", "/a/four": "/A/FOUR"}
        stub.assert_no_pending_responses()
    assert caplog.text.count("BatchGetSecretValue denied") == 1 and 'on Resource "*"' in caplog.text


def test_sdk_get_parameters_refused_as_a_whole_gives_each_name_its_own_error(aws_env: str) -> None:
    """One name the role may not read denies the whole GetParameters call: each name is then read alone."""
    ssm = boto3.client("ssm")
    client = secrets_client.SecretsClient(backend="sdk", ssm_client=ssm)
    with Stubber(ssm) as stub:
        stub.add_client_error("get_parameters", service_error_code="AccessDeniedException", http_status_code=400)
        stub.add_response("get_parameter", {"Parameter": {"Name": "/a/ok", "Value": "fine", "Type": "String", "Version": 1}})
        stub.add_client_error("get_parameter", service_error_code="AccessDeniedException", http_status_code=400)
        values = client.read_parameters_by_name(["/a/ok", "/b/denied"], raise_on_error=False)
    assert values["/a/ok"].value == "fine" and isinstance(values["/b/denied"], secrets_client.AccessDenied)


# --- every error derives from SecretsClientError, configuration ones included ------------------------


def _no_aws_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def test_sdk_without_a_region_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No region anywhere: ConfigurationError (a SecretsClientError) naming AWS_REGION, not botocore's NoRegionError."""
    _no_aws_environment(monkeypatch, tmp_path)
    with pytest.raises(secrets_client.ConfigurationError, match="no AWS region: set AWS_DEFAULT_REGION") as caught:
        secrets_client.SecretsClient(backend="sdk").get_secret("/a/s")
    assert isinstance(caught.value, secrets_client.SecretsClientError) and caught.value.__cause__ is None


def test_sdk_without_credentials_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A region but no credentials: ConfigurationError naming the ways to give them (found before any request)."""
    _no_aws_environment(monkeypatch, tmp_path)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # never reached: signing fails first
    with pytest.raises(secrets_client.ConfigurationError, match="no AWS credentials: set AWS_PROFILE") as caught:
        secrets_client.SecretsClient(backend="sdk").get_parameters_by_name(["/a/p", "/a/q"])
    assert caught.value.item.startswith("parameter")


def test_sdk_without_boto3_is_a_configuration_error() -> None:
    """Where boto3 is not installed (python -S: no site-packages), the SDK path says how to install it."""
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT / 'lambda_src')!r}); import secrets_client\n"
        "try:\n    secrets_client.SecretsClient(backend='sdk').get_secret('/a/s')\n"
        "except secrets_client.SecretsClientError as exc:\n    print(type(exc).__name__, exc)\n"
    )
    result = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True, timeout=30)
    assert result.stdout.strip() == (
        "ConfigurationError secretsmanager: the SDK backend needs boto3: pip install 'lambda-secrets-client[sdk]' "
        "(or run where the extension is)"
    ), result.stderr
