"""lambda_src/secrets_client.py over real HTTP, against a scripted stand-in extension."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import secrets_client  # noqa: E402

from tests.conftest import free_port  # noqa: E402

CANARY = "CANARY-client-0001"


class Script:
    """Answers to give, in order (the last one repeats), and the requests seen."""

    def __init__(self) -> None:
        self.answers: list[tuple[int, dict | str]] = [(200, {})]
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.delay = 0.0


@pytest.fixture
def extension(monkeypatch: pytest.MonkeyPatch) -> Iterator[Script]:
    script = Script()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            script.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
            time.sleep(script.delay)
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
    monkeypatch.delenv("SECRETS_CLIENT_BACKEND", raising=False)
    monkeypatch.delenv("SECRETS_CLIENT_TTL", raising=False)
    yield script
    server.shutdown()
    server.server_close()


def _client() -> secrets_client.SecretsClient:
    return secrets_client.SecretsClient()


def test_auto_backend_is_the_extension_when_its_port_answers(extension: Script, monkeypatch: pytest.MonkeyPatch) -> None:
    """auto: the extension if its port answers, else the SDK; the override wins."""
    assert _client().backend == "extension"
    monkeypatch.setenv("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", str(free_port()))
    assert _client().backend == "sdk"
    monkeypatch.setenv("SECRETS_CLIENT_BACKEND", "extension")
    assert _client().backend == "extension"


def test_parameter_name_is_url_encoded_and_token_sent(extension: Script) -> None:
    """Slashes in names are percent-encoded; the session token goes in the header."""
    extension.answers = [(200, {"Parameter": {"Name": "/a/b c", "Type": "String", "Value": "v"}})]
    assert _client().get_parameter("/a/b c") == "v"
    path, headers = extension.requests[0]
    assert path == "/systemsmanager/parameters/get?name=%2Fa%2Fb%20c&withDecryption=true"
    assert headers["x-aws-parameters-secrets-token"] == "token-123"


def test_version_stage_version_and_label_are_passed(extension: Script) -> None:
    """versionStage, version and label reach the extension."""
    extension.answers = [(200, {"Name": "s", "SecretString": "x", "Parameter": {"Value": "v"}})]
    client = _client()
    client.get_secret("/p/s", version_stage="AWSPREVIOUS")
    client.get_parameter("/p/n", version=3)
    client.get_parameter("/p/n", label="stable", decrypt=False)
    assert [p for p, _ in extension.requests] == [
        "/secretsmanager/get?secretId=%2Fp%2Fs&versionStage=AWSPREVIOUS",
        "/systemsmanager/parameters/get?name=%2Fp%2Fn&withDecryption=true&version=3",
        "/systemsmanager/parameters/get?name=%2Fp%2Fn&withDecryption=false&label=stable",
    ]


def test_warm_reads_make_no_request_within_the_ttl(extension: Script, monkeypatch: pytest.MonkeyPatch) -> None:
    """1,000 reads of one secret and two parameters: 3 requests; TTL 0 means every read is a request."""
    extension.answers = [(200, {"Name": "s", "SecretString": "x", "Parameter": {"Value": "v"}})]
    client = _client()
    for _ in range(1000):
        client.get_secret("/a/s")
        client.get_parameter("/a/p1")
        client.get_parameter("/a/p2")
    assert client.requests == len(extension.requests) == 3
    monkeypatch.setenv("SECRETS_CLIENT_TTL", "0")
    client.get_secret("/a/s")
    client.get_secret("/a/s")
    assert client.requests == 5
    client.clear_cache()


def test_json_transform_and_stringlist(extension: Script) -> None:
    """transform="json" decodes; a StringList comes back as a list."""
    extension.answers = [
        (200, {"Name": "s", "SecretString": '{"user": "app", "port": 5432}'}),
        (200, {"Parameter": {"Type": "StringList", "Value": "a,b,c"}}),
    ]
    client = _client()
    assert client.get_secret("/a/db", transform="json") == {"user": "app", "port": 5432}
    assert client.get_parameter("/a/list") == ["a", "b", "c"]


def test_malformed_json_is_a_typed_error_without_the_value(extension: Script) -> None:
    """A value that is not JSON raises TransformError naming the item, not quoting the value."""
    extension.answers = [(200, {"Name": "s", "SecretString": CANARY + "{not json"})]
    with pytest.raises(secrets_client.TransformError) as caught:
        _client().get_secret("/a/broken", transform="json")
    assert caught.value.item == "secret /a/broken" and CANARY not in str(caught.value)


def test_several_parameters_at_once(extension: Script) -> None:
    """get_parameters returns every name's value; duplicates are read once."""
    extension.answers = [(200, {"Parameter": {"Type": "String", "Value": "v"}})]
    assert _client().get_parameters(["/a/1", "/a/2", "/a/1"]) == {"/a/1": "v", "/a/2": "v"}
    assert len(extension.requests) == 2


