"""lambda_src/secrets_client.py over real HTTP, against a scripted stand-in extension."""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "lambda_src"))
import secrets_client  # noqa: E402

from tests.conftest import free_port  # noqa: E402


class Script:
    """Answers to give, in order (the last one repeats), and the requests seen."""

    def __init__(self) -> None:
        self.answers: list[tuple[int, dict | str]] = [(200, {})]
        self.requests: list[tuple[str, dict[str, str]]] = []


@pytest.fixture
def extension(monkeypatch: pytest.MonkeyPatch) -> Iterator[Script]:
    script = Script()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            script.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
            status, body = script.answers.pop(0) if len(script.answers) > 1 else script.answers[0]
            data = (json.dumps(body) if isinstance(body, dict) else body).encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            return

    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", str(port))
    monkeypatch.setenv("AWS_SESSION_TOKEN", "token-123")
    yield script
    server.shutdown()
    server.server_close()


def test_parameter_name_is_url_encoded_and_token_sent(extension: Script) -> None:
    """Slashes in names are percent-encoded; the session token goes in the header."""
    extension.answers = [(200, {"Parameter": {"Name": "/a/b c", "Value": "v"}})]
    assert secrets_client.get_parameter("/a/b c", decrypt=True)["Name"] == "/a/b c"
    path, headers = extension.requests[0]
    assert path == "/systemsmanager/parameters/get?name=%2Fa%2Fb%20c&withDecryption=true"
    assert headers["x-aws-parameters-secrets-token"] == "token-123"


def test_secret_version_stage_is_passed(extension: Script) -> None:
    """versionStage and versionId reach the extension."""
    extension.answers = [(200, {"Name": "s", "SecretString": "x"})]
    secrets_client.get_secret("/p/s", version_stage="AWSPREVIOUS")
    assert extension.requests[0][0] == "/secretsmanager/get?secretId=%2Fp%2Fs&versionStage=AWSPREVIOUS"


def test_server_errors_are_retried_then_succeed(extension: Script) -> None:
    """503, 502 then 200: the read succeeds after two retries."""
    extension.answers = [(503, "busy"), (502, "bad"), (200, {"Name": "s", "SecretString": "x"})]
    assert secrets_client.get_secret("s")["SecretString"] == "x"
    assert len(extension.requests) == 3


def test_400_is_retried_only_briefly(extension: Script) -> None:
    """A 400 (cold start, or a refused name) is retried NOT_READY_RETRIES times, then raised."""
    extension.answers = [(400, "an unexpected error occurred while executing request")]
    with pytest.raises(secrets_client.RequestRefused) as caught:
        secrets_client.get_secret("/x/y")
    assert caught.value.status == 400 and caught.value.item == "secret /x/y"
    assert len(extension.requests) == secrets_client.NOT_READY_RETRIES + 1


def test_token_rejection_is_not_retried(extension: Script) -> None:
    """403 means a wrong token: raised at once as TokenRejected."""
    extension.answers = [(403, "forbidden")]
    with pytest.raises(secrets_client.TokenRejected):
        secrets_client.get_parameter("/x")
    assert len(extension.requests) == 1


def test_no_extension_fails_within_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing listening: ExtensionUnavailable, in bounded time."""
    monkeypatch.setenv("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", str(free_port()))
    started = time.monotonic()
    with pytest.raises(secrets_client.ExtensionUnavailable, match="no answer from the extension"):
        secrets_client.get_secret("s")
    assert time.monotonic() - started < secrets_client.DEADLINE + secrets_client.REQUEST_TIMEOUT


def test_errors_never_carry_the_body(extension: Script) -> None:
    """An error body (which could echo anything) is not copied into the exception."""
    extension.answers = [(500, "CANARY-in-error-body")]
    with pytest.raises(secrets_client.SecretsClientError) as caught:
        secrets_client.get_secret("s")
    assert "CANARY" not in str(caught.value)
