"""Read secrets and parameters in a Lambda function: fast, cheap, and without leaking values.

Shaped like Powertools' parameters utility: a provider (`SecretsClient`, on `BaseProvider`)
owns the TTL cache, `force_fetch`, stale-if-error, names relative to the app and the
transforms; a backend only fetches:
  - `ExtensionBackend`: the AWS Parameters and Secrets Lambda Extension over HTTP on
    127.0.0.1 (PARAMETERS_SECRETS_EXTENSION_HTTP_PORT, default 2773), with a strict
    HTTP/1.1 GET of a few dozen lines on a plain socket: no urllib, http.client or email
    on the cold path; a batch runs concurrent GETs on a few keep-alive connections;
  - `SDKBackend`: boto3 (imported only then), with an injected client or session if given;
    a batch is BatchGetSecretValue (20 secrets a call) and GetParameters (10 a call).
The backend is chosen on first use: the extension when its port answers, else the SDK;
SECRETS_CLIENT_BACKEND=extension|sdk|auto or `SecretsClient(backend=...)` overrides it.

A read returns the value and its metadata (`read_secret` -> `SecretValue` with version id,
stages and creation date; `read_parameter` -> `ParameterValue` with type and version); a
binary secret's value is its bytes. `get_*` return the value alone; `*_by_name` read many.

Cache TTL: `max_age=` per call, else SECRETS_CLIENT_TTL, else the extension's own
SECRETS_MANAGER_TTL / SSM_PARAMETER_STORE_TTL, else 300 s; 0 turns it off. A secret that
rotates on a schedule is kept no longer than its rotation window allows (see
`rotation_horizon`). When a refresh fails for a transient reason, the last value is served
for up to SECRETS_CLIENT_STALE_IF_ERROR seconds (default 60) past its max age, with one log
line. With SECRETS_CLIENT_PREFIX set, a name that is neither absolute nor an ARN is read
under it; an unknown relative name fails with the app's declared names, read from the
manifest parameter SECRETS_CLIENT_MANIFEST. Errors derive from `SecretsClientError`, name
the item and the cause, never a value. docs/client.md has the whole contract.
"""

from __future__ import annotations

import os
import time

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (5-9 ms at cold start)

if TYPE_CHECKING:  # annotations only: typing and collections.abc cost import time
    from collections.abc import Callable, Iterable, Mapping
    from typing import Any, Protocol

    class Backend(Protocol):
        """What a backend implements: fetch one item, no cache (the provider owns that).

        A backend may also implement `secrets(requests)` and `parameters(requests)`: the same
        fetches for a list of argument tuples, returning a read or a `SecretsClientError` for
        each, in order. Without them the provider fetches one by one.
        """

        name: str
        requests: int

        def secret(self, secret_id: str, stage: str | None, version_id: str | None) -> SecretValue: ...

        def parameter(self, name: str, decrypt: bool, version: int | None, label: str | None) -> ParameterValue: ...


# _json, _socket, _thread, random, base64, logging, difflib and boto3 are imported where first
# needed: the module's import is on every cold start's critical path.

__version__ = "0.1.0"
__all__ = [
    "AccessDenied",
    "BadResponse",
    "BaseProvider",
    "ConfigurationError",
    "ExtensionBackend",
    "ExtensionUnavailable",
    "GetParameterError",
    "GetSecretError",
    "NotFound",
    "ParameterValue",
    "RequestRefused",
    "SDKBackend",
    "SecretValue",
    "SecretsClient",
    "SecretsClientError",
    "Throttled",
    "Timeout",
    "TokenRejected",
    "TransformError",
    "TransformParameterError",
    "UnknownName",
    "clear_caches",
    "default_client",
    "get_parameter",
    "get_parameters",
    "get_parameters_by_name",
    "get_secret",
    "get_secrets_by_name",
    "read_parameter",
    "read_parameters_by_name",
    "read_secret",
    "read_secrets_by_name",
    "rotation_horizon",
    "set_default_client",
    "worst_case_staleness",
]

DEFAULT_PORT = 2773
DEFAULT_TTL = 300
TOKEN_HEADER = "X-Aws-Parameters-Secrets-Token"
REQUEST_TIMEOUT = 2.0  # seconds for one HTTP request (connect, send, whole answer)
DEADLINE = 3.0  # seconds for all attempts of one read
BACKOFF = (0.05, 0.1, 0.2, 0.4)  # base waits between attempts, jittered x0.5-1.5
RETRY_STATUSES = frozenset((429, 500, 502, 503, 504))
NOT_READY_RETRIES = 2  # HTTP 400 is also "not ready yet" at a cold start: retried this often only
MAX_HEAD = 16 * 1024  # bytes of status line + headers accepted
MAX_BODY = 1024 * 1024  # a secret is at most 64 KB; its JSON answer far less than this
BATCH_CONNECTIONS = 3  # keep-alive connections a batch opens to the extension (its MAX_CONNECTIONS default)
SECRETS_PER_CALL = 20  # BatchGetSecretValue's limit
PARAMETERS_PER_CALL = 10  # GetParameters' limit
STALE_IF_ERROR = 60.0  # seconds a value may be served past its max age while refreshes fail transiently
STALE_RETRY = 10.0  # seconds between refresh attempts while a stale value is being served
# How long the client keeps a rotated secret once its rotation window is open (seconds), by
# backend: through the extension the client asks the extension every time (its own cache is
# the limit then); through the SDK every call is billed, so at most once a minute.
ROTATION_WINDOW_MAX_AGE = {"extension": 0.0, "sdk": 60.0}
ERRORS_KEY = "_errors"  # Powertools' key for the failed names when raise_on_error=False
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_NOT_FOUND_CODES = frozenset(("ResourceNotFoundException", "ParameterNotFound", "ParameterVersionNotFound"))
_DENIED_CODES = frozenset(("AccessDeniedException", "AccessDenied"))
_THROTTLING_CODES = frozenset(("ThrottlingException", "Throttling", "TooManyRequestsException", "ThrottledException"))
_SECRET_OPTIONS = frozenset(("transform", "max_age", "force_fetch", "version_stage", "version_id"))
_PARAMETER_OPTIONS = frozenset(("transform", "max_age", "force_fetch", "decrypt", "version", "label"))


# --- errors -----------------------------------------------------------------------------


class SecretsClientError(Exception):
    """Reading an item failed; `item` names it, `status` is the HTTP status if there was one."""

    def __init__(self, item: str, cause: str, status: int | None = None) -> None:
        super().__init__(f"{item}: {cause}")
        self.item = item
        self.cause = cause
        self.status = status


class ExtensionUnavailable(SecretsClientError):
    """Nothing answered on the extension's port, or it closed the connection before answering."""


class TokenRejected(SecretsClientError):
    """The extension refused the session token (HTTP 401/403)."""


class RequestRefused(SecretsClientError):
    """The extension answered an error it does not explain: 400 (unknown name, access denied or not
    ready: it does not say which) or 5xx (its backend failed)."""


class BadResponse(SecretsClientError):
    """The answer is not the HTTP/1.1 this client accepts (chunked, malformed, no Content-Length, redirect)."""


class NotFound(SecretsClientError):
    """The secret or parameter (or the asked version) does not exist."""


class UnknownName(NotFound):
    """A name relative to the app that the app's manifest does not declare; `declared` lists what it does."""

    def __init__(self, item: str, cause: str, declared: list[str], status: int | None = None) -> None:
        super().__init__(item, cause, status)
        self.declared = declared


class AccessDenied(SecretsClientError):
    """The function's role may not read the item."""


class Throttled(SecretsClientError):
    """The service (or the extension) throttled the read, and retries did not get through."""


class Timeout(SecretsClientError):
    """No answer within the deadline."""


class TransformError(SecretsClientError):
    """The value could not be transformed (e.g. it is not JSON); the message never quotes the value."""


class ConfigurationError(SecretsClientError, ValueError):
    """The client cannot read as configured: a bad argument or setting, or the SDK path without boto3,
    a region or credentials. The message says what to set."""


# Powertools' names for the same errors (docs/client.md, "Coming from Powertools").
GetParameterError = SecretsClientError
GetSecretError = SecretsClientError
TransformParameterError = TransformError


def _transient(error: SecretsClientError) -> bool:
    """May a retry later succeed? Never for not found, access denied, a token rejection or a bad answer.

    The extension's opaque 400 (RequestRefused, status 400) is not transient by itself: the
    provider serves stale on it only for an item read successfully before (docs/client.md).
    """
    if isinstance(error, (ExtensionUnavailable, Timeout, Throttled)):
        return True
    if type(error) in (RequestRefused, SecretsClientError):
        return error.status is not None and error.status >= 500
    return False