def test_server_errors_and_throttling_are_retried_then_succeed(extension: Script) -> None:
    """503, 429 then 200: the read succeeds after two retries."""
    extension.answers = [(503, "busy"), (429, "slow down"), (200, {"Name": "s", "SecretString": "x"})]
    assert _client().get_secret("s") == "x"
    assert len(extension.requests) == 3


def test_400_at_cold_start_is_retried_briefly(extension: Script) -> None:
    """A 400 (cold start) then 200 succeeds; a lasting 400 is raised after NOT_READY_RETRIES retries."""
    extension.answers = [(400, "an unexpected error occurred while executing request"), (200, {"Name": "s", "SecretString": "x"})]
    assert _client().get_secret("s") == "x"
    extension.requests.clear()
    extension.answers = [(400, "an unexpected error occurred while executing request")]
    with pytest.raises(secrets_client.RequestRefused) as caught:
        _client().get_secret("/x/y")
    assert caught.value.status == 400 and caught.value.item == "secret /x/y"
    assert len(extension.requests) == secrets_client.NOT_READY_RETRIES + 1


def test_token_rejection_is_not_retried(extension: Script) -> None:
    """403 means a wrong token: raised at once as TokenRejected."""
    extension.answers = [(403, "forbidden")]
    with pytest.raises(secrets_client.TokenRejected):
        _client().get_parameter("/x")
    assert len(extension.requests) == 1


def test_a_slow_extension_times_out_within_the_deadline(extension: Script, monkeypatch: pytest.MonkeyPatch) -> None:
    """An extension slower than the request timeout: Timeout, in bounded time."""
    monkeypatch.setattr(secrets_client, "REQUEST_TIMEOUT", 0.2)
    monkeypatch.setattr(secrets_client, "DEADLINE", 0.6)
    extension.delay = 0.5
    started = time.monotonic()
    with pytest.raises(secrets_client.Timeout, match="no answer from the extension"):
        _client().get_secret("s")
    assert time.monotonic() - started < 0.6 + 0.2 + 0.5


