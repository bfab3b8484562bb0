"""lambda_src/secrets_client.py over real HTTP, against a scripted stand-in extension."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import secrets_client  # noqa: E402
from secrets_client_testing import FakeBackend  # noqa: E402

from tests.conftest import free_port  # noqa: E402

CANARY = "CANARY-client-0001"


class Script:
    """Answers to give, in order (the last one repeats), or by path (`by_path`), and the requests seen."""

    def __init__(self) -> None:
        self.answers: list[tuple[int, dict | str]] = [(200, {})]
        self.by_path: dict[str, tuple[int, dict | str]] = {}  # request path -> answer (wins over `answers`)
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.delay = 0.0
        self.connections = 0  # TCP connections accepted
        self.in_flight = 0
        self.max_in_flight = 0
        self.lock = threading.Lock()


@pytest.fixture
def extension(monkeypatch: pytest.MonkeyPatch) -> Iterator[Script]:
    script = Script()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the extension (a Go HTTP server) does

        def setup(self) -> None:
            super().setup()
            with script.lock:
                script.connections += 1

        def do_GET(self) -> None:
            with script.lock:
                script.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                script.in_flight += 1
                script.max_in_flight = max(script.max_in_flight, script.in_flight)
                if self.path in script.by_path:
                    status, body = script.by_path[self.path]
                else:
                    status, body = script.answers.pop(0) if len(script.answers) > 1 else script.answers[0]
            time.sleep(script.delay)
            with script.lock:
                script.in_flight -= 1
            data = (json.dumps(body) if isinstance(body, dict) else body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up first (the deadline tests): expected, not a traceback in the output

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


# --- batches through the extension: a bounded pool of keep-alive connections ----------------


def _secret_answers(script: Script, names: list[str]) -> None:
    for name in names:
        path = "/secretsmanager/get?secretId=" + secrets_client._quote(name)
        script.by_path[path] = (200, {"Name": name, "SecretString": f"value of {name}", "VersionId": "v1"})


def test_a_batch_runs_on_a_bounded_pool_of_keep_alive_connections(extension: Script) -> None:
    """Ten secrets with connections=3: at most 3 requests in flight, 3 connections opened (reused), all
    values in the order asked, in well under the one-by-one time."""
    names = [f"/a/b/secrets/s{i}" for i in range(10)]
    _secret_answers(extension, names)
    extension.delay = 0.1
    client = secrets_client.SecretsClient(backend="extension", connections=3)
    started = time.monotonic()
    values = client.get_secrets_by_name(names)
    elapsed = time.monotonic() - started
    assert list(values) == names and values == {n: f"value of {n}" for n in names}
    assert 2 <= extension.max_in_flight <= 3
    assert extension.connections == 3 and len(extension.requests) == 10
    assert elapsed < 10 * 0.1 * 0.75, elapsed  # one by one: 1 s; four rounds of three: 0.4 s
    assert client.get_secrets_by_name(names) == values and len(extension.requests) == 10  # all cached now


def test_batch_errors_stay_with_their_item(extension: Script) -> None:
    """One denied item among three: raise_on_error=False keeps each error in its place (read_*), or lists the
    name under "_errors" (get_*, as Powertools); raise_on_error=True raises it after reading every item."""
    names = ["/a/b/secrets/one", "/a/b/secrets/denied", "/a/b/secrets/three"]
    _secret_answers(extension, names)
    denied = "/secretsmanager/get?secretId=" + secrets_client._quote(names[1])
    extension.by_path[denied] = (400, {"__type": "AccessDeniedException", "message": CANARY})
    reads = _client().read_secrets_by_name(names, raise_on_error=False)
    assert list(reads) == names and reads[names[0]].value == f"value of {names[0]}"
    assert isinstance(reads[names[1]], secrets_client.AccessDenied) and reads[names[1]].item == f"secret {names[1]}"
    assert CANARY not in str(reads[names[1]])
    values = _client().get_secrets_by_name(names, raise_on_error=False)
    assert values == {"_errors": [names[1]], names[0]: f"value of {names[0]}", names[2]: f"value of {names[2]}"}
    extension.requests.clear()
    with pytest.raises(secrets_client.AccessDenied):
        _client().get_secrets_by_name(names)
    assert len(extension.requests) == 3


def test_parameters_by_name_with_per_item_options(extension: Script) -> None:
    """Per-item options reach the extension (decrypt, version) and shape the value (transform); a StringList is a list."""
    extension.by_path = {
        "/systemsmanager/parameters/get?name=%2Fa%2Fjson&withDecryption=true": (
            200,
            {"Parameter": {"Value": '{"k": 1}', "Type": "String"}},
        ),
        "/systemsmanager/parameters/get?name=%2Fa%2Fold&withDecryption=false&version=2": (
            200,
            {"Parameter": {"Value": "two", "Type": "String", "Version": 2}},
        ),
        "/systemsmanager/parameters/get?name=%2Fa%2Flist&withDecryption=true": (
            200,
            {"Parameter": {"Value": "a,b", "Type": "StringList"}},
        ),
    }
    values = _client().get_parameters_by_name(
        {"/a/json": {"transform": "json"}, "/a/old": {"decrypt": False, "version": 2}, "/a/list": {}}
    )
    assert values == {"/a/json": {"k": 1}, "/a/old": "two", "/a/list": ["a", "b"]}


def test_the_batch_path_imports_nothing_heavy(extension: Script) -> None:
    """A fresh process that reads a batch of ten through the extension imports no threading, HTTP or JSON library."""
    names = [f"/a/b/secrets/s{i}" for i in range(10)]
    _secret_answers(extension, names)
    code = (
        f"import sys; sys.path.insert(0, {str(Path(secrets_client.__file__).parent)!r}); import secrets_client\n"
        f"values = secrets_client.get_secrets_by_name({names!r})\n"
        "assert len(values) == 10, values\n"
        "heavy = ('urllib', 'http', 'email', 'json', 're', 'random', 'threading', 'concurrent', 'socket', 'boto3', 'typing')\n"
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    env = {"PARAMETERS_SECRETS_EXTENSION_HTTP_PORT": os.environ["PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"], "PATH": ""}
    env["AWS_SESSION_TOKEN"] = "token-123"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30, env=env)
    assert result.stdout.strip() == "[]", result.stderr


# --- the provider's rules, against the test kit's fake backend --------------------------------


class Clock:
    """The client's clock moved by hand: monotonic and wall time shift together; real time still flows."""

    def __init__(self) -> None:
        self.offset = 0.0

    def monotonic(self) -> float:
        return time.monotonic() + self.offset

    def time(self) -> float:
        return time.time() + self.offset

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    moved = Clock()
    monkeypatch.setattr(secrets_client, "time", moved)
    monkeypatch.delenv("SECRETS_CLIENT_TTL", raising=False)
    monkeypatch.delenv("SECRETS_CLIENT_STALE_IF_ERROR", raising=False)
    return moved


