"""scripts/sandbox/runner.py: the deployed function run as Lambda would, against a real moto server."""

from __future__ import annotations

import hashlib
import socket
import sys
from pathlib import Path

import pytest

from scripts import package
from scripts.common import UserError
from scripts.sandbox import isolation, runner
from tests.functional.conftest import App, demo_code, deploy_function, probe, zip_of


@pytest.fixture(autouse=True)
def logs_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "LOG_DIR", tmp_path / "logs")


@pytest.fixture
def artifacts(tmp_path: Path) -> tuple[Path, Path]:
    code = tmp_path / "function.zip"
    code.write_bytes(package.zip_bytes(package.app_files(demo_code())))
    layer = tmp_path / "layer.zip"
    layer.write_bytes(package.zip_bytes(package.LAYER_FILES))
    return code, layer


def run(app: App, name: str, code: Path, layer: Path | None = None, event: dict | None = None) -> runner.Invocation:
    return runner.invoke(name, event or {}, endpoint=app.endpoint, code=[code], layer_artifacts=[layer] if layer else [])


def test_runs_the_real_handler_through_the_emulated_extension(app: App, artifacts: tuple[Path, Path]) -> None:
    """The handler reads its items via the layer's extension; hashes match; the neighbour is refused."""
    code, layer = artifacts
    event = probe([app.secret], [app.secure_parameter, app.parameter], refuse=[app.neighbour_parameter])
    result = run(app, app.function, code, layer, event)
    assert result.error is None, result.error
    returned = {i["name"]: i["sha256"] for i in result.payload["secrets"] + result.payload["parameters"]}
    for name in (app.secret, app.secure_parameter, app.parameter):
        assert returned[name] == hashlib.sha256(app.values[name].encode()).hexdigest()
    assert result.payload["refused"] == [
        {"name": app.neighbour_parameter, "outcome": "refused", "status": 400, "error": "AccessDenied"}
    ]
    log = result.log_path.read_text()
    assert "REPORT RequestId" in log and "Max Memory Used" in log
    assert not any(value in log for value in app.values.values() if value.startswith("CANARY"))


def test_lambda_environment_and_the_sandbox_endpoint_for_sdk_calls(app: App, tmp_path: Path) -> None:
    """The handler sees Lambda's variables, session credentials, and AWS_ENDPOINT_URL pointing SDK calls at the sandbox."""
    code = tmp_path / "env.zip"
    code.write_bytes(
        zip_of(
            {
                "handler.py": (
                    "import os\n"
                    "def handler(event, context):\n"
                    "    keys = ['AWS_LAMBDA_FUNCTION_NAME', 'AWS_REGION', 'LAMBDA_TASK_ROOT',\n"
                    "            'MY_SETTING', 'AWS_ENDPOINT_URL']\n"
                    "    return {'env': {k: os.environ.get(k) for k in keys},\n"
                    "            'token': bool(os.environ.get('AWS_SESSION_TOKEN')),\n"
                    "            'remaining': context.get_remaining_time_in_millis(), 'memory': context.memory_limit_in_mb}\n"
                )
            }
        )
    )
    deploy_function(app.endpoint, "env-fn", code.read_bytes(), env={"MY_SETTING": "on"}, timeout=7, memory=512)
    result = run(app, "env-fn", code)
    assert result.error is None, result.error
    env = result.payload["env"]
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "env-fn" and env["AWS_REGION"] == "us-east-1" and env["MY_SETTING"] == "on"
    assert env["LAMBDA_TASK_ROOT"] and env["AWS_ENDPOINT_URL"] == app.endpoint and result.payload["token"]
    assert 5000 < result.payload["remaining"] <= 7000 and result.payload["memory"] == 512


def test_timeout_is_enforced(app: App, tmp_path: Path) -> None:
    """A handler that sleeps past the function's timeout is stopped and reported."""
    code = tmp_path / "slow.zip"
    code.write_bytes(zip_of({"handler.py": "import time\ndef handler(e, c):\n    time.sleep(30)\n"}))
    deploy_function(app.endpoint, "slow-fn", code.read_bytes(), timeout=1)
    result = run(app, "slow-fn", code)
    assert result.error["errorType"] == "Sandbox.Timeout" and 900 < result.duration_ms < 5000


def test_memory_over_the_limit_is_a_failure(app: App, tmp_path: Path) -> None:
    """Using more memory than the function's memory size fails the invocation."""
    code = tmp_path / "big.zip"
    code.write_bytes(
        zip_of({"handler.py": "def handler(e, c):\n    block = b'x' * (200 * 1024 * 1024)\n    return len(block)\n"})
    )
    deploy_function(app.endpoint, "big-fn", code.read_bytes(), memory=128)
    result = run(app, "big-fn", code)
    assert result.error["errorType"] == "Runtime.OutOfMemory" and result.max_memory_mb > 128


