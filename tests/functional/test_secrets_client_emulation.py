"""The client's batch, stale-if-error and rotation-aware freshness over real HTTP, against the extension
emulation (scripts/sandbox/extension_emulator.py) reading a real moto server with the app role's IAM checks.

The emulation is the independent party here: its answers (typed 400 bodies, 502 when its backend is down,
its own TTL cache) are the extension's documented behaviour, not this client's idea of it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import boto3
import pytest
import secrets_client  # noqa: E402

from scripts.sandbox.extension_emulator import Backend, BackendUnavailable, Emulator, Settings, make_server
from tests.conftest import free_port
from tests.functional.conftest import App

DAY = 86400.0


class Switchable(Backend):
    """The emulation's real backend, with an outage on demand (as if Secrets Manager were unreachable: 502)."""

    failing = False

    def get_secret(self, secret_id: str, stage: str | None, version_id: str | None) -> dict:
        if self.failing:
            raise BackendUnavailable("network error: EndpointConnectionError")
        return super().get_secret(secret_id, stage, version_id)


@pytest.fixture
def served(app: App, aws_env: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Emulator, Switchable]]:
    """The emulation on its own port, its cache at 2 s, reading moto as the app's function."""
    port = free_port()
    backend = Switchable(app.function)
    emulator = Emulator(Settings(http_port=port, secrets_ttl=2, parameters_ttl=2), backend, "token")
    emulator.invoked.set()
    server = make_server(emulator)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", str(port))
    monkeypatch.setenv("AWS_SESSION_TOKEN", "token")
    for name in ("SECRETS_CLIENT_TTL", "SECRETS_MANAGER_TTL", "SECRETS_CLIENT_PREFIX", "SECRETS_CLIENT_MANIFEST"):
        monkeypatch.delenv(name, raising=False)
    yield emulator, backend
    server.shutdown()
    server.server_close()


class Clock:
    """The client's clock, shifted by hand (monotonic and wall time together); the emulation keeps real time."""

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
    shifted = Clock()
    monkeypatch.setattr(secrets_client, "time", shifted)
    return shifted


def _secret(name: str, value: str) -> str:
    sm = boto3.client("secretsmanager")
    if sm.list_secrets(Filters=[{"Key": "name", "Values": [name]}])["SecretList"]:
        sm.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
    return sm.create_secret(Name=name, SecretString=value)["ARN"]


def test_a_batch_of_ten_with_one_denied(served: tuple[Emulator, Switchable], app: App) -> None:
    """Nine of the app's secrets and one outside its path, in one batch with raise_on_error=False: nine values, and
    AccessDenied for the tenth (the emulation's IAM check refused it); every item one GET."""
    names = [f"/test/app/secrets/batch-{i}" for i in range(9)]
    for name in names:
        _secret(name, f"CANARY-batch-{name[-1]}")
    denied = "/test/other/secrets/batch-denied"
    _secret(denied, "CANARY-denied")
    client = secrets_client.SecretsClient(backend="extension")
    reads = client.read_secrets_by_name([*names[:4], denied, *names[4:]], raise_on_error=False)
    assert [reads[n].value for n in names] == [f"CANARY-batch-{n[-1]}" for n in names]
    error = reads[denied]
    assert isinstance(error, secrets_client.AccessDenied) and error.status == 400 and "CANARY" not in str(error)
    assert client.requests == 10
    values = secrets_client.SecretsClient(backend="extension").get_secrets_by_name([*names, denied], raise_on_error=False)
    assert values["_errors"] == [denied] and len(values) == 10


def test_stale_if_error_serves_inside_the_window_and_raises_after(
    served: tuple[Emulator, Switchable], clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    """Secrets Manager unreachable (the emulation answers 502) after the max age: the last value, one log line, no
    value in it; once max age + window has passed, the 502 is raised."""
    _, backend = served
    _secret("/test/app/secrets/stale", "CANARY-stale-1")
    client = secrets_client.SecretsClient(backend="extension", stale_if_error=30)
    assert client.get_secret("/test/app/secrets/stale", max_age=10) == "CANARY-stale-1"
    backend.failing = True
    clock.offset = 11
    time.sleep(2.1)  # past the emulation's own 2 s cache: the refresh reaches the failing backend
    with caplog.at_level("WARNING", logger="secrets_client"):
        assert client.get_secret("/test/app/secrets/stale", max_age=10) == "CANARY-stale-1"
    assert "serving secret /test/app/secrets/stale from the cache" in caplog.text and "HTTP 502" in caplog.text
    assert "CANARY" not in caplog.text
    clock.offset = 10 + 30 + 1
    with pytest.raises(secrets_client.RequestRefused) as caught:
        client.get_secret("/test/app/secrets/stale", max_age=10)
    assert caught.value.status == 502


def test_not_found_is_never_served_stale(served: tuple[Emulator, Switchable], clock: Clock) -> None:
    """A secret deleted after it was read: inside a long window, the next refresh raises NotFound, and again."""
    _secret("/test/app/secrets/deleted", "CANARY-deleted")
    client = secrets_client.SecretsClient(backend="extension", stale_if_error=600)
    assert client.get_secret("/test/app/secrets/deleted", max_age=10) == "CANARY-deleted"
    boto3.client("secretsmanager").delete_secret(SecretId="/test/app/secrets/deleted", ForceDeleteWithoutRecovery=True)
    clock.offset = 11
    time.sleep(2.1)  # past the emulation's own 2 s cache
    for _ in range(2):
        with pytest.raises(secrets_client.NotFound):
            client.get_secret("/test/app/secrets/deleted", max_age=10)


def test_a_rotated_secret_is_read_fresh_within_the_stated_bound(served: tuple[Emulator, Switchable], clock: Clock) -> None:
    """Rotated every 30 days, its window open (the client's clock 29.5 days after the version): after a new
    AWSCURRENT, the client sees it within worst_case_staleness(change="scheduled") = the extension's 2 s TTL;
    the same client before the window keeps the old value for its 300 s TTL (the bound comes from rotation)."""
    name = "/test/app/secrets/rotated"
    _secret(name, "CANARY-rotated-1")
    rotation = {name: {"days": 30}}
    clock.offset = 29.5 * DAY
    in_window = secrets_client.SecretsClient(backend="extension", rotation=rotation)
    clock.offset = 0
    before_window = secrets_client.SecretsClient(backend="extension", rotation=rotation)
    clock.offset = 29.5 * DAY
    assert in_window.get_secret(name) == "CANARY-rotated-1"
    clock.offset = 0
    assert before_window.get_secret(name) == "CANARY-rotated-1"
    boto3.client("secretsmanager").put_secret_value(SecretId=name, SecretString="CANARY-rotated-2")
    rotated_at = time.monotonic()
    bound = secrets_client.worst_case_staleness(300, 2, change="scheduled")
    assert bound == 2
    clock.offset = 29.5 * DAY
    while in_window.get_secret(name) != "CANARY-rotated-2":
        assert time.monotonic() - rotated_at <= bound + 0.5, "still the old value past the stated bound"
        time.sleep(0.05)
    clock.offset = 0
    time.sleep(max(0.0, bound + 0.5 - (time.monotonic() - rotated_at)))
    assert before_window.get_secret(name) == "CANARY-rotated-1"
    assert secrets_client.worst_case_staleness(300, 2) == 302