def test_stale_if_error_serves_inside_the_window_then_raises(clock: Clock, caplog: pytest.LogCaptureFixture) -> None:
    """A throttled refresh past the max age serves the last value with one log line (no value in it); no
    backend call until STALE_RETRY; past max age + window, the error is raised."""
    fake = FakeBackend({"/a/s": CANARY})
    client = fake.client(stale_if_error=60)
    assert client.get_secret("/a/s", max_age=10) == CANARY
    fake.fail("/a/s", "throttled")
    clock.offset = 11
    with caplog.at_level("WARNING", logger="secrets_client"):
        assert client.get_secret("/a/s", max_age=10) == CANARY
    assert len(caplog.records) == 1 and CANARY not in caplog.text
    assert "serving secret /a/s from the cache 1 s past its max age" in caplog.text and "Throttled" in caplog.text
    clock.offset = 11 + secrets_client.STALE_RETRY / 2
    assert client.get_secret("/a/s", max_age=10) == CANARY and fake.requests == 2  # between two attempts: no call
    clock.offset = 11 + secrets_client.STALE_RETRY + 1
    assert client.get_secret("/a/s", max_age=10) == CANARY and fake.requests == 3
    clock.offset = 10 + 60 + 1
    with pytest.raises(secrets_client.Throttled):
        client.get_secret("/a/s", max_age=10)