def test_reading_at_import_time_fails_as_on_lambda(app: App, tmp_path: Path, artifacts: tuple[Path, Path]) -> None:
    """The extension does not serve during INIT: a module-level read breaks the function."""
    _, layer = artifacts
    client = (package.KIT_SOURCE / "secrets_client.py").read_text()
    code = tmp_path / "eager.zip"
    code.write_bytes(
        zip_of(
            {
                "secrets_client.py": client,
                "handler.py": (
                    "import secrets_client\n"
                    f"VALUE = secrets_client.get_parameter({app.parameter!r})\n"
                    "def handler(e, c):\n    return 'unreachable'\n"
                ),
            }
        )
    )
    deploy_function(
        app.endpoint, "eager-fn", code.read_bytes(), layer=layer.read_bytes(), env={"SECRETS_CLIENT_BACKEND": "extension"}
    )
    result = run(app, "eager-fn", code, layer)
    assert result.error is not None and result.payload is None
    assert result.error["errorType"] in ("RequestRefused", "ExtensionUnavailable")


def test_without_an_extension_the_sdk_path_reads_from_the_sandbox(app: App, tmp_path: Path) -> None:
    """No layer attached: the client falls back to the SDK, which the runner points at the sandbox."""
    client = (package.KIT_SOURCE / "secrets_client.py").read_text()
    code = tmp_path / "sdk.zip"
    code.write_bytes(
        zip_of(
            {
                "secrets_client.py": client,
                "handler.py": (
                    "import hashlib, secrets_client\n"
                    "def handler(e, c):\n"
                    "    client = secrets_client.default_client()\n"
                    f"    value = client.get_parameter({app.parameter!r})\n"
                    "    return {'backend': client.backend, 'sha256': hashlib.sha256(value.encode()).hexdigest()}\n"
                ),
            }
        )
    )
    deploy_function(app.endpoint, "sdk-fn", code.read_bytes())
    result = run(app, "sdk-fn", code)
    assert result.error is None, result.error
    assert result.payload == {"backend": "sdk", "sha256": hashlib.sha256(app.values[app.parameter].encode()).hexdigest()}


def test_code_that_is_not_the_deployed_code_is_refused(app: App, artifacts: tuple[Path, Path], tmp_path: Path) -> None:
    """The runner checks the artifact's hash against the deployed CodeSha256."""
    other = tmp_path / "other.zip"
    other.write_bytes(zip_of({"handler.py": "def handler(e, c):\n    return 1\n"}))
    with pytest.raises(UserError, match="is none of the local packages \\(other.zip\\); redeploy"):
        run(app, app.function, other, artifacts[1])


def test_missing_layer_artifact_is_refused(app: App, artifacts: tuple[Path, Path]) -> None:
    """An attached layer with no local artifact of the same hash is an error, not a silent skip."""
    with pytest.raises(UserError, match="no local artifact has its hash"):
        run(app, app.function, artifacts[0], None)


def test_unknown_function(app: App, artifacts: tuple[Path, Path]) -> None:
    """A function that is not deployed: a one-line cause and the fix."""
    with pytest.raises(UserError, match="does not exist in the sandbox; deploy it first"):
        run(app, "no-such-fn", artifacts[0])


@pytest.mark.skipif(not isolation.available(), reason="no unprivileged user namespaces here: the port-lock fallback runs")
def test_an_invocation_has_its_own_network_even_with_the_host_port_taken(app: App, artifacts: tuple[Path, Path]) -> None:
    """The extension binds 2773 inside the invocation's own network namespace: another program holding
    127.0.0.1:2773 on the host (another sandbox's invocation) does not stop it."""
    code, layer = artifacts
    with socket.socket() as holder:
        try:
            holder.bind(("127.0.0.1", 2773))
        except OSError:
            pytest.skip("port 2773 is in use on the host already")
        holder.listen()
        result = run(app, app.function, code, layer, probe([app.secret]))
    assert result.error is None, result.error
    assert "(sandbox: its own network namespace)" in result.log_path.read_text()


@pytest.mark.skipif(not isolation.available(), reason="no unprivileged user namespaces here: the invocation runs in-process")
def test_the_namespace_side_runs_without_the_aws_sdk(
    app: App, artifacts: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lookups (function, layers, hashes) happen before the namespace, so the process inside
    never loads boto3 (about 0.3 CPU s per invocation): with boto3 and botocore made unimportable
    for it, the invocation still runs and reads through the extension."""
    poisoned = tmp_path / "poisoned"
    for package_name in ("boto3", "botocore"):
        (poisoned / package_name).mkdir(parents=True)
        (poisoned / package_name / "__init__.py").write_text("raise ImportError('the AWS SDK was loaded')\n")
    monkeypatch.setenv("PYTHONPATH", str(poisoned))
    code, layer = artifacts
    result = run(app, app.function, code, layer, probe([app.secret]))
    assert result.error is None, result.error
    assert result.payload["secrets"][0]["sha256"] == hashlib.sha256(app.values[app.secret].encode()).hexdigest()


@pytest.mark.skipif(not isolation.available(), reason="no unprivileged user namespaces here: the invocation runs in-process")
def test_a_failure_inside_the_namespace_names_its_own_cause(
    app: App, artifacts: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the sandbox still answering, the process inside failing is reported with its last line,
    not as the sandbox having stopped (a plain moto server has no health path to ask)."""
    failing = [sys.executable, "-c", "raise SystemExit('RuntimeError: the inside process failed')"]
    monkeypatch.setattr(isolation, "command", lambda _command: failing)
    with pytest.raises(UserError, match=r"isolated invocation of .* failed \(RuntimeError: the inside process failed\)"):
        run(app, app.function, *artifacts)
