"""Fault injection: the real client over real HTTP against the extension emulation with a scripted backend.

The backend is a stand-in here (throttling, outages and slowness on demand); the emulation's
reads from a real moto server are covered in tests/functional/test_extension_emulator.py.
"""

from __future__ import annotations

import threading
import time
import urllib.request
from collections.abc import Iterator

import pytest
import secrets_client  # noqa: E402

from scripts.sandbox.extension_emulator import BackendUnavailable, Emulator, Settings, Throttled, make_server
from tests.conftest import free_port

TOKEN = "token-xyz"


class ScriptedBackend:
    """Fails as told, then answers; counts calls and the most calls in flight at once."""

    def __init__(self) -> None:
        self.failures: list[Exception] = []
        self.delay = 0.0
        self.calls = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()

    def _answer(self, body: dict) -> dict:
        with self._lock:
            self.calls += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            failure = self.failures.pop(0) if self.failures else None
        try:
            time.sleep(self.delay)
            if failure:
                raise failure
            return body
        finally:
            with self._lock:
                self.in_flight -= 1

    def get_secret(self, secret_id: str, stage: str | None, version_id: str | None) -> dict:
        return self._answer({"Name": secret_id, "SecretString": "s3cret", "VersionId": "v1"})

    def get_parameter(self, name: str, selector: str, decrypt: bool) -> dict:
        return self._answer({"Parameter": {"Name": name, "Type": "String", "Value": "v", "Version": 1}})


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Emulator, ScriptedBackend]]:
    port = free_port()
    backend = ScriptedBackend()
    emulator = Emulator(Settings(http_port=port, max_connections=2, secrets_ttl=0, parameters_ttl=0), backend, TOKEN)
    emulator.invoked.set()
    server = make_server(emulator)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", str(port))
    monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN)
    monkeypatch.setenv("SECRETS_CLIENT_TTL", "0")
    yield emulator, backend
    server.shutdown()
    server.server_close()


def client() -> secrets_client.SecretsClient:
    return secrets_client.SecretsClient(backend="extension")


def test_backend_throttling_is_retried_until_it_passes(served: tuple[Emulator, ScriptedBackend]) -> None:
    """Two throttled backend calls (429 from the emulation), then success: the client gets the value."""
    _, backend = served
    backend.failures = [Throttled("ThrottlingException: Rate exceeded"), Throttled("ThrottlingException: Rate exceeded")]
    assert client().get_secret("/a/b/c/d") == "s3cret"
    assert backend.calls == 3


def test_backend_down_fails_in_bounded_time_with_the_item_named(served: tuple[Emulator, ScriptedBackend]) -> None:
    """An unreachable backend (502 every time): a typed error naming the item, within the deadline."""
    _, backend = served
    backend.failures = [BackendUnavailable("network error")] * 20
    started = time.monotonic()
    with pytest.raises(secrets_client.RequestRefused) as caught:
        client().get_parameter("/a/b/c/p")
    assert caught.value.status == 502 and caught.value.item == "parameter /a/b/c/p"
    assert time.monotonic() - started < secrets_client.DEADLINE + secrets_client.REQUEST_TIMEOUT


class _InvokedAfterOneRefusal(threading.Event):
    """The first INVOKE arrives just after the first request was refused: no race with a wall-clock timer
    (a 0.1 s timer lost to the client's three attempts under load)."""

    def __init__(self) -> None:
        super().__init__()
        self.refused = 0

    def is_set(self) -> bool:
        if super().is_set():
            return True
        self.refused += 1
        self.set()
        return False


def test_cold_start_400_then_ready(served: tuple[Emulator, ScriptedBackend], monkeypatch: pytest.MonkeyPatch) -> None:
    """Requests before the first INVOKE get 400; a client that starts just before INVOKE still succeeds."""
    emulator, _ = served
    invoked = _InvokedAfterOneRefusal()
    monkeypatch.setattr(emulator, "invoked", invoked)
    assert client().get_secret("/a/b/c/d") == "s3cret"
    assert invoked.refused == 1


def test_max_connections_limits_requests_served_at_once(served: tuple[Emulator, ScriptedBackend]) -> None:
    """With MAX_CONNECTIONS=2, six concurrent reads never have more than two backend calls (outbound) in flight."""
    _, backend = served
    backend.delay = 0.1
    names = [f"/a/b/c/p{i}" for i in range(6)]
    threads = [threading.Thread(target=client().get_parameter, args=(n,)) for n in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert backend.calls == 6 and backend.max_in_flight == 2


def test_cache_size_evicts_the_least_recently_used_and_zero_bypasses() -> None:
    """CACHE_SIZE=1: alternating two names always misses; CACHE_SIZE=0 (or CACHE_ENABLED=FALSE) never caches."""
    for settings, expected_calls in (
        (Settings.from_env({"PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE": "1"}), 4),
        (Settings.from_env({"PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE": "2"}), 2),
        (Settings.from_env({"PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE": "0"}), 4),
        (Settings.from_env({"PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED": "FALSE"}), 4),
    ):
        backend = ScriptedBackend()
        emulator = Emulator(settings, backend, TOKEN)
        emulator.invoked.set()
        for name in ("/a/b/c/one", "/a/b/c/two", "/a/b/c/one", "/a/b/c/two"):
            status, _ = emulator.handle(
                "GET", "/systemsmanager/parameters/get", {"name": name}, {"x-aws-parameters-secrets-token": TOKEN}
            )
            assert status == 200
        assert backend.calls == expected_calls, settings


def test_cache_hits_never_wait_for_a_backend_connection() -> None:
    """MAX_CONNECTIONS limits the outbound calls only: with one connection busy on a slow fetch, a cached
    value still comes back at once (it waited 0.9 s behind the fetch when inbound requests were throttled)."""
    port = free_port()
    backend = ScriptedBackend()
    emulator = Emulator(Settings(http_port=port, max_connections=1), backend, TOKEN)
    emulator.invoked.set()
    server = make_server(emulator)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        headers = {"X-Aws-Parameters-Secrets-Token": TOKEN}

        def fetch(name: str) -> None:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/systemsmanager/parameters/get?name={name}", headers=headers
            )
            with urllib.request.urlopen(request, timeout=5) as response:
                assert response.status == 200

        fetch("%2Fa%2Fb%2Fc%2Fcached")
        backend.delay = 1.0
        slow = threading.Thread(target=fetch, args=("%2Fa%2Fb%2Fc%2Fslow",))
        slow.start()
        time.sleep(0.2)  # the slow fetch now holds the only backend connection
        started = time.monotonic()
        fetch("%2Fa%2Fb%2Fc%2Fcached")
        assert time.monotonic() - started < 0.3
        slow.join()
        assert backend.calls == 2
    finally:
        server.shutdown()
        server.server_close()