# --- values -----------------------------------------------------------------------------


class SecretValue:
    """A secret's value (str, or bytes for a binary secret) and its metadata; repr hides the value.

    `created_date` is the version's creation time (seconds since the epoch) when the backend says it.
    """

    __slots__ = ("value", "name", "arn", "version_id", "version_stages", "created_date")

    def __init__(
        self,
        value: str | bytes,
        name: str,
        arn: str | None = None,
        version_id: str | None = None,
        version_stages: list[str] | None = None,
        created_date: float | None = None,
    ) -> None:
        self.value, self.name, self.arn = value, name, arn
        self.version_id, self.version_stages = version_id, list(version_stages or ())
        self.created_date = created_date

    def __repr__(self) -> str:
        return f"SecretValue(name={self.name!r}, version_id={self.version_id!r}, stages={self.version_stages!r}, value=<hidden>)"


class ParameterValue:
    """A parameter's value (decrypted if asked) and its metadata; repr hides the value."""

    __slots__ = ("value", "name", "arn", "type", "version")

    def __init__(
        self,
        value: str,
        name: str,
        arn: str | None = None,
        type: str = "String",
        version: int | None = None,  # noqa: A002
    ) -> None:
        self.value, self.name, self.arn, self.type, self.version = value, name, arn, type, version

    def __repr__(self) -> str:
        return f"ParameterValue(name={self.name!r}, type={self.type!r}, version={self.version!r}, value=<hidden>)"


def _epoch(value: Any) -> float | None:
    """A CreatedDate as seconds since the epoch: a number or "1569534789.046" (HTTP), a datetime (SDK)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    timestamp = getattr(value, "timestamp", None)
    return timestamp() if callable(timestamp) else None


def _secret_value(body: dict[str, Any], binary: Callable[[Any], bytes], secret_id: str) -> SecretValue:
    value = body["SecretString"] if body.get("SecretString") is not None else binary(body["SecretBinary"])
    return SecretValue(
        value,
        body.get("Name", secret_id),
        body.get("ARN"),
        body.get("VersionId"),
        list(body.get("VersionStages") or ()),
        _epoch(body.get("CreatedDate")),
    )


def _parameter_value(parameter: dict[str, Any], name: str) -> ParameterValue:
    return ParameterValue(
        parameter["Value"],
        parameter.get("Name", name),
        parameter.get("ARN"),
        parameter.get("Type", "String"),
        parameter.get("Version"),
    )


def _base64(text: str) -> bytes:
    import base64

    return base64.b64decode(text, validate=True)


def _env_ttl(*names: str) -> float:
    for name in ("SECRETS_CLIENT_TTL", *names):
        raw = os.environ.get(name, "")
        if raw.isdigit():
            return float(raw)
    return float(DEFAULT_TTL)


def _warn(message: str) -> None:
    """One line to the function's log (logging is imported only when there is something to say)."""
    import logging

    logging.getLogger("secrets_client").warning("secrets_client: %s", message)


# --- freshness: pure functions the docs and the rotation review quote ---------------------


def rotation_horizon(created: float | None, days: float | None = None, schedule_expression: str | None = None) -> float | None:
    """The earliest time (seconds since the epoch) the next *scheduled* rotation can start; None if unknown.

    Secrets Manager "calculates the next rotation date based on the previous rotation", and
    writing a value counts as a rotation; a rotation runs "at any time during" its window,
    which for a schedule in days "closes at the end of the UTC day" and for one in hours
    "after one hour" (AWS, RotationRulesType). So with the current version created at
    `created`, the next scheduled rotation cannot start before created + period - margin,
    the margin being one day (days) or one hour (hours): the window's whole length. `days`
    or `schedule_expression` as `rate(N days)` / `rate(N hours)` give the period; a cron()
    expression, or no creation date, gives None: the window is treated as always open.
    """
    period = margin = None
    if days:
        period, margin = float(days) * 86400, 86400.0
    elif schedule_expression and schedule_expression.startswith("rate(") and schedule_expression.endswith(")"):
        number, _, unit = schedule_expression[5:-1].strip().partition(" ")
        scale = {"day": 86400.0, "days": 86400.0, "hour": 3600.0, "hours": 3600.0}.get(unit.strip())
        if number.isdigit() and scale:
            period, margin = int(number) * scale, scale if scale == 3600.0 else 86400.0
    if period is None or created is None:
        return None
    return created + period - margin


def worst_case_staleness(
    client_ttl: float,
    extension_ttl: float = DEFAULT_TTL,
    *,
    backend: str = "extension",
    extension_cache: bool = True,
    change: str = "any",
    stale_if_error: float = 0.0,
) -> float:
    """The longest a function may still serve a secret's previous value after it changes (seconds).

    client_ttl:      the client's max age for the secret (SECRETS_CLIENT_TTL, else the
                     extension's TTL variable, else 300).
    extension_ttl:   SECRETS_MANAGER_TTL (the extension clamps it to 300).
    backend:         "extension" (the extension's cache adds its TTL) or "sdk" (the client
                     is the only cache).
    extension_cache: False when the extension's cache is off (CACHE_ENABLED=FALSE or CACHE_SIZE=0).
    change:          "scheduled": a scheduled rotation of a secret the client knows rotates
                     (from the manifest's `rotation`, or `SecretsClient(rotation=...)`): once
                     its window is open the client keeps it ROTATION_WINDOW_MAX_AGE[backend]
                     at most; "any": any other change (an on-demand rotation such as
                     `make rotate`, a new value put by hand).
    stale_if_error:  the stale-if-error window, added only while refreshes fail transiently.

    extension: own + extension_ttl (if its cache is on); sdk: own; where own is client_ttl,
    or min(client_ttl, ROTATION_WINDOW_MAX_AGE[backend]) for a scheduled rotation.
    """
    if backend not in ROTATION_WINDOW_MAX_AGE:
        raise ConfigurationError("worst_case_staleness", f"backend {backend!r}: use extension or sdk")
    if change not in ("any", "scheduled"):
        raise ConfigurationError("worst_case_staleness", f"change {change!r}: use any or scheduled")
    own = min(client_ttl, ROTATION_WINDOW_MAX_AGE[backend]) if change == "scheduled" else client_ttl
    extension = extension_ttl if backend == "extension" and extension_cache else 0.0
    return float(own + extension + stale_if_error)


# --- the speed tricks, fenced: JSON without `json`, HTTP without `http` -------------------
# Measured in docs/benchmarks.md: importing json costs ~8 ms (its `re`), http.client/urllib
# tens of ms at a cold start; everything here stands in for them on the extension path only.


class _JSONContext:
    """What _json.make_scanner reads from a json.JSONDecoder: the standard decoder's defaults."""

    strict = True
    object_hook = object_pairs_hook = None
    parse_float, parse_int = float, int
    parse_constant = {"-Infinity": float("-inf"), "Infinity": float("inf"), "NaN": float("nan")}.__getitem__


class JSONError(ValueError):
    """Not JSON; `pos` is the character where decoding stopped (the text is never quoted)."""

    def __init__(self, pos: int) -> None:
        super().__init__(f"not valid JSON at character {pos}")
        self.pos = pos


def loads(data: str | bytes) -> Any:
    """json.loads with json's own C scanner, without importing json (its `re` costs ~8 ms at a cold start).

    Same results as json.loads (tests/unit/test_http_json.py checks it against json.loads);
    falls back to json.loads where the C scanner is missing.
    """
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    try:
        from _json import make_scanner
    except ImportError:  # an interpreter without the C accelerator
        import json

        return json.loads(text)
    start = len(text) - len(text.lstrip(" \t\n\r"))
    try:
        value, end = make_scanner(_JSONContext)(text, start)
    except StopIteration as exc:
        raise JSONError(exc.value) from None
    except ValueError as exc:  # json.JSONDecodeError, raised by the scanner (it imports json.decoder then)
        raise JSONError(getattr(exc, "pos", start)) from None
    if text[end:].strip(" \t\n\r"):
        raise JSONError(end)
    return value


class _Closed(Exception):
    """The extension closed the connection before a complete answer (retried)."""


class _Malformed(Exception):
    """The answer breaks the HTTP this client accepts (not retried)."""


def _quote(text: str) -> str:
    """Percent-encode everything but RFC 3986's unreserved characters (slashes too, as AWS asks)."""
    return "".join(c if c in _UNRESERVED else "".join(f"%{b:02X}" for b in c.encode()) for c in text)


def _request(port: int, target: str, headers: dict[str, str], keep_alive: bool) -> bytes:
    lines = [f"GET {target} HTTP/1.1", f"Host: localhost:{port}", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join([*lines, *(() if keep_alive else ("Connection: close",)), "", ""])).encode("latin-1")