def test_stale_if_error_never_on_not_found_or_access_denied(clock: Clock) -> None:
    """NotFound and AccessDenied raise at once, inside the window, and the cached value is dropped."""
    for error, raised in (("not_found", secrets_client.NotFound), ("access_denied", secrets_client.AccessDenied)):
        fake = FakeBackend({"/a/s": "v"})
        client = fake.client(stale_if_error=600)
        clock.offset = 0
        client.get_secret("/a/s", max_age=10)
        fake.fail("/a/s", error)
        clock.offset = 11
        with pytest.raises(raised):
            client.get_secret("/a/s", max_age=10)
        fake.heal()
        fake.fail("/a/s", "throttled")
        with pytest.raises(secrets_client.Throttled):  # nothing left to serve stale
            client.get_secret("/a/s", max_age=10)


def test_the_extensions_400_is_stale_only_for_an_item_read_before(clock: Clock) -> None:
    """The opaque 400 (not found, denied or not ready) never serves on a first read; after a good read it does."""
    fake = FakeBackend({"/a/s": "v"})
    client = fake.client(stale_if_error=60)
    fake.fail("/a/s", "not_ready", times=1)
    with pytest.raises(secrets_client.RequestRefused):
        client.get_secret("/a/s", max_age=10)
    assert client.get_secret("/a/s", max_age=10) == "v"
    fake.fail("/a/s", "not_ready")
    clock.offset = 11
    assert client.get_secret("/a/s", max_age=10) == "v"


def test_force_fetch_and_a_zero_window_never_serve_stale(clock: Clock) -> None:
    """force_fetch asks for a fresh value: a failure raises. stale_if_error=0 turns the rule off."""
    fake = FakeBackend({"/a/s": "v"})
    client = fake.client(stale_if_error=60)
    client.get_secret("/a/s", max_age=10)
    fake.fail("/a/s", "unavailable")
    with pytest.raises(secrets_client.ExtensionUnavailable):
        client.get_secret("/a/s", max_age=10, force_fetch=True)
    off = fake.client(stale_if_error=0)
    fake.heal()
    off.get_secret("/a/s", max_age=10)
    fake.fail("/a/s", "unavailable")
    clock.offset += 11
    with pytest.raises(secrets_client.ExtensionUnavailable):
        off.get_secret("/a/s", max_age=10)


def test_the_stale_window_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """SECRETS_CLIENT_STALE_IF_ERROR sets the window; the constructor argument wins; default 60."""
    monkeypatch.delenv("SECRETS_CLIENT_STALE_IF_ERROR", raising=False)
    assert secrets_client.SecretsClient(backend=FakeBackend()).stale_if_error == 60
    monkeypatch.setenv("SECRETS_CLIENT_STALE_IF_ERROR", "5")
    assert secrets_client.SecretsClient(backend=FakeBackend()).stale_if_error == 5
    assert secrets_client.SecretsClient(backend=FakeBackend(), stale_if_error=0).stale_if_error == 0


# --- names relative to the app -----------------------------------------------------------------


def test_relative_names_read_under_the_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    """With SECRETS_CLIENT_PREFIX, "secrets/db" reads /p/app/secrets/db; absolute names and ARNs are read as
    given; prefix="" turns it off."""
    monkeypatch.setenv("SECRETS_CLIENT_PREFIX", "/p/app/")
    fake = FakeBackend()
    fake.put_secret("/p/app/secrets/db", "relative")
    fake.put_secret("/other/secrets/db", "absolute")
    fake.put_secret("arn:aws:secretsmanager:us-east-1:1:secret:x", "arn")
    fake.put_secret("secrets/db", "unprefixed")
    client = secrets_client.SecretsClient(backend=fake, manifest="")
    assert client.get_secret("secrets/db") == "relative"
    assert client.get_secret("/other/secrets/db") == "absolute"
    assert client.get_secret("arn:aws:secretsmanager:us-east-1:1:secret:x") == "arn"
    assert client.read_secret("secrets/db").name == "/p/app/secrets/db"
    assert secrets_client.SecretsClient(backend=fake, prefix="").get_secret("secrets/db") == "unprefixed"