def test_no_extension_fails_within_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Extension forced but nothing listening: ExtensionUnavailable, in bounded time."""
    monkeypatch.setenv("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", str(free_port()))
    started = time.monotonic()
    with pytest.raises(secrets_client.ExtensionUnavailable, match="no answer from the extension"):
        secrets_client.SecretsClient(backend="extension").get_secret("s")
    assert time.monotonic() - started < secrets_client.DEADLINE + secrets_client.REQUEST_TIMEOUT


def test_errors_never_carry_the_body(extension: Script) -> None:
    """An error body (which could echo anything) is not copied into the exception."""
    extension.answers = [(500, CANARY)]
    with pytest.raises(secrets_client.SecretsClientError) as caught:
        _client().get_secret("s")
    assert CANARY not in str(caught.value)


# --- the provider shape: cache, force_fetch, metadata, binary, injected backends ---------


class CountingBackend:
    """A backend stand-in (unit tests of the provider only): counts fetches, answers version n."""

    name = "counting"

    def __init__(self) -> None:
        self.requests = 0

    def secret(self, secret_id: str, stage: str | None, version_id: str | None) -> secrets_client.SecretValue:
        self.requests += 1
        return secrets_client.SecretValue(f"value-{self.requests}", secret_id, None, f"v{self.requests}", ["AWSCURRENT"])

    def parameter(self, name: str, decrypt: bool, version: int | None, label: str | None) -> secrets_client.ParameterValue:
        self.requests += 1
        return secrets_client.ParameterValue("x", name, None, "String", self.requests)


def test_force_fetch_bypasses_the_cache_and_refreshes_it() -> None:
    """force_fetch=True fetches even when cached, and the fresh value is what later reads get."""
    backend = CountingBackend()
    client = secrets_client.SecretsClient(backend=backend)
    assert client.get_secret("/a/s") == client.get_secret("/a/s") == "value-1"
    assert client.get_secret("/a/s", force_fetch=True) == "value-2"
    assert client.get_secret("/a/s") == "value-2" and backend.requests == 2
    assert client.backend == "counting" and client.requests == 2


def test_ttl_expiry_and_zero(monkeypatch: pytest.MonkeyPatch) -> None:
    """A value is kept max_age seconds (by the monotonic clock), then fetched again; max_age=0 never keeps it."""
    now = [1000.0]
    monkeypatch.setattr(secrets_client.time, "monotonic", lambda: now[0])
    backend = CountingBackend()
    client = secrets_client.SecretsClient(backend=backend)
    client.read_parameter("/a/p", max_age=10)
    now[0] += 9.9
    assert client.read_parameter("/a/p", max_age=10).version == 1
    now[0] += 0.2
    assert client.read_parameter("/a/p", max_age=10).version == 2
    assert client.read_parameter("/a/p", max_age=0).version == 3
    assert client.read_parameter("/a/p", max_age=0).version == 4


def test_ttl_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """SECRETS_CLIENT_TTL wins over the extension's SECRETS_MANAGER_TTL, which wins over 300."""
    monkeypatch.delenv("SECRETS_CLIENT_TTL", raising=False)
    monkeypatch.delenv("SECRETS_MANAGER_TTL", raising=False)
    assert secrets_client._env_ttl("SECRETS_MANAGER_TTL") == 300
    monkeypatch.setenv("SECRETS_MANAGER_TTL", "60")
    assert secrets_client._env_ttl("SECRETS_MANAGER_TTL") == 60
    monkeypatch.setenv("SECRETS_CLIENT_TTL", "0")
    assert secrets_client._env_ttl("SECRETS_MANAGER_TTL") == 0


def test_read_secret_returns_value_and_metadata(extension: Script) -> None:
    """read_secret: value, name, ARN, version id and stages from the extension's answer; repr hides the value."""
    extension.answers = [
        (200, {"ARN": "arn:s", "Name": "/a/s", "VersionId": "v-9", "VersionStages": ["AWSPREVIOUS"], "SecretString": CANARY})
    ]
    read = _client().read_secret("/a/s", version_stage="AWSPREVIOUS")
    assert (read.value, read.name, read.arn, read.version_id, read.version_stages) == (
        CANARY,
        "/a/s",
        "arn:s",
        "v-9",
        ["AWSPREVIOUS"],
    )
    assert CANARY not in repr(read) and "v-9" in repr(read)


def test_read_parameter_returns_value_and_metadata(extension: Script) -> None:
    """read_parameter: value, name, type and version number; repr hides the value."""
    extension.answers = [(200, {"Parameter": {"Name": "/a/p", "Type": "SecureString", "Value": CANARY, "Version": 4}})]
    read = _client().read_parameter("/a/p")
    assert (read.value, read.name, read.type, read.version) == (CANARY, "/a/p", "SecureString", 4)
    assert CANARY not in repr(read)


def test_a_binary_secret_is_its_bytes(extension: Script) -> None:
    """SecretBinary (base64 in the extension's JSON) comes back as the original bytes."""
    import base64

    raw = bytes(range(256))
    extension.answers = [(200, {"Name": "/a/bin", "VersionId": "v1", "SecretBinary": base64.b64encode(raw).decode()})]
    assert _client().get_secret("/a/bin") == raw


def test_binary_transform_and_its_error(extension: Script) -> None:
    """transform="binary" base64-decodes a string value; invalid base64 is a TransformError without the value."""
    extension.answers = [(200, {"Name": "s", "SecretString": "aGVsbG8="}), (200, {"Name": "t", "SecretString": CANARY + "!"})]
    client = _client()
    assert client.get_secret("/a/b64", transform="binary") == b"hello"
    with pytest.raises(secrets_client.TransformError, match="not valid base64") as caught:
        client.get_secret("/a/bad", transform="binary")
    assert CANARY not in str(caught.value)


def test_an_unknown_backend_name_is_refused_with_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    """A mistyped SECRETS_CLIENT_BACKEND names the allowed values."""
    monkeypatch.setenv("SECRETS_CLIENT_BACKEND", "extention")
    with pytest.raises(ValueError, match="use auto, extension or sdk"):
        secrets_client.SecretsClient()