def _connect(port: int, timeout: float) -> Any:
    import _socket  # the C module: socket.py adds enum and selectors, which this GET does not use

    sock = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.connect(("127.0.0.1", port))
    except BaseException:
        sock.close()
        raise
    return sock


def _exchange(sock: Any, request: bytes, ends: float, quickack: Any = None) -> tuple[str, int, dict[str, str], bytes]:
    """Send `request`, read one answer: (HTTP version, status, header fields, body)."""
    sock.sendall(request)
    data = bytearray()
    while (end := data.find(b"\r\n\r\n")) < 0:
        if len(data) > MAX_HEAD:
            raise _Malformed(f"more than {MAX_HEAD} bytes without the end of the headers")
        data += _recv(sock, ends, "before the end of the headers", quickack)
    version, status, fields = _parse_head(bytes(data[:end]))
    if "transfer-encoding" in fields:
        raise _Malformed("a Transfer-Encoding (chunked) answer; the extension sends Content-Length")
    length = fields.get("content-length")
    if length is None:
        raise _Malformed("no Content-Length header")
    if not length.isdigit() or int(length) > MAX_BODY:
        raise _Malformed(f"Content-Length is not a whole number up to {MAX_BODY}")
    body = data[end + 4 :]
    while len(body) < int(length):
        body += _recv(sock, ends, f"after {len(body)} of {length} body bytes", quickack)
    if len(body) > int(length):
        raise _Malformed("more body bytes than its Content-Length")
    return version, status, fields, bytes(body)


def http_get(port: int, target: str, headers: dict[str, str], timeout: float, sock: Any = None) -> tuple[int, bytes]:
    """One GET to 127.0.0.1:port; (status, body). Raises OSError/TimeoutError, _Closed or _Malformed.

    Strict on purpose: a status line `HTTP/1.x NNN reason`, a Content-Length, no
    Transfer-Encoding, at most MAX_HEAD bytes of head and MAX_BODY of body, everything
    within `timeout` seconds. The connection is closed after each answer.
    sock: a connection already open to the port (the client's port probe), used instead of a
    new one; if the extension closed it meanwhile, a new one is opened within the same timeout.
    """
    ends = time.monotonic() + timeout
    request = _request(port, target, headers, keep_alive=False)
    if sock is not None:
        try:
            _, status, _, body = _exchange(sock, request, ends)
            return status, body
        except (_Closed, ConnectionError):
            pass
        finally:
            sock.close()
    sock = _connect(port, max(0.01, ends - time.monotonic()))
    try:
        _, status, _, body = _exchange(sock, request, ends)
        return status, body
    finally:
        sock.close()


class _Connection:
    """One keep-alive connection to 127.0.0.1:port for a batch: the same strict GET, reused.

    Closed when the answer says so (`Connection: close`, or HTTP/1.0 without keep-alive); a
    reused connection the extension closed meanwhile is reopened once, at no attempt's cost.
    Reads set TCP_QUICKACK where there is one (Linux): on a reused connection, a server that
    sends its headers and its body in two writes (Python's http.server does) would otherwise
    hold the body back (Nagle) until our delayed ACK, ~40 ms later: measured 67 ms a GET
    instead of 24 ms against a stand-in answering after 20 ms (docs/client.md).
    """

    def __init__(self, port: int, sock: Any = None) -> None:
        import _socket

        self.port = port
        self.sock: Any = sock  # None, or an open connection to reuse (the port probe's)
        self.opened = 0  # connections opened (tests count them)
        option = getattr(_socket, "TCP_QUICKACK", None)
        self.quickack = None if option is None else (_socket.IPPROTO_TCP, option)

    def get(self, target: str, headers: dict[str, str], timeout: float) -> tuple[int, bytes]:
        """Like http_get, on this connection."""
        ends = time.monotonic() + timeout
        request = _request(self.port, target, headers, keep_alive=True)
        if self.sock is not None:
            try:
                return self._answer(request, ends)
            except (_Closed, ConnectionError):  # kept open by us, closed by the extension
                self.close()
        self.sock = _connect(self.port, max(0.01, ends - time.monotonic()))
        self.opened += 1
        return self._answer(request, ends)

    def _answer(self, request: bytes, ends: float) -> tuple[int, bytes]:
        try:
            version, status, fields, body = _exchange(self.sock, request, ends, self.quickack)
        except BaseException:
            self.close()
            raise
        persistent = fields.get("connection", "").lower()
        if persistent == "close" or (version == "HTTP/1.0" and persistent != "keep-alive"):
            self.close()
        return status, body

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None


def _recv(sock: Any, ends: float, where: str, quickack: Any = None) -> bytes:
    left = ends - time.monotonic()
    if left <= 0:
        raise TimeoutError
    sock.settimeout(left)
    if quickack is not None:  # (level, option): acknowledge at once, for this read (Linux resets it)
        sock.setsockopt(*quickack, 1)
    chunk = sock.recv(65536)
    if not chunk:
        raise _Closed(f"the extension closed the connection {where}")
    return chunk


def _parse_head(head: bytes) -> tuple[str, int, dict[str, str]]:
    """The HTTP version, status code and header fields (names lower-cased); _Malformed if not strict HTTP/1.1."""
    status_line, *lines = head.decode("latin-1").split("\r\n")
    parts = status_line.split(" ", 2)
    if len(parts) < 2 or parts[0] not in ("HTTP/1.1", "HTTP/1.0") or len(parts[1]) != 3 or not parts[1].isdigit():
        raise _Malformed("a malformed status line (expected 'HTTP/1.1 <3-digit status> <reason>')")
    fields: dict[str, str] = {}
    for line in lines:
        name, colon, value = line.partition(":")
        if not colon or not name or name != name.strip() or name[0] in " \t":
            raise _Malformed("a malformed header line")
        name, value = name.lower(), value.strip(" \t")
        if name in fields and fields[name] != value:
            raise _Malformed(f"two different {name} headers")
        fields[name] = value
    return parts[0], int(parts[1]), fields


def _error_code(body: bytes) -> str:
    """The `__type` of an error body shaped like the Secrets Manager Agent's, else "" (never the message)."""
    if not body.startswith(b"{"):
        return ""
    try:
        code = loads(body).get("__type", "")
    except (ValueError, AttributeError):
        return ""
    return code.rpartition("#")[2] if isinstance(code, str) else ""


# --- the extension backend ----------------------------------------------------------------


