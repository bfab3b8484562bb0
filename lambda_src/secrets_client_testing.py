"""Test a handler that uses secrets_client, without AWS: a fake backend, error injection, a pytest fixture.

    import secrets_client

    def handler(event, context):
        return {"ok": event["key"] == secrets_client.get_secret("/prod/pay/secrets/api_key")}

    def test_handler(fake_secrets):                 # the fixture: this module is a pytest plugin
        fake_secrets.put_secret("/prod/pay/secrets/api_key", "k-1")
        assert handler({"key": "k-1"}, None) == {"ok": True}
        fake_secrets.fail("/prod/pay/secrets/api_key", "access_denied")

`FakeBackend` holds secrets (with versions: AWSCURRENT, AWSPREVIOUS) and parameters by name
and answers the client as the extension or the SDK would, including its batch calls. Errors
on demand (`fail`): not_found, access_denied, throttled, not_ready (the extension's opaque
HTTP 400), unavailable, timeout, server_error. `use_fake()` makes it the module's default
client for a `with` block through `secrets_client.set_default_client` (no private names);
the `fake_secrets` pytest fixture does that for one test. Installed with pip, the package
registers this module as a pytest plugin; with the file copied in, add
`pytest_plugins = ["secrets_client_testing"]` to your top-level conftest.py.
Values never appear in a repr or an error message.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import secrets_client
from secrets_client import (
    AccessDenied,
    ExtensionUnavailable,
    NotFound,
    ParameterValue,
    RequestRefused,
    SecretsClientError,
    SecretValue,
    Throttled,
    Timeout,
)

try:  # the kit works without pytest; with it, it also provides the fixture
    import pytest
except ImportError:  # pragma: no cover
    pytest = None  # type: ignore[assignment]

__all__ = ["ERRORS", "FakeBackend", "fake_secrets", "use_fake"]

# error name -> (exception class, cause, HTTP status): what the real client raises in that case.
ERRORS: dict[str, tuple[type[SecretsClientError], str, int | None]] = {
    "not_found": (NotFound, "does not exist (ResourceNotFoundException)", 400),
    "access_denied": (AccessDenied, "the function's role may not read it (AccessDeniedException)", 400),
    "throttled": (Throttled, "the extension answered HTTP 429 (throttled)", 429),
    "not_ready": (
        RequestRefused,
        "the extension answered HTTP 400 (not found, access denied or not ready: its log says which)",
        400,
    ),
    "unavailable": (ExtensionUnavailable, "no answer from the extension on port 2773 (ConnectionRefusedError)", None),
    "timeout": (Timeout, "no answer from the extension within 2 s", None),
    "server_error": (RequestRefused, "the extension answered HTTP 502 (its backend failed or timed out)", 502),
}


class _Version:
    __slots__ = ("value", "version_id", "stages", "created")

    def __init__(self, value: str | bytes, version_id: str, created: float) -> None:
        self.value, self.version_id, self.stages, self.created = value, version_id, ["AWSCURRENT"], created


class FakeBackend:
    """Secrets and parameters in memory, by name, served to the client as a backend; errors on demand.

    prefix: the app's prefix ("/prod/payments"): relative names (neither "/..." nor "arn:...")
            are stored and read under it, as the client does, and the parameter
            "<prefix>/manifest" answers a manifest built from what the fake holds (unless you
            put one), so an unknown relative name fails with the declared names as on AWS.
    """

    name = "fake"

    def __init__(
        self, secrets: Mapping[str, str | bytes] | None = None, parameters: Mapping[str, str] | None = None, *, prefix: str = ""
    ) -> None:
        self.prefix = prefix.rstrip("/")
        self.requests = 0  # items fetched (a cache hit in the client fetches nothing)
        self.calls: list[tuple[str, str]] = []  # ("secret" | "parameter", full name) per item fetched
        self.batches: list[tuple[str, int]] = []  # ("secrets" | "parameters", items) per batch call
        self.rotation: dict[str, dict[str, Any]] = {}  # relative or full name -> {"days": N}
        self._secrets: dict[str, list[_Version]] = {}
        self._parameters: dict[str, list[tuple[str, str]]] = {}  # name -> [(value, type)], version n at n-1
        self._failures: dict[str, list[Any]] = {}  # full name -> [error name, reads left or None]
        self._lock = threading.Lock()
        for name, value in (secrets or {}).items():
            self.put_secret(name, value)
        for name, value in (parameters or {}).items():
            self.put_parameter(name, value)

    def __repr__(self) -> str:
        return f"FakeBackend(prefix={self.prefix!r}, secrets={sorted(self._secrets)}, parameters={sorted(self._parameters)})"

    # --- what a test sets up ---------------------------------------------------------------

    def full(self, name: str) -> str:
        """The stored name: a relative name under the prefix (the client's rule)."""
        return f"{self.prefix}/{name}" if self.prefix and not name.startswith(("/", "arn:")) else name

    def put_secret(
        self,
        name: str,
        value: str | bytes,
        *,
        version_id: str | None = None,
        created_date: float | None = None,
        rotation: Mapping[str, Any] | None = None,
    ) -> str:
        """Store a new version and make it AWSCURRENT (the previous one becomes AWSPREVIOUS); its version id.

        rotation ({"days": 30}) declares the secret as rotated in the fake's manifest.
        """
        full = self.full(name)
        with self._lock:
            versions = self._secrets.setdefault(full, [])
            for old in versions:
                old.stages = ["AWSPREVIOUS"] if "AWSCURRENT" in old.stages else []
            created = time.time() if created_date is None else created_date
            version = _Version(value, version_id or f"fake-version-{len(versions) + 1}", created)
            versions.append(version)
        if rotation is not None:
            self.rotation[name] = dict(rotation)
        return version.version_id

    def put_parameter(self, name: str, value: str, *, type: str = "String") -> int:  # noqa: A002 (SSM's word)
        """Store a new version of a parameter (String, StringList or SecureString); its version number."""
        if type not in ("String", "StringList", "SecureString"):
            raise ValueError(f"type {type!r}: use String, StringList or SecureString")
        with self._lock:
            versions = self._parameters.setdefault(self.full(name), [])
            versions.append((value, type))
            return len(versions)

    def delete(self, name: str) -> None:
        """Forget a secret or parameter: reading it then raises NotFound."""
        with self._lock:
            self._secrets.pop(self.full(name), None)
            self._parameters.pop(self.full(name), None)

    def fail(self, name: str, error: str, *, times: int | None = None) -> None:
        """Make reads of `name` fail with `error` (a key of ERRORS): the next `times` reads, or until heal()."""
        if error not in ERRORS:
            raise ValueError(f"error {error!r}: use one of {', '.join(ERRORS)}")
        with self._lock:
            self._failures[self.full(name)] = [error, times]

    def heal(self, name: str | None = None) -> None:
        """Stop failing reads of `name` (or of every name)."""
        with self._lock:
            if name is None:
                self._failures.clear()
            else:
                self._failures.pop(self.full(name), None)

    def manifest(self) -> dict[str, Any]:
        """The app's manifest as the stack would write it, from what the fake holds under its prefix."""
        cut = len(self.prefix) + 1

        def mine(names: Any) -> list[str]:
            return sorted(n[cut:] for n in names if n.startswith(self.prefix + "/"))

        parts = self.prefix.strip("/").split("/")
        secure = [n for n, versions in self._parameters.items() if versions[-1][1] == "SecureString"]
        plain = [n for n, versions in self._parameters.items() if versions[-1][1] != "SecureString"]
        return {
            "version": 1,
            "env": parts[0] if parts else "",
            "app": parts[1] if len(parts) > 1 else "",
            "prefix": self.prefix,
            "secrets": mine(self._secrets),
            "secure_parameters": mine(secure),
            "parameters": mine(n for n in plain if n != f"{self.prefix}/manifest"),
            "formats": {},
            "rotation": {name: rule for name, rule in self.rotation.items()},
        }

    def client(self, **options: Any) -> secrets_client.SecretsClient:
        """A SecretsClient reading from this fake with the fake's prefix and manifest (options override)."""
        settings: dict[str, Any] = {"prefix": self.prefix, "manifest": f"{self.prefix}/manifest" if self.prefix else ""}
        settings.update(options)
        return secrets_client.SecretsClient(backend=self, **settings)

    # --- the backend the client calls ---------------------------------------------------------

    def secret(self, secret_id: str, stage: str | None, version_id: str | None) -> SecretValue:
        """The secret's version by id or stage (AWSCURRENT by default), as GetSecretValue answers it."""
        self._count("secret", secret_id)
        with self._lock:
            versions = self._secrets.get(secret_id)
            wanted = stage or ("AWSCURRENT" if version_id is None else None)
            match = [
                v
                for v in versions or ()
                if (version_id is None or v.version_id == version_id) and (wanted is None or wanted in v.stages)
            ]
        if not match:
            raise NotFound(f"secret {secret_id}", "does not exist (ResourceNotFoundException)", 400)
        version = match[-1]
        arn = f"arn:aws:secretsmanager:us-east-1:123456789012:secret:{secret_id.lstrip('/')}"
        return SecretValue(version.value, secret_id, arn, version.version_id, list(version.stages), version.created)

    def parameter(self, name: str, decrypt: bool, version: int | None, label: str | None) -> ParameterValue:
        """The parameter (version `version`, or the latest), as GetParameter answers it. Labels are not kept."""
        self._count("parameter", name)
        with self._lock:
            versions = self._parameters.get(name)
            if versions is None and name == f"{self.prefix}/manifest" and self.prefix:
                return ParameterValue(json.dumps(self.manifest()), name, None, "String", 1)
        if not versions or label is not None or (version is not None and not 1 <= version <= len(versions)):
            raise NotFound(f"parameter {name}", "does not exist (ParameterNotFound)", 400)
        number = version or len(versions)
        value, kind = versions[number - 1]
        if kind == "SecureString" and not decrypt:
            value = "<encrypted>"  # Parameter Store returns ciphertext without decryption; never the value
        arn = f"arn:aws:ssm:us-east-1:123456789012:parameter/{name.lstrip('/')}"
        return ParameterValue(value, name, arn, kind, number)

    def secrets(self, requests: list[tuple[str, str | None, str | None]]) -> list[Any]:
        """The batch call (BatchGetSecretValue through the SDK, concurrent GETs through the extension)."""
        self.batches.append(("secrets", len(requests)))
        return [self._one(self.secret, *request) for request in requests]

    def parameters(self, requests: list[tuple[str, bool, int | None, str | None]]) -> list[Any]:
        """The batch call (GetParameters through the SDK, concurrent GETs through the extension)."""
        self.batches.append(("parameters", len(requests)))
        return [self._one(self.parameter, *request) for request in requests]

    @staticmethod
    def _one(fetch: Any, *args: Any) -> Any:
        try:
            return fetch(*args)
        except SecretsClientError as exc:
            return exc

    def _count(self, kind: str, name: str) -> None:
        with self._lock:
            self.requests += 1
            self.calls.append((kind, name))
            failure = self._failures.get(name)
            if failure is None:
                return
            error, left = failure
            if left is not None:
                failure[1] = left - 1
                if failure[1] <= 0:
                    del self._failures[name]
        cls, cause, status = ERRORS[error]
        raise cls(f"{kind} {name}", cause, status)


@contextmanager
def use_fake(fake: FakeBackend | None = None, *, prefix: str = "", **options: Any) -> Iterator[FakeBackend]:
    """Within the block, secrets_client's module functions read from `fake` (a new one if not given);
    the previous default client comes back afterwards. `options` go to SecretsClient."""
    fake = fake if fake is not None else FakeBackend(prefix=prefix)
    previous = secrets_client.set_default_client(fake.client(**options))
    try:
        yield fake
    finally:
        secrets_client.set_default_client(previous)


if pytest is not None:

    @pytest.fixture
    def fake_secrets() -> Iterator[FakeBackend]:
        """A FakeBackend that is the default client for one test (relative names under SECRETS_CLIENT_PREFIX, if set)."""
        with use_fake(prefix=os.environ.get("SECRETS_CLIENT_PREFIX", "")) as fake:
            yield fake