def test_a_prefix_must_be_absolute() -> None:
    """A prefix without its leading slash is refused with an example (a ConfigurationError, also a ValueError)."""
    with pytest.raises(secrets_client.ConfigurationError, match="must start with '/', e.g. /prod/payments"):
        secrets_client.SecretsClient(backend=FakeBackend(), prefix="prod/payments")


def test_an_undeclared_relative_name_lists_the_apps_names(monkeypatch: pytest.MonkeyPatch) -> None:
    """A relative name the manifest does not declare: UnknownName (a NotFound) with the declared names and the
    closest one; the manifest is read once, and only on that error path."""
    fake = FakeBackend(prefix="/sandbox/demo")
    fake.put_secret("secrets/api_key", "a")
    fake.put_secret("secrets/db", "b")
    fake.put_parameter("config/api_base_url", "u")
    client = fake.client()
    assert client.get_secret("secrets/api_key") == "a"
    assert ("parameter", "/sandbox/demo/manifest") not in fake.calls  # a cold read never reads the manifest
    with pytest.raises(secrets_client.UnknownName) as caught:
        client.get_secret("secrets/dbb")
    error = caught.value
    assert isinstance(error, secrets_client.NotFound) and error.declared == ["secrets/api_key", "secrets/db"]
    assert "not declared for app demo (/sandbox/demo); its secrets: secrets/api_key, secrets/db" in str(error)
    assert "did you mean 'secrets/db'?" in str(error)
    with pytest.raises(secrets_client.UnknownName, match="its parameters: config/api_base_url"):
        client.get_parameter("config/api_base_uri")
    assert fake.calls.count(("parameter", "/sandbox/demo/manifest")) == 1
    with pytest.raises(secrets_client.NotFound) as absolute:
        client.get_secret("/sandbox/demo/secrets/dbb")
    assert type(absolute.value) is secrets_client.NotFound


def test_a_declared_relative_name_keeps_its_own_error() -> None:
    """A declared name that fails (here the extension's opaque 400) raises that error, naming the full name too."""
    fake = FakeBackend(prefix="/sandbox/demo")
    fake.put_secret("secrets/db", "b")
    fake.fail("secrets/db", "not_ready")
    with pytest.raises(secrets_client.RequestRefused) as caught:
        fake.client().get_secret("secrets/db")
    assert type(caught.value) is secrets_client.RequestRefused
    assert caught.value.item == "secret secrets/db" and "(read as /sandbox/demo/secrets/db)" in str(caught.value)


# --- transforms, aliases, the default client ----------------------------------------------------


def test_transform_auto_goes_by_the_name_suffix() -> None:
    """transform="auto": ".json" decodes JSON, ".binary" base64, anything else as is (Powertools' rule)."""
    fake = FakeBackend({"/a/cfg.json": '{"k": 1}', "/a/key.binary": "aGVsbG8=", "/a/plain": '{"k": 1}'})
    client = fake.client()
    assert client.get_secret("/a/cfg.json", transform="auto") == {"k": 1}
    assert client.get_secret("/a/key.binary", transform="auto") == b"hello"
    assert client.get_secret("/a/plain", transform="auto") == '{"k": 1}'
    assert client.get_secrets_by_name(["/a/cfg.json", "/a/plain"], transform="auto") == {
        "/a/cfg.json": {"k": 1},
        "/a/plain": '{"k": 1}',
    }
    with pytest.raises(ValueError, match="transform must be None, 'json', 'binary' or 'auto'"):
        client.get_secret("/a/plain", transform="yaml")