class ExtensionBackend:
    """Fetches from the Parameters and Secrets Lambda Extension over HTTP (no cache of its own)."""

    name = "extension"

    def __init__(
        self, port: int | None = None, timeout: float | None = None, deadline: float | None = None, connections: int | None = None
    ) -> None:
        import _thread

        raw = os.environ.get("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", "")
        self.port = port or (int(raw) if raw.isdigit() else DEFAULT_PORT)
        self.timeout, self.deadline = timeout, deadline  # None: the module's REQUEST_TIMEOUT / DEADLINE
        self.connections = max(1, connections or BATCH_CONNECTIONS)
        self.requests = 0  # HTTP requests made, retries included
        self.opened = 0  # TCP connections opened
        self._lock = _thread.allocate_lock()
        self._spare: Any = None  # the port probe's open connection, for the next single read

    def _adopt(self, sock: Any) -> None:
        """Carry the next single read on `sock`, a connection the client's port probe opened (counted here)."""
        self._spare = sock
        self.opened += 1

    def _take_spare(self) -> Any:
        with self._lock:
            sock, self._spare = self._spare, None
        return sock

    def secret(self, secret_id: str, stage: str | None, version_id: str | None) -> SecretValue:
        return self._secret(None, secret_id, stage, version_id)

    def parameter(self, name: str, decrypt: bool, version: int | None, label: str | None) -> ParameterValue:
        return self._parameter(None, name, decrypt, version, label)

    def secrets(self, requests: list[tuple[str, str | None, str | None]]) -> list[SecretValue | SecretsClientError]:
        """Many secrets at once: concurrent GETs on up to `connections` keep-alive connections."""
        return self._batch(self._secret, requests)

    def parameters(self, requests: list[tuple[str, bool, int | None, str | None]]) -> list[ParameterValue | SecretsClientError]:
        """Many parameters at once: concurrent GETs on up to `connections` keep-alive connections."""
        return self._batch(self._parameter, requests)

    def _secret(self, conn: _Connection | None, secret_id: str, stage: str | None, version_id: str | None) -> SecretValue:
        item = f"secret {secret_id}"
        query = {"secretId": secret_id, "versionStage": stage, "versionId": version_id}
        body = self._get("/secretsmanager/get", query, item, conn)
        try:
            return _secret_value(body, _base64, secret_id)
        except (KeyError, TypeError, ValueError):
            raise BadResponse(item, "the answer has no SecretString or valid SecretBinary") from None

    def _parameter(
        self, conn: _Connection | None, name: str, decrypt: bool, version: int | None, label: str | None
    ) -> ParameterValue:
        item = f"parameter {name}"
        query = {"name": name, "withDecryption": "true" if decrypt else "false"}
        query.update({"version": str(version)} if version is not None else {"label": label})
        body = self._get("/systemsmanager/parameters/get", query, item, conn)
        try:
            return _parameter_value(body["Parameter"], name)
        except (KeyError, TypeError):
            raise BadResponse(item, "the answer has no Parameter with a Value") from None

    def _batch(self, fetch: Callable[..., Any], requests: list[tuple[Any, ...]]) -> list[Any]:
        """Run fetch(conn, *request) for each request on a small pool: the caller's thread and up to
        connections - 1 more (_thread: no `threading` import), each with its own keep-alive connection."""
        import _thread

        results: list[Any] = [None] * len(requests)
        failures: list[BaseException] = []
        cursor = iter(range(len(requests)))  # shared: next() on a range iterator is atomic under the GIL
        take = _thread.allocate_lock()

        def work(done: Any) -> None:
            conn = _Connection(self.port, self._take_spare() if done is None else None)
            try:
                while True:
                    with take:
                        index = next(cursor, None)
                    if index is None:
                        return
                    try:
                        results[index] = fetch(conn, *requests[index])
                    except SecretsClientError as exc:
                        results[index] = exc
            except BaseException as exc:  # a bug, not a read error: re-raised in the caller's thread
                failures.append(exc)
            finally:
                conn.close()
                with self._lock:
                    self.opened += conn.opened
                if done is not None:
                    done.release()

        finished = []
        for _ in range(min(len(requests), self.connections) - 1):
            done = _thread.allocate_lock()
            done.acquire()
            finished.append(done)
            _thread.start_new_thread(work, (done,))
        work(None)
        for done in finished:
            done.acquire()
        if failures:
            raise failures[0]
        return results

    def _get(self, path: str, query: dict[str, str | None], item: str, conn: _Connection | None = None) -> dict[str, Any]:
        """GET with retries within the deadline; the decoded JSON body."""
        token = os.environ.get("AWS_SESSION_TOKEN", "")
        if "\r" in token or "\n" in token:
            raise TokenRejected(item, "AWS_SESSION_TOKEN contains a line break; set it to the function's session token")
        target = path + "?" + "&".join(f"{k}={_quote(v)}" for k, v in query.items() if v is not None)
        timeout = REQUEST_TIMEOUT if self.timeout is None else self.timeout
        ends = time.monotonic() + (DEADLINE if self.deadline is None else self.deadline)
        attempt = 0
        while True:
            spare = self._take_spare() if conn is None else None
            with self._lock:
                self.requests += 1
                self.opened += conn is None and spare is None
            try:
                left = max(0.01, min(timeout, ends - time.monotonic()))
                if conn is None:
                    status, body = http_get(self.port, target, {TOKEN_HEADER: token}, left, spare)
                else:
                    status, body = conn.get(target, {TOKEN_HEADER: token}, left)
            except TimeoutError:
                error: SecretsClientError = Timeout(item, f"no answer from the extension within {timeout:g} s")
            except _Closed as exc:
                error = ExtensionUnavailable(item, str(exc))
            except _Malformed as exc:
                raise BadResponse(item, f"the extension's answer was refused: {exc}") from None
            except OSError as exc:
                error = ExtensionUnavailable(item, f"no answer from the extension on port {self.port} ({type(exc).__name__})")
            else:
                if status == 200:
                    try:
                        answer = loads(body)
                    except ValueError:
                        answer = None
                    if not isinstance(answer, dict):
                        raise BadResponse(item, "the extension answered HTTP 200 with a body that is not a JSON object")
                    return answer
                error = self._status_error(item, status, body)
                if not (status in RETRY_STATUSES or (type(error) is RequestRefused and attempt < NOT_READY_RETRIES)):
                    raise error
            if attempt >= len(BACKOFF):
                raise error
            import random  # only once a retry is needed

            wait = BACKOFF[attempt] * (0.5 + random.random())
            if time.monotonic() + wait >= ends:
                raise error
            time.sleep(wait)
            attempt += 1

    @staticmethod
    def _status_error(item: str, status: int, body: bytes) -> SecretsClientError:
        if 300 <= status < 400 or status < 200:
            return BadResponse(item, f"the extension answered HTTP {status}; redirects and interim answers are not followed")
        if status in (401, 403):
            return TokenRejected(item, f"the extension rejected the session token (HTTP {status})", status)
        if status == 429:
            return Throttled(item, "the extension answered HTTP 429 (throttled)", status)
        code = _error_code(body) if status == 400 else ""
        if code in _NOT_FOUND_CODES:
            return NotFound(item, f"does not exist ({code})", status)
        if code in _DENIED_CODES:
            return AccessDenied(item, f"the function's role may not read it ({code})", status)
        if status >= 500:
            return RequestRefused(item, f"the extension answered HTTP {status} (its backend failed or timed out)", status)
        return RequestRefused(
            item, f"the extension answered HTTP {status} (not found, access denied or not ready: its log says which)", status
        )


# --- the SDK backend ------------------------------------------------------------------------


