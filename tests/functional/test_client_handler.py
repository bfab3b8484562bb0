"""The handler, its smoke probe and the client together, through the extension emulation reading a real moto server.

Checks the payload the smoke test compares (names, versions, sha256 of the stored bytes,
AWSPREVIOUS outcomes, refusals of another app's items), a binary secret hashed from its
bytes, and that only "no AWSPREVIOUS yet" reads as "none" while other errors surface.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from collections.abc import Iterator

import handler  # noqa: E402
import pytest
import secrets_client  # noqa: E402

from scripts.sandbox.extension_emulator import Backend, BackendUnavailable, Emulator, Settings, make_server
from tests.conftest import free_port
from tests.functional.conftest import App, client, probe

BINARY = "/test/app/secrets/signing_key"
RAW = bytes(range(256)) + b"CANARY-binary"


class FailingPrevious(Backend):
    """The emulation's backend, but AWSPREVIOUS reads fail as if Secrets Manager were unreachable."""

    def get_secret(self, secret_id: str, stage: str | None, version_id: str | None) -> dict:
        if stage == "AWSPREVIOUS":
            raise BackendUnavailable("network error: EndpointConnectionError")
        return super().get_secret(secret_id, stage, version_id)


@pytest.fixture
def emulation(app: App, aws_env: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    sm = client(app.endpoint, "secretsmanager")
    if not sm.list_secrets(Filters=[{"Key": "name", "Values": [BINARY]}])["SecretList"]:
        sm.create_secret(Name=BINARY, SecretBinary=RAW)
    port = free_port()
    emulator = Emulator(Settings(http_port=port, secrets_ttl=0, parameters_ttl=0), Backend(app.function), "token")
    emulator.invoked.set()
    server = make_server(emulator)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", str(port))
    monkeypatch.setenv("AWS_SESSION_TOKEN", "token")
    monkeypatch.setenv("SECRETS_CLIENT_BACKEND", "extension")
    monkeypatch.setattr(secrets_client, "_default", None)
    yield emulator
    server.shutdown()
    server.server_close()


def _sha(value: str | bytes) -> str:
    return hashlib.sha256(value.encode() if isinstance(value, str) else value).hexdigest()


def test_payload_names_versions_and_hashes_of_the_stored_bytes(app: App, emulation: Emulator) -> None:
    """Every item by name with its version and the sha256 of the stored value; a binary secret's of its bytes."""
    sm, ssm = client(app.endpoint, "secretsmanager"), client(app.endpoint, "ssm")
    event = probe([app.secret, BINARY], [app.parameter, app.secure_parameter], [app.neighbour_parameter], [app.secret, BINARY])
    event["smoke_probe"]["refuse"]["secrets"] = ["/test/other/secrets/x"]
    payload = handler.handler(event, None)
    secrets = {item["name"]: item for item in payload["secrets"]}
    for name in (app.secret, BINARY):
        stored = sm.get_secret_value(SecretId=name)
        value = stored.get("SecretString", stored.get("SecretBinary"))
        assert secrets[name] == {"name": name, "version_id": stored["VersionId"], "sha256": _sha(value)}
    parameters = {item["name"]: item for item in payload["parameters"]}
    for name in (app.parameter, app.secure_parameter):
        stored = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]
        assert parameters[name] == {
            "name": name,
            "type": stored["Type"],
            "version": stored["Version"],
            "sha256": _sha(app.values[name]),
        }
    assert payload["previous"] == [{"name": app.secret, "outcome": "none"}, {"name": BINARY, "outcome": "none"}]
    assert [(p["name"], p["outcome"], p["status"]) for p in payload["refused"]] == [
        ("/test/other/secrets/x", "refused", 400),
        (app.neighbour_parameter, "refused", 400),
    ]


def test_previous_is_read_after_a_new_version_binary_from_its_bytes(app: App, emulation: Emulator) -> None:
    """After a new version, AWSPREVIOUS is read: its version id and the sha256 of the old bytes."""
    sm = client(app.endpoint, "secretsmanager")
    old = sm.get_secret_value(SecretId=BINARY, VersionStage="AWSCURRENT")
    sm.put_secret_value(SecretId=BINARY, SecretBinary=base64.b64encode(RAW))
    payload = handler.handler(probe(previous=[BINARY]), None)
    previous = {item["name"]: item for item in payload["previous"]}
    assert previous[BINARY] == {"name": BINARY, "outcome": "read", "version_id": old["VersionId"], "sha256": _sha(RAW)}


def test_other_errors_on_previous_surface(app: App, emulation: Emulator) -> None:
    """AWSPREVIOUS unreachable (502 after retries) is reported as that item's error, not as "none yet"."""
    emulation.backend = FailingPrevious(app.function)
    payload = handler.handler(probe(previous=[app.secret]), None)
    assert payload["previous"] == [
        {
            "name": app.secret,
            "error": f"RequestRefused: secret {app.secret}: " + payload["previous"][0]["error"].split(": ", 2)[2],
        }
    ]
    assert "HTTP 502" in payload["previous"][0]["error"] and "outcome" not in payload["previous"][0]


def test_an_event_that_is_not_the_probe_reaches_the_handlers_own_code(app: App, emulation: Emulator) -> None:
    """The decorator answers only {"smoke_probe": ...}; any other event runs the handler's code."""
    with pytest.raises(secrets_client.SecretsClientError):  # the demo's own code reads items this test app lacks
        handler.handler({"orders": []}, None)