def test_powertools_names_are_aliases() -> None:
    """GetParameterError, GetSecretError and TransformParameterError are this client's errors under Powertools' names."""
    assert secrets_client.GetParameterError is secrets_client.SecretsClientError
    assert secrets_client.GetSecretError is secrets_client.SecretsClientError
    assert secrets_client.TransformParameterError is secrets_client.TransformError
    assert issubclass(secrets_client.ConfigurationError, secrets_client.SecretsClientError)


def test_set_default_client_and_clear_caches() -> None:
    """set_default_client swaps the module's client and returns the old one; clear_caches empties it."""
    fake = FakeBackend({"/a/s": "v"})
    previous = secrets_client.set_default_client(fake.client())
    try:
        assert secrets_client.get_secret("/a/s") == "v" and secrets_client.get_secret("/a/s") == "v"
        assert fake.requests == 1
        secrets_client.clear_caches()
        assert secrets_client.get_secret("/a/s") == "v" and fake.requests == 2
    finally:
        assert secrets_client.set_default_client(previous) is not None


# --- batch semantics (Powertools' get_parameters_by_name) ---------------------------------------


def test_batch_options_and_their_refusals() -> None:
    """Per-item options (stage, transform); an unknown option, a name "_errors" with raise_on_error=False, or one
    string instead of a list: a ConfigurationError naming the fix. Duplicates are read once, order kept."""
    fake = FakeBackend()
    fake.put_secret("/a/s", "old")
    fake.put_secret("/a/s", '{"v": 2}')
    client = fake.client()
    values = client.get_secrets_by_name({"/a/s": {"transform": "json"}, "/a/t": {}}, raise_on_error=False)
    assert values == {"_errors": ["/a/t"], "/a/s": {"v": 2}}
    assert client.read_secrets_by_name({"/a/s": {"version_stage": "AWSPREVIOUS"}})["/a/s"].value == "old"
    with pytest.raises(secrets_client.ConfigurationError, match="unknown option 'decrypt'"):
        client.get_secrets_by_name({"/a/s": {"decrypt": True}})
    with pytest.raises(secrets_client.ConfigurationError, match="'_errors' is the key for failed names"):
        client.get_secrets_by_name(["_errors"], raise_on_error=False)
    with pytest.raises(secrets_client.ConfigurationError, match="give a list of names"):
        client.get_secrets_by_name("/a/s")
    fake.calls.clear()
    assert list(client.get_secrets_by_name(["/a/u", "/a/s", "/a/u"], raise_on_error=False)) == ["_errors", "/a/s"]
    assert fake.calls.count(("secret", "/a/u")) == 1


def test_raise_on_error_raises_the_first_failure_in_order_after_reading_all() -> None:
    """raise_on_error=True: every item is read, then the first failure in the order given is raised."""
    fake = FakeBackend({"/a/1": "1", "/a/3": "3"})
    fake.put_secret("/a/2", "2")
    fake.fail("/a/2", "access_denied")
    fake.fail("/a/3", "throttled")
    with pytest.raises(secrets_client.AccessDenied):
        fake.client().get_secrets_by_name(["/a/1", "/a/2", "/a/3", "/a/4"])
    assert [name for _, name in fake.calls] == ["/a/1", "/a/2", "/a/3", "/a/4"]


# --- rotation-aware freshness ---------------------------------------------------------------------


def test_rotation_horizon_from_the_schedule() -> None:
    """The next scheduled rotation cannot start before created + period - one window (a day, or an hour)."""
    day = 86400.0
    assert secrets_client.rotation_horizon(1000.0, days=30) == 1000.0 + 29 * day
    assert secrets_client.rotation_horizon(1000.0, schedule_expression="rate(10 days)") == 1000.0 + 9 * day
    assert secrets_client.rotation_horizon(1000.0, schedule_expression="rate(4 hours)") == 1000.0 + 3 * 3600
    assert secrets_client.rotation_horizon(1000.0, schedule_expression="cron(0 4 1 * ? *)") is None
    assert secrets_client.rotation_horizon(None, days=30) is None
    assert secrets_client.rotation_horizon(1000.0) is None