class SDKBackend:
    """Fetches with boto3 (imported on first use); pass a boto3 client or session to reuse yours."""

    name = "sdk"

    def __init__(
        self,
        *,
        secretsmanager_client: Any = None,
        ssm_client: Any = None,
        boto3_session: Any = None,
        boto_config: Any = None,
    ) -> None:
        self._clients = {"secretsmanager": secretsmanager_client, "ssm": ssm_client}
        self._session = boto3_session
        self._config = boto_config
        self.requests = 0  # SDK calls made (botocore's own retries not counted)
        self.calls: dict[str, int] = {}  # SDK calls by operation name
        self._batch_denied = False  # the role may not call BatchGetSecretValue: read one by one

    def secret(self, secret_id: str, stage: str | None, version_id: str | None) -> SecretValue:
        kwargs = {"SecretId": secret_id, "VersionStage": stage, "VersionId": version_id}
        body = self.call("secretsmanager", "get_secret_value", f"secret {secret_id}", **kwargs)
        return _secret_value(body, bytes, secret_id)  # boto3 has already decoded SecretBinary

    def parameter(self, name: str, decrypt: bool, version: int | None, label: str | None) -> ParameterValue:
        selector = f":{version}" if version is not None else f":{label}" if label else ""
        body = self.call("ssm", "get_parameter", f"parameter {name}", Name=name + selector, WithDecryption=decrypt)
        return _parameter_value(body["Parameter"], name)

    def secrets(self, requests: list[tuple[str, str | None, str | None]]) -> list[SecretValue | SecretsClientError]:
        """Current versions by BatchGetSecretValue, 20 a call (one billed Secrets Manager call each);
        a pinned version or stage, or a name the answer does not match, by GetSecretValue."""
        results: list[Any] = [None] * len(requests)
        current = [i for i, (_, stage, version_id) in enumerate(requests) if version_id is None and stage in (None, "AWSCURRENT")]
        if len(current) < 2:  # one secret: GetSecretValue, the same single billed call
            current = []
        single = sorted(set(range(len(requests))) - set(current))
        if current:
            for start in range(0, len(current), SECRETS_PER_CALL):
                single += self._secrets_batch(requests, current[start : start + SECRETS_PER_CALL], results)
        for index in single:
            results[index] = self._one(self.secret, *requests[index])
        return results

    def _secrets_batch(self, requests: list[tuple[Any, ...]], chunk: list[int], results: list[Any]) -> list[int]:
        """One BatchGetSecretValue for `chunk` (indexes into requests); the indexes left for GetSecretValue."""
        if self._batch_denied:
            return chunk
        ids = [requests[i][0] for i in chunk]
        try:
            answer = self.call("secretsmanager", "batch_get_secret_value", f"secrets {', '.join(ids)}", SecretIdList=ids)
        except AccessDenied:
            self._batch_denied = True
            _warn(
                "BatchGetSecretValue denied: reading secrets one by one (grant secretsmanager:BatchGetSecretValue "
                'on Resource "*" beside GetSecretValue on the secrets)'
            )
            return chunk
        except SecretsClientError as exc:
            for i in chunk:
                results[i] = type(exc)(f"secret {requests[i][0]}", exc.cause, exc.status)
            return []
        found = {}
        for body in answer.get("SecretValues", []):
            found[body.get("Name")] = found[body.get("ARN")] = body
        errors = {error.get("SecretId"): error for error in answer.get("Errors", [])}
        left = []
        for i in chunk:
            secret_id = requests[i][0]
            if secret_id in found:
                results[i] = _secret_value(found[secret_id], bytes, secret_id)
            elif secret_id in errors:
                results[i] = _client_error(f"secret {secret_id}", "secretsmanager", errors[secret_id].get("ErrorCode", ""), None)
            else:  # e.g. a partial ARN the answer names differently: ask for it alone
                left.append(i)
        return left

    def parameters(self, requests: list[tuple[str, bool, int | None, str | None]]) -> list[ParameterValue | SecretsClientError]:
        """By GetParameters, 10 names a call, grouped by decryption; a call refused as a whole (one name
        the role may not read denies them all) is read again one by one for each name's own error."""
        results: list[Any] = [None] * len(requests)
        if len(requests) == 1:
            return [self._one(self.parameter, *requests[0])]
        for decrypt in (True, False):
            group = [i for i, request in enumerate(requests) if bool(request[1]) is decrypt]
            for start in range(0, len(group), PARAMETERS_PER_CALL):
                chunk = group[start : start + PARAMETERS_PER_CALL]
                for index in self._parameters_call(requests, chunk, decrypt, results):
                    results[index] = self._one(self.parameter, *requests[index])
        return results

    def _parameters_call(self, requests: list[tuple[Any, ...]], chunk: list[int], decrypt: bool, results: list[Any]) -> list[int]:
        names = {}
        for i in chunk:
            name, _, version, label = requests[i]
            names[i] = name + (f":{version}" if version is not None else f":{label}" if label else "")
        try:
            answer = self.call(
                "ssm",
                "get_parameters",
                f"parameters {', '.join(names.values())}",
                Names=list(names.values()),
                WithDecryption=decrypt,
            )
        except (AccessDenied, NotFound):
            return chunk
        except SecretsClientError as exc:
            for i in chunk:
                results[i] = type(exc)(f"parameter {requests[i][0]}", exc.cause, exc.status)
            return []
        found: dict[str, Any] = {}
        for parameter in answer.get("Parameters", []):
            found[parameter.get("Name", "") + (parameter.get("Selector") or "")] = parameter
            found[f"{parameter.get('Name', '')}:{parameter.get('Version')}"] = parameter  # when Selector is not echoed
        invalid = set(answer.get("InvalidParameters", []))
        left = []
        for i, asked in names.items():
            if asked in found:
                results[i] = _parameter_value(found[asked], requests[i][0])
            elif asked in invalid:
                results[i] = NotFound(f"parameter {requests[i][0]}", "does not exist (InvalidParameters)")
            else:
                left.append(i)
        return left

    @staticmethod
    def _one(fetch: Callable[..., Any], *args: Any) -> Any:
        try:
            return fetch(*args)
        except SecretsClientError as exc:
            return exc

    def client(self, service: str) -> Any:
        """The boto3 client for `service`: the injected one, else one from the session (or boto3's default)."""
        if self._clients.get(service) is None:
            try:
                import boto3
                from botocore.config import Config
                from botocore.exceptions import NoRegionError
            except ImportError:
                raise ConfigurationError(
                    service,
                    "the SDK backend needs boto3: pip install 'lambda-secrets-client[sdk]' (or run where the extension is)",
                ) from None
            config = self._config or Config(
                connect_timeout=REQUEST_TIMEOUT, read_timeout=REQUEST_TIMEOUT, retries={"mode": "standard", "max_attempts": 3}
            )
            if self._session is None:
                self._session = boto3.session.Session()
            try:
                self._clients[service] = self._session.client(service, config=config)
            except NoRegionError:
                raise ConfigurationError(
                    service, "no AWS region: set AWS_DEFAULT_REGION (boto3 does not read AWS_REGION), or pass a boto3 session"
                ) from None
        return self._clients[service]

    def call(self, service: str, operation: str, item: str, **kwargs: Any) -> dict[str, Any]:
        """One SDK call with typed errors; None-valued arguments are left out."""
        method = getattr(self.client(service), operation)
        from botocore.exceptions import (
            BotoCoreError,
            ClientError,
            ConnectTimeoutError,
            NoCredentialsError,
            PartialCredentialsError,
            ReadTimeoutError,
        )

        self.requests += 1
        self.calls[operation] = self.calls.get(operation, 0) + 1
        try:
            response = method(**{k: v for k, v in kwargs.items() if v is not None})
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            raise _client_error(item, service, code, exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")) from None
        except (ConnectTimeoutError, ReadTimeoutError):
            raise Timeout(item, f"no answer from {service} within {REQUEST_TIMEOUT:g} s") from None
        except (NoCredentialsError, PartialCredentialsError):
            raise ConfigurationError(
                item, "no AWS credentials: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or pass a boto3 session"
            ) from None
        except BotoCoreError as exc:
            raise SecretsClientError(item, f"{service} call failed ({type(exc).__name__})") from None
        response.pop("ResponseMetadata", None)
        return response


def _client_error(item: str, service: str, code: str, status: int | None) -> SecretsClientError:
    """The typed error for an AWS error code (never its message, which may echo input)."""
    if code in _NOT_FOUND_CODES:
        return NotFound(item, f"does not exist ({code})", status)
    if code in _DENIED_CODES:
        return AccessDenied(item, f"the function's role may not read it ({code})", status)
    if code in _THROTTLING_CODES:
        return Throttled(item, f"{service} throttled the read ({code})", status)
    if status is None and code in ("InternalServiceError", "InternalServerError", "InternalFailure"):
        status = 500
    return SecretsClientError(item, f"{service} answered {code or 'an error'}", status)


# --- the provider: cache, stale-if-error, names, rotation, transforms --------------------


class _Entry:
    """A cached read: its value, when it stops being fresh, and the stale-if-error state."""

    __slots__ = ("value", "expires", "retry_at", "rotation_pending")

    def __init__(self, value: Any, expires: float, rotation_pending: bool) -> None:
        self.value, self.expires, self.retry_at, self.rotation_pending = value, expires, 0.0, rotation_pending


class BaseProvider:
    """The TTL cache with stale-if-error, and the transforms; subclasses say what to fetch and how long to keep it."""

    stale_if_error = STALE_IF_ERROR

    def __init__(self) -> None:
        self._cache: dict[tuple[Any, ...], _Entry] = {}

    def _cached(self, key: tuple[Any, ...], ttl: float, force_fetch: bool, fetch: Callable[[], Any]) -> Any:
        """The cached value if younger than `ttl` and not `force_fetch`; else fetch (and keep unless ttl is 0)."""
        now = time.monotonic()
        if not force_fetch and ttl > 0 and (hit := self._hit(key, now)) is not None:
            return hit
        try:
            value = fetch()
        except SecretsClientError as exc:
            return self._failed(key, exc, force_fetch, time.monotonic())
        self._store(key, value, ttl, time.monotonic(), False)
        return value

    def _hit(self, key: tuple[Any, ...], now: float) -> Any:
        """The cached value if fresh, or stale but between two refresh attempts within the window; else None."""
        entry = self._cache.get(key)  # one dict read: safe across threads without a lock
        if entry is None:
            return None
        if entry.rotation_pending:
            self._rotation_resolved(key, entry, now)
        if entry.expires > now or (entry.retry_at > now and now < entry.expires + self.stale_if_error):
            return entry.value
        return None

    def _store(self, key: tuple[Any, ...], value: Any, ttl: float, now: float, rotation_pending: bool) -> None:
        if value is None or (ttl <= 0 and self.stale_if_error <= 0):
            self._cache.pop(key, None)
            return
        self._cache[key] = _Entry(value, now + max(ttl, 0.0), rotation_pending)

    def _failed(self, key: tuple[Any, ...], error: SecretsClientError, force_fetch: bool, now: float) -> Any:
        """The stale value if the rules allow it (and one log line); else raise `error`.

        Stale only when not force_fetch, the item was read successfully before (it has an entry),
        the failure is transient, or the extension's opaque 400 for an item read before, and the
        value is less than stale_if_error seconds past its max age. NotFound and AccessDenied
        drop the entry and always raise.
        """
        entry = self._cache.get(key)
        if isinstance(error, (NotFound, AccessDenied)):
            self._cache.pop(key, None)
        elif (
            entry is not None
            and not force_fetch
            and (_transient(error) or (type(error) is RequestRefused and error.status == 400))
            and now < entry.expires + self.stale_if_error
        ):
            entry.retry_at = now + STALE_RETRY
            late, left = max(0.0, now - entry.expires), entry.expires + self.stale_if_error - now
            _warn(
                f"serving {error.item} from the cache {late:.0f} s past its max age: the refresh failed "
                f"({type(error).__name__}: {error.cause}); stale for at most {left:.0f} s more, next attempt in {STALE_RETRY:g} s"
            )
            return entry.value
        raise error

    def _rotation_resolved(self, key: tuple[Any, ...], entry: _Entry, now: float) -> None:
        entry.rotation_pending = False

    def clear_cache(self) -> None:
        """Forget every cached value (tests; after a change you want to see at once)."""
        self._cache.clear()

    @staticmethod
    def transform(item: str, value: Any, transform: str | None, name: str = "") -> Any:
        """None: as is; "json": decoded JSON; "binary": base64-decoded bytes; "auto": by the name's suffix
        (".json", ".binary", else as is), as Powertools does. Errors never quote the value."""
        if transform == "auto":
            transform = "json" if name.endswith(".json") else "binary" if name.endswith(".binary") else None
        if transform is None:
            return value
        if transform not in ("json", "binary"):
            raise ConfigurationError(item, "transform must be None, 'json', 'binary' or 'auto'")
        if transform == "binary":
            try:
                return _base64(value) if isinstance(value, str) else value
            except ValueError:  # binascii.Error
                raise TransformError(item, "the value is not valid base64") from None
        try:
            return loads(value)
        except (ValueError, TypeError) as exc:
            position = getattr(exc, "pos", None)
            where = f" at character {position}" if position is not None else ""
            raise TransformError(item, f"the value is not valid JSON{where}") from None


class _Request:
    """One item of a read: the name as given, the full name, the backend's arguments, the options."""

    __slots__ = ("kind", "given", "full", "args", "ttl", "force", "transform")

    def __init__(self, kind: str, given: str, full: str, args: tuple[Any, ...], ttl: float, force: bool, transform: Any) -> None:
        self.kind, self.given, self.full, self.args = kind, given, full, args
        self.ttl, self.force, self.transform = ttl, force, transform

    @property
    def key(self) -> tuple[Any, ...]:
        return (self.kind, *self.args)

    @property
    def item(self) -> str:
        return f"{self.kind} {self.given}"


_UNREAD = object()  # the manifest has not been read yet


class SecretsClient(BaseProvider):
    """Cached reads of secrets and parameters through the extension or the SDK.

    backend:         "auto" (default: SECRETS_CLIENT_BACKEND, else the extension if its port
                     answers, else the SDK), "extension", "sdk", or a backend object.
    port:            the extension's port (default PARAMETERS_SECRETS_EXTENSION_HTTP_PORT, 2773).
    boto3_session, secretsmanager_client, ssm_client, boto_config: the SDK backend's boto3 objects.
    prefix:          the app's name prefix for relative names (default SECRETS_CLIENT_PREFIX);
                     "" turns relative names off.
    manifest:        the SSM parameter holding the app's manifest (default SECRETS_CLIENT_MANIFEST);
                     "" turns it off.
    rotation:        {secret name: {"days": N} or {"schedule_expression": "rate(...)"}}, beside
                     the manifest's `rotation`.
    stale_if_error:  seconds a value may be served past its max age while refreshes fail
                     transiently (default SECRETS_CLIENT_STALE_IF_ERROR, else 60; 0: never).
    connections:     keep-alive connections a batch opens to the extension (default 3).
    """

    def __init__(
        self,
        backend: str | Backend | None = None,
        port: int | None = None,
        *,
        boto3_session: Any = None,
        secretsmanager_client: Any = None,
        ssm_client: Any = None,
        boto_config: Any = None,
        prefix: str | None = None,
        manifest: str | None = None,
        rotation: Mapping[str, Mapping[str, Any]] | None = None,
        stale_if_error: float | None = None,
        connections: int | None = None,
    ) -> None:
        super().__init__()
        choice = backend or os.environ.get("SECRETS_CLIENT_BACKEND", "auto")
        if isinstance(choice, str) and choice not in ("auto", "extension", "sdk"):
            raise ConfigurationError(
                "backend", f"{choice!r} is not a backend: use auto, extension or sdk (SECRETS_CLIENT_BACKEND)"
            )
        self._choice = choice
        self._port = port
        self._connections = connections
        self._sdk_options = {
            "boto3_session": boto3_session,
            "secretsmanager_client": secretsmanager_client,
            "ssm_client": ssm_client,
            "boto_config": boto_config,
        }
        self._backend: Backend | None = None if isinstance(choice, str) else choice
        raw_prefix = os.environ.get("SECRETS_CLIENT_PREFIX", "") if prefix is None else prefix
        if raw_prefix and not raw_prefix.startswith("/"):
            raise ConfigurationError("prefix", f"{raw_prefix!r} must start with '/', e.g. /prod/payments (SECRETS_CLIENT_PREFIX)")
        self.prefix = raw_prefix.rstrip("/")
        self.manifest_name = os.environ.get("SECRETS_CLIENT_MANIFEST", "") if manifest is None else manifest
        if stale_if_error is None:
            raw = os.environ.get("SECRETS_CLIENT_STALE_IF_ERROR", "")
            stale_if_error = float(raw) if raw.isdigit() else STALE_IF_ERROR
        self.stale_if_error = float(stale_if_error)
        self._rotation = {self._full(name): dict(rule) for name, rule in (rotation or {}).items()}
        self._manifest: Any = _UNREAD if self.manifest_name else None
        self._manifest_retry = 0.0

    # --- public API: one item ----------------------------------------------------------

    @property
    def backend(self) -> str:
        """ "extension" or "sdk": the configured one, or (auto) whether the extension's port answers."""
        return self._fetcher().name

    @property
    def requests(self) -> int:
        """Backend requests made (a cache hit makes none)."""
        return self._backend.requests if self._backend is not None else 0

    def read_secret(
        self,
        secret_id: str,
        *,
        version_stage: str | None = None,
        version_id: str | None = None,
        max_age: float | None = None,
        force_fetch: bool = False,
    ) -> SecretValue:
        """The secret's value (str, or bytes if binary) with its name, ARN, version id, stages and creation date."""
        request = self._secret_request(
            secret_id, {"version_stage": version_stage, "version_id": version_id}, max_age, force_fetch
        )
        return self._unwrap(self._read([request])[0])

    def read_parameter(
        self,
        name: str,
        *,
        decrypt: bool = True,
        version: int | None = None,
        label: str | None = None,
        max_age: float | None = None,
        force_fetch: bool = False,
    ) -> ParameterValue:
        """The parameter's value (decrypted unless decrypt=False) with its name, ARN, type and version."""
        request = self._parameter_request(name, {"decrypt": decrypt, "version": version, "label": label}, max_age, force_fetch)
        return self._unwrap(self._read([request])[0])

    def get_secret(
        self,
        secret_id: str,
        *,
        version_stage: str | None = None,
        version_id: str | None = None,
        transform: str | None = None,
        max_age: float | None = None,
        force_fetch: bool = False,
    ) -> Any:
        """The secret's value: str (bytes if binary), or transformed ("json", "binary", "auto" by name suffix)."""
        read = self.read_secret(
            secret_id, version_stage=version_stage, version_id=version_id, max_age=max_age, force_fetch=force_fetch
        )
        return self.transform(f"secret {secret_id}", read.value, transform, secret_id)

    def get_parameter(
        self,
        name: str,
        *,
        decrypt: bool = True,
        version: int | None = None,
        label: str | None = None,
        transform: str | None = None,
        max_age: float | None = None,
        force_fetch: bool = False,
    ) -> Any:
        """The parameter's value (a StringList as a list), or transformed ("json", "binary", "auto")."""
        read = self.read_parameter(name, decrypt=decrypt, version=version, label=label, max_age=max_age, force_fetch=force_fetch)
        return self._parameter_result(read, name, transform)

    # --- public API: many items -----------------------------------------------------------

    def read_secrets_by_name(
        self,
        names: Iterable[str] | Mapping[str, Mapping[str, Any]],
        *,
        max_age: float | None = None,
        force_fetch: bool = False,
        raise_on_error: bool = True,
    ) -> dict[str, Any]:
        """Many secrets with their metadata: {name as given: SecretValue}, in the order given.

        `names` is a list, or a dict of name -> per-item options (version_stage, version_id,
        max_age, force_fetch). raise_on_error=True raises the first failed item's error (in the
        order given) after reading all; False puts each failed item's error (a SecretsClientError)
        in its place instead.
        """
        items = self._items(names, _SECRET_OPTIONS - {"transform"}, "secret")
        requests = [self._secret_request(name, options, max_age, force_fetch) for name, options in items]
        return self._results(requests, self._read(requests), raise_on_error, lambda request, read: read)

    def read_parameters_by_name(
        self,
        names: Iterable[str] | Mapping[str, Mapping[str, Any]],
        *,
        decrypt: bool = True,
        max_age: float | None = None,
        force_fetch: bool = False,
        raise_on_error: bool = True,
    ) -> dict[str, Any]:
        """Many parameters with their metadata: {name as given: ParameterValue}; as read_secrets_by_name
        (per-item options: decrypt, version, label, max_age, force_fetch)."""
        items = self._items(names, _PARAMETER_OPTIONS - {"transform"}, "parameter")
        requests = [
            self._parameter_request(name, {"decrypt": decrypt, **options}, max_age, force_fetch) for name, options in items
        ]
        return self._results(requests, self._read(requests), raise_on_error, lambda request, read: read)

    def get_secrets_by_name(
        self,
        names: Iterable[str] | Mapping[str, Mapping[str, Any]],
        *,
        transform: str | None = None,
        max_age: float | None = None,
        force_fetch: bool = False,
        raise_on_error: bool = True,
    ) -> dict[str, Any]:
        """Many secrets' values, as Powertools' get_parameters_by_name: {name: value}; with
        raise_on_error=False the failed names are listed under "_errors" instead of raising.
        Per-item options (a dict of name -> options) override transform, max_age and force_fetch."""
        items = self._items(names, _SECRET_OPTIONS, "secret", errors_key=not raise_on_error)
        requests = [
            self._secret_request(name, options, max_age, force_fetch, options.get("transform", transform))
            for name, options in items
        ]
        values = self._results(requests, self._read(requests), raise_on_error, self._secret_result)
        return self._powertools_shape(values, raise_on_error)

    def get_parameters_by_name(
        self,
        parameters: Iterable[str] | Mapping[str, Mapping[str, Any]],
        *,
        transform: str | None = None,
        decrypt: bool = True,
        max_age: float | None = None,
        force_fetch: bool = False,
        raise_on_error: bool = True,
    ) -> dict[str, Any]:
        """Many parameters' values, as Powertools' get_parameters_by_name (a StringList as a list)."""
        items = self._items(parameters, _PARAMETER_OPTIONS, "parameter", errors_key=not raise_on_error)
        requests = [
            self._parameter_request(
                name, {"decrypt": decrypt, **options}, max_age, force_fetch, options.get("transform", transform)
            )
            for name, options in items
        ]
        values = self._results(requests, self._read(requests), raise_on_error, self._parameter_request_result)
        return self._powertools_shape(values, raise_on_error)

    def get_parameters(self, names: Iterable[str], *, decrypt: bool = True, max_age: float | None = None) -> dict[str, Any]:
        """Several parameters by name at once (this client's own; Powertools' get_parameters takes a path)."""
        return self.get_parameters_by_name(list(names), decrypt=decrypt, max_age=max_age)

    def get_parameters_by_path(
        self, path: str, *, decrypt: bool = True, recursive: bool = True, max_age: float | None = None, force_fetch: bool = False
    ) -> dict[str, str]:
        """Every parameter under a path, by full name. Always the SDK: the extension has no by-path call."""
        ttl = _env_ttl("SSM_PARAMETER_STORE_TTL") if max_age is None else max_age
        path = self._full(path)
        sdk = self._backend if isinstance(self._backend, SDKBackend) else SDKBackend(**self._sdk_options)

        def fetch() -> dict[str, str]:
            found: dict[str, str] = {}
            kwargs: dict[str, Any] = {"Path": path, "Recursive": recursive, "WithDecryption": decrypt}
            while True:
                page = sdk.call("ssm", "get_parameters_by_path", f"parameters under {path}", **kwargs)
                found.update({p["Name"]: p["Value"] for p in page.get("Parameters", [])})
                if not page.get("NextToken"):
                    return found
                kwargs["NextToken"] = page["NextToken"]

        return self._cached(("path", path, decrypt, recursive), ttl, force_fetch, fetch)

    # --- requests and results --------------------------------------------------------------

    def _full(self, name: str) -> str:
        """The name to read: relative names (neither "/..." nor "arn:...") under the prefix, if one is set."""
        if self.prefix and not name.startswith(("/", "arn:")):
            return f"{self.prefix}/{name}"
        return name

    def _secret_request(
        self, name: str, options: Mapping[str, Any], max_age: float | None, force: bool, transform: Any = None
    ) -> _Request:
        age = options.get("max_age", max_age)
        ttl = _env_ttl("SECRETS_MANAGER_TTL") if age is None else float(age)
        full = self._full(name)
        args = (full, options.get("version_stage"), options.get("version_id"))
        return _Request("secret", name, full, args, ttl, bool(options.get("force_fetch", force)), transform)

    def _parameter_request(
        self, name: str, options: Mapping[str, Any], max_age: float | None, force: bool, transform: Any = None
    ) -> _Request:
        age = options.get("max_age", max_age)
        ttl = _env_ttl("SSM_PARAMETER_STORE_TTL") if age is None else float(age)
        full = self._full(name)
        args = (full, bool(options.get("decrypt", True)), options.get("version"), options.get("label"))
        return _Request("parameter", name, full, args, ttl, bool(options.get("force_fetch", force)), transform)

    @staticmethod
    def _items(
        names: Iterable[str] | Mapping[str, Mapping[str, Any]], allowed: frozenset[str], kind: str, errors_key: bool = False
    ) -> list[tuple[str, Mapping[str, Any]]]:
        """(name, options) pairs, duplicates once; unknown options and a name "_errors" refused."""
        if isinstance(names, str):
            raise ConfigurationError(kind, f"give a list of names, not one string ({names!r})")
        pairs = list(names.items()) if hasattr(names, "items") else [(name, {}) for name in names]  # type: ignore[union-attr]
        seen: dict[str, Mapping[str, Any]] = {}
        for name, options in pairs:
            unknown = sorted(set(options or {}) - allowed)
            if unknown:
                raise ConfigurationError(f"{kind} {name}", f"unknown option {unknown[0]!r}: use {', '.join(sorted(allowed))}")
            if errors_key and name == ERRORS_KEY:
                raise ConfigurationError(
                    f"{kind} {name}", f"{ERRORS_KEY!r} is the key for failed names with raise_on_error=False"
                )
            seen.setdefault(name, options or {})
        return list(seen.items())

    def _results(
        self, requests: list[_Request], reads: list[Any], raise_on_error: bool, shape: Callable[[_Request, Any], Any]
    ) -> dict[str, Any]:
        results: dict[str, Any] = {}
        for request, read in zip(requests, reads):
            if not isinstance(read, SecretsClientError):
                try:
                    read = shape(request, read)
                except SecretsClientError as exc:  # a transform
                    read = exc
            if isinstance(read, SecretsClientError) and raise_on_error:
                raise read
            results[request.given] = read
        return results

    @staticmethod
    def _powertools_shape(values: dict[str, Any], raise_on_error: bool) -> dict[str, Any]:
        if raise_on_error:
            return values
        failed = [name for name, value in values.items() if isinstance(value, SecretsClientError)]
        return {ERRORS_KEY: failed, **{name: value for name, value in values.items() if name not in failed}}

    def _secret_result(self, request: _Request, read: SecretValue) -> Any:
        return self.transform(request.item, read.value, request.transform, request.given)

    def _parameter_request_result(self, request: _Request, read: ParameterValue) -> Any:
        return self._parameter_result(read, request.given, request.transform)

    def _parameter_result(self, read: ParameterValue, name: str, transform: str | None) -> Any:
        if read.type == "StringList" and transform is None:
            return read.value.split(",")
        return self.transform(f"parameter {name}", read.value, transform, name)

    @staticmethod
    def _unwrap(read: Any) -> Any:
        if isinstance(read, SecretsClientError):
            raise read
        return read

    # --- the read: cache, backend, stale-if-error, unknown names -----------------------------

    def _read(self, requests: list[_Request]) -> list[Any]:
        """Each request's read, or its error, in order: cache hits first, then one backend fetch for the rest."""
        now = time.monotonic()
        results: list[Any] = [None] * len(requests)
        todo = []
        for index, request in enumerate(requests):
            hit = None if request.force or request.ttl <= 0 else self._hit(request.key, now)
            if hit is None:
                todo.append(index)
            else:
                results[index] = hit
        if not todo:
            return results
        backend = self._fetcher()
        kind = requests[todo[0]].kind
        many = getattr(backend, kind + "s", None)
        if len(todo) > 1 and many is not None:
            fetched = many([requests[i].args for i in todo])
        else:
            fetched = []
            for i in todo:
                try:
                    fetched.append(getattr(backend, kind)(*requests[i].args))
                except SecretsClientError as exc:
                    fetched.append(exc)
        now = time.monotonic()
        for index, read in zip(todo, fetched):
            results[index] = self._settle(requests[index], read, now)
        return results

    def _settle(self, request: _Request, read: Any, now: float) -> Any:
        """Keep a read; for an error, the stale value if allowed, else the error (an undeclared relative name's own)."""
        if not isinstance(read, SecretsClientError):
            self._store(request.key, read, self._ttl(request, read, now), now, self._rotation_pending(request))
            return read
        if request.given != request.full and self.prefix and read.item.endswith(request.full):
            read = type(read)(request.item, f"{read.cause} (read as {request.full})", read.status)
        try:
            return self._failed(request.key, read, request.force, now)
        except SecretsClientError as error:
            if request.given != request.full and (
                isinstance(error, NotFound) or (type(error) is RequestRefused and error.status == 400)
            ):
                return self._undeclared(request, error) or error
            return error

    def _ttl(self, request: _Request, read: Any, now: float) -> float:
        """The max age to keep `read`: the request's, shortened for a secret whose rotation window is open or near."""
        if request.kind != "secret" or request.args[2] is not None or request.ttl <= 0:
            return request.ttl
        rule = self._rotation_rule(request.full)
        if rule is None:
            return request.ttl
        horizon = rotation_horizon(getattr(read, "created_date", None), rule.get("days"), rule.get("schedule_expression"))
        wall = time.time()
        window = ROTATION_WINDOW_MAX_AGE.get(self._fetcher().name, ROTATION_WINDOW_MAX_AGE["sdk"])
        if horizon is None or wall >= horizon:
            return min(request.ttl, window)
        return min(request.ttl, horizon - wall)

    def _rotation_pending(self, request: _Request) -> bool:
        """A current-version secret whose rotation rule may be in a manifest not read yet."""
        return request.kind == "secret" and request.args[2] is None and self._manifest is _UNREAD and request.ttl > 0

    def _rotation_resolved(self, key: tuple[Any, ...], entry: _Entry, now: float) -> None:
        """First reuse of a cached secret: read the manifest (once) and shorten the entry's life if it rotates."""
        entry.rotation_pending = False
        self._load_manifest()
        full = key[1]
        if self._rotation_rule(full) is None:
            return
        request = _Request("secret", full, full, key[1:], max(0.0, entry.expires - now), False, None)
        entry.expires = min(entry.expires, now + self._ttl(request, entry.value, now))

    def _rotation_rule(self, full: str) -> dict[str, Any] | None:
        if full in self._rotation:
            return self._rotation[full]
        manifest = self._manifest if isinstance(self._manifest, dict) else {}
        rules = manifest.get("rotation") or {}
        prefix = manifest.get("prefix") or self.prefix
        for name, rule in rules.items() if isinstance(rules, dict) else ():
            if isinstance(rule, dict) and (name == full or f"{prefix}/{name}" == full):
                return rule
        return None

    def _load_manifest(self) -> dict[str, Any] | None:
        """The app's manifest, read once per execution environment (retried after a transient failure)."""
        if self._manifest is not _UNREAD:
            return self._manifest
        now = time.monotonic()
        if now < self._manifest_retry:
            return None
        try:
            read = self._fetcher().parameter(self.manifest_name, False, None, None)
            manifest = loads(read.value)
            if not isinstance(manifest, dict) or manifest.get("version") != 1:
                raise ValueError("not a version 1 manifest")
        except SecretsClientError as exc:
            if _transient(exc) or type(exc) is RequestRefused:
                self._manifest_retry = now + STALE_RETRY
                _warn(f"the app's manifest {self.manifest_name} could not be read now ({type(exc).__name__}); retried later")
                return None
            self._manifest = None
            _warn(f"the app's manifest {self.manifest_name} is unreadable ({type(exc).__name__}: {exc.cause})")
            return None
        except ValueError as exc:
            self._manifest = None
            _warn(f"the app's manifest {self.manifest_name} is not a manifest ({exc})")
            return None
        self._manifest = manifest
        return manifest

    def _undeclared(self, request: _Request, error: SecretsClientError) -> UnknownName | None:
        """UnknownName if the manifest does not declare this relative name (None when it does, or cannot say)."""
        manifest = self._load_manifest() if self.manifest_name else None
        if manifest is None:
            return None
        lists = ("secrets",) if request.kind == "secret" else ("secure_parameters", "parameters")
        declared = sorted({name for key in lists for name in manifest.get(key) or () if isinstance(name, str)})
        if request.given in declared:
            return None
        import difflib

        close = difflib.get_close_matches(request.given, declared, n=1)
        shown = ", ".join(declared[:20]) + (f" and {len(declared) - 20} more" if len(declared) > 20 else "")
        app = manifest.get("app", "the app")
        cause = f"not declared for app {app} ({manifest.get('prefix', self.prefix)}); its {request.kind}s: {shown or 'none'}" + (
            f"; did you mean {close[0]!r}?" if close else ""
        )
        return UnknownName(request.item, cause, declared, error.status)

    # --- backend choice -------------------------------------------------------------------

    def _fetcher(self) -> Backend:
        if self._backend is None:
            choice, probe = self._choice, None
            if choice == "auto":
                probe = _probe(self._port or ExtensionBackend().port)
                choice = "extension" if probe is not None else "sdk"
            if choice == "extension":
                backend = ExtensionBackend(self._port, connections=self._connections)
                if probe is not None:
                    backend._adopt(probe)  # the first read goes on it: one connection fewer at a cold start
                self._backend = backend
            else:
                self._backend = SDKBackend(**self._sdk_options)
        return self._backend


def _probe(port: int) -> Any:
    """A connection to the extension's port if it answers within 50 ms, else None."""
    import _socket

    sock = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
    try:
        sock.settimeout(0.05)
        sock.connect(("127.0.0.1", port))
    except OSError:
        sock.close()
        return None
    return sock


# --- the module's shared client -------------------------------------------------------------

_default: SecretsClient | None = None


def default_client() -> SecretsClient:
    """The module's shared client (one per execution environment: the cache lives as long as it does)."""
    global _default
    if _default is None:
        _default = SecretsClient()
    return _default


def set_default_client(client: SecretsClient | None) -> SecretsClient | None:
    """Make `client` the one the module functions use (None: a new one from the environment on next use);
    returns the previous one, so a test can put it back. secrets_client_testing builds on this."""
    global _default
    previous, _default = _default, client
    return previous


def clear_caches() -> None:
    """Forget the shared client's cached values (Powertools' name)."""
    if _default is not None:
        _default.clear_cache()


def get_secret(secret_id: str, **kwargs: Any) -> Any:
    """The secret's value (see SecretsClient.get_secret)."""
    return default_client().get_secret(secret_id, **kwargs)


def get_parameter(name: str, **kwargs: Any) -> Any:
    """The parameter's value (see SecretsClient.get_parameter)."""
    return default_client().get_parameter(name, **kwargs)


def read_secret(secret_id: str, **kwargs: Any) -> SecretValue:
    """The secret's value with its metadata (see SecretsClient.read_secret)."""
    return default_client().read_secret(secret_id, **kwargs)


def read_parameter(name: str, **kwargs: Any) -> ParameterValue:
    """The parameter's value with its metadata (see SecretsClient.read_parameter)."""
    return default_client().read_parameter(name, **kwargs)


def get_parameters(names: Iterable[str], **kwargs: Any) -> dict[str, Any]:
    """Several parameters' values (see SecretsClient.get_parameters)."""
    return default_client().get_parameters(names, **kwargs)


def get_secrets_by_name(names: Iterable[str] | Mapping[str, Mapping[str, Any]], **kwargs: Any) -> dict[str, Any]:
    """Many secrets' values (see SecretsClient.get_secrets_by_name)."""
    return default_client().get_secrets_by_name(names, **kwargs)


def get_parameters_by_name(parameters: Iterable[str] | Mapping[str, Mapping[str, Any]], **kwargs: Any) -> dict[str, Any]:
    """Many parameters' values (see SecretsClient.get_parameters_by_name)."""
    return default_client().get_parameters_by_name(parameters, **kwargs)


def read_secrets_by_name(names: Iterable[str] | Mapping[str, Mapping[str, Any]], **kwargs: Any) -> dict[str, Any]:
    """Many secrets with their metadata (see SecretsClient.read_secrets_by_name)."""
    return default_client().read_secrets_by_name(names, **kwargs)


def read_parameters_by_name(names: Iterable[str] | Mapping[str, Mapping[str, Any]], **kwargs: Any) -> dict[str, Any]:
    """Many parameters with their metadata (see SecretsClient.read_parameters_by_name)."""
    return default_client().read_parameters_by_name(names, **kwargs)