def test_worst_case_staleness_formula() -> None:
    """Extension: client + extension TTL (600 s at the defaults), the extension's TTL alone after a scheduled
    rotation; SDK: the client's TTL, 60 s after a scheduled rotation; stale-if-error adds its window."""
    staleness = secrets_client.worst_case_staleness
    assert staleness(300, 300) == 600 and staleness(300, 300, change="scheduled") == 300
    assert (
        staleness(300, 300, extension_cache=False) == 300 and staleness(300, 300, change="scheduled", extension_cache=False) == 0
    )
    assert staleness(300, backend="sdk") == 300 and staleness(300, backend="sdk", change="scheduled") == 60
    assert staleness(30, backend="sdk", change="scheduled") == 30
    assert staleness(120, 300, stale_if_error=60) == 480
    with pytest.raises(secrets_client.ConfigurationError, match="use extension or sdk"):
        staleness(300, backend="lambda")


class ExtensionNamedFake(FakeBackend):
    """The fake as the extension path (the client's rotation window max age is the extension's)."""

    name = "extension"


def test_a_rotated_secret_is_kept_until_its_window_opens(clock: Clock) -> None:
    """Rotated every 30 days: a version 10 days old stays the full TTL; one whose window opens in 100 s is kept
    100 s; inside the window, through the extension, every read asks the backend; through the SDK, every 60 s."""
    day = 86400.0
    for created, backend, reads, expected in (
        (-10 * day, ExtensionNamedFake, (10, 299), 1),
        (-29 * day + 100, ExtensionNamedFake, (99,), 1),
        (-29 * day + 100, ExtensionNamedFake, (101,), 2),
        (-29 * day - 1, ExtensionNamedFake, (1, 2), 3),
        (-29 * day - 1, FakeBackend, (59,), 1),
        (-29 * day - 1, FakeBackend, (61,), 2),
    ):
        clock.offset = 0
        fake = backend()
        fake.put_secret("/a/s", "v", created_date=time.time() + created)
        client = fake.client(rotation={"/a/s": {"days": 30}})
        client.get_secret("/a/s", max_age=300)
        for at in reads:
            clock.offset = at
            client.get_secret("/a/s", max_age=300)
        assert fake.requests == expected, (created, backend.__name__, reads)


def test_rotation_from_the_manifest_is_applied_at_the_first_cache_hit(clock: Clock) -> None:
    """The manifest's rotation map shortens a cached secret's life from its first reuse on (not on the cold read)."""
    fake = ExtensionNamedFake(prefix="/sandbox/demo")
    fake.put_secret("secrets/api_key", "v", rotation={"days": 1})  # window open at once: created + 1 day - 1 day
    fake.put_secret("secrets/plain", "w")
    client = fake.client()
    client.get_secrets_by_name(["secrets/api_key", "secrets/plain"])
    assert ("parameter", "/sandbox/demo/manifest") not in fake.calls
    clock.offset = 1
    client.get_secrets_by_name(["secrets/api_key", "secrets/plain"])
    assert fake.calls.count(("parameter", "/sandbox/demo/manifest")) == 1
    assert fake.calls.count(("secret", "/sandbox/demo/secrets/api_key")) == 2
    assert fake.calls.count(("secret", "/sandbox/demo/secrets/plain")) == 1


def test_a_reused_connection_does_not_wait_for_a_delayed_ack(extension: Script) -> None:
    """Ten GETs on one keep-alive connection to http.server (headers and body in two writes): no ~40 ms Nagle /
    delayed-ACK stall per GET (TCP_QUICKACK on the client's reads); 440 ms without it on Linux."""
    names = [f"/a/b/secrets/q{i}" for i in range(10)]
    _secret_answers(extension, names)
    client = secrets_client.SecretsClient(backend=secrets_client.ExtensionBackend(connections=1))
    started = time.monotonic()
    assert len(client.get_secrets_by_name(names)) == 10
    assert extension.connections == 1 and time.monotonic() - started < 0.15
