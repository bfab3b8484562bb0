"""Read secrets and parameters in a Lambda function: fast, cheap, and without leaking values.

Shaped like Powertools' parameters utility: a provider (`SecretsClient`, on `BaseProvider`)
owns the TTL cache, `force_fetch` and the transforms; a backend only fetches:
  - `ExtensionBackend`: the AWS Parameters and Secrets Lambda Extension over HTTP on
    127.0.0.1 (PARAMETERS_SECRETS_EXTENSION_HTTP_PORT, default 2773), with a strict
    HTTP/1.1 GET of a few dozen lines on a plain socket: no urllib, http.client or email
    on the cold path;
  - `SDKBackend`: boto3 (imported only then), with an injected client or session if given.
The backend is chosen on first use: the extension when its port answers, else the SDK;
SECRETS_CLIENT_BACKEND=extension|sdk|auto or `SecretsClient(backend=...)` overrides it.

A read returns the value and its metadata (`read_secret` -> `SecretValue` with version id
and stages; `read_parameter` -> `ParameterValue` with type and version number); a binary
secret's value is its bytes. `get_secret` / `get_parameter` return the value alone.

Cache TTL: `max_age=` per call, else SECRETS_CLIENT_TTL, else the extension's own
SECRETS_MANAGER_TTL / SSM_PARAMETER_STORE_TTL, else 300 s; 0 turns it off. `None` is never
cached. The extension answers only during an invocation (not at import), may answer 400
for a moment at a cold start, and answers the same opaque 400 for "not found" and "access
denied". Reads are retried with jittered backoff within a deadline on "not ready yet", a
closed connection, server errors and throttling; never on a token rejection or an answer
that is not the HTTP this client speaks. Errors name the item and the cause, never a value.
"""

from __future__ import annotations

import os
import time

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (5-9 ms at cold start)

if TYPE_CHECKING:  # annotations only: typing and collections.abc cost import time
    from collections.abc import Callable, Iterable
    from typing import Any, Protocol

    class Backend(Protocol):
        """What a backend implements: fetch one item, no cache (the provider owns that)."""

        name: str
        requests: int

        def secret(self, secret_id: str, stage: str | None, version_id: str | None) -> SecretValue: ...

        def parameter(self, name: str, decrypt: bool, version: int | None, label: str | None) -> ParameterValue: ...


# _json, _socket, random, base64, boto3 and concurrent.futures are imported where first
# needed: the module's import is on every cold start's critical path.

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
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_NOT_FOUND_CODES = frozenset(("ResourceNotFoundException", "ParameterNotFound", "ParameterVersionNotFound"))
_DENIED_CODES = frozenset(("AccessDeniedException", "AccessDenied"))


class SecretsClientError(Exception):
    """Reading an item failed; `item` names it, `status` is the HTTP status if there was one."""

    def __init__(self, item: str, cause: str, status: int | None = None) -> None:
        super().__init__(f"{item}: {cause}")
        self.item = item
        self.status = status


class ExtensionUnavailable(SecretsClientError):
    """Nothing answered on the extension's port, or it closed the connection before answering."""


class TokenRejected(SecretsClientError):
    """The extension refused the session token (HTTP 401/403)."""


class RequestRefused(SecretsClientError):
    """The extension answered an error: unknown name, access denied, or not ready (it does not say which)."""


class BadResponse(SecretsClientError):
    """The answer is not the HTTP/1.1 this client accepts (chunked, malformed, no Content-Length, redirect)."""


class NotFound(SecretsClientError):
    """The secret or parameter (or the asked version) does not exist."""


class AccessDenied(SecretsClientError):
    """The function's role may not read the item."""


class Timeout(SecretsClientError):
    """No answer within the deadline."""


class TransformError(SecretsClientError):
    """The value could not be transformed (e.g. it is not JSON); the message never quotes the value."""


class SecretValue:
    """A secret's value (str, or bytes for a binary secret) and its metadata; repr hides the value."""

    __slots__ = ("value", "name", "arn", "version_id", "version_stages")

    def __init__(self, value: str | bytes, name: str, arn: str | None, version_id: str | None, version_stages: list[str]) -> None:
        self.value, self.name, self.arn = value, name, arn
        self.version_id, self.version_stages = version_id, version_stages

    def __repr__(self) -> str:
        return f"SecretValue(name={self.name!r}, version_id={self.version_id!r}, stages={self.version_stages!r}, value=<hidden>)"


class ParameterValue:
    """A parameter's value (decrypted if asked) and its metadata; repr hides the value."""

    __slots__ = ("value", "name", "arn", "type", "version")

    def __init__(self, value: str, name: str, arn: str | None, type: str, version: int | None) -> None:  # noqa: A002
        self.value, self.name, self.arn, self.type, self.version = value, name, arn, type, version

    def __repr__(self) -> str:
        return f"ParameterValue(name={self.name!r}, type={self.type!r}, version={self.version!r}, value=<hidden>)"


def _secret_value(body: dict[str, Any], binary: Callable[[Any], bytes], secret_id: str) -> SecretValue:
    value = body["SecretString"] if body.get("SecretString") is not None else binary(body["SecretBinary"])
    return SecretValue(
        value, body.get("Name", secret_id), body.get("ARN"), body.get("VersionId"), list(body.get("VersionStages") or ())
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


def _env_ttl(*names: str) -> float:
    for name in ("SECRETS_CLIENT_TTL", *names):
        raw = os.environ.get(name, "")
        if raw.isdigit():
            return float(raw)
    return float(DEFAULT_TTL)


# --- the extension backend: a strict HTTP/1.1 GET on a loopback socket -----------------


class _Closed(Exception):
    """The extension closed the connection before a complete answer (retried)."""


class _Malformed(Exception):
    """The answer breaks the HTTP this client accepts (not retried)."""


def _quote(text: str) -> str:
    """Percent-encode everything but RFC 3986's unreserved characters (slashes too, as AWS asks)."""
    return "".join(c if c in _UNRESERVED else "".join(f"%{b:02X}" for b in c.encode()) for c in text)


def http_get(port: int, target: str, headers: dict[str, str], timeout: float) -> tuple[int, bytes]:
    """One GET to 127.0.0.1:port; (status, body). Raises OSError/TimeoutError, _Closed or _Malformed.

    Strict on purpose: a status line `HTTP/1.x NNN reason`, a Content-Length, no
    Transfer-Encoding, at most MAX_HEAD bytes of head and MAX_BODY of body, everything
    within `timeout` seconds. The connection is closed after each answer.
    """
    import _socket  # the C module: socket.py adds enum and selectors, which this GET does not use

    ends = time.monotonic() + timeout
    lines = [f"GET {target} HTTP/1.1", f"Host: localhost:{port}", *(f"{k}: {v}" for k, v in headers.items())]
    request = ("\r\n".join([*lines, "Connection: close", "", ""])).encode("latin-1")
    sock = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.connect(("127.0.0.1", port))
        sock.sendall(request)
        data = bytearray()
        while (end := data.find(b"\r\n\r\n")) < 0:
            if len(data) > MAX_HEAD:
                raise _Malformed(f"more than {MAX_HEAD} bytes without the end of the headers")
            data += _recv(sock, ends, "before the end of the headers")
        status, fields = _parse_head(bytes(data[:end]))
        if "transfer-encoding" in fields:
            raise _Malformed("a Transfer-Encoding (chunked) answer; the extension sends Content-Length")
        length = fields.get("content-length")
        if length is None:
            raise _Malformed("no Content-Length header")
        if not length.isdigit() or int(length) > MAX_BODY:
            raise _Malformed(f"Content-Length is not a whole number up to {MAX_BODY}")
        body = data[end + 4 :]
        while len(body) < int(length):
            body += _recv(sock, ends, f"after {len(body)} of {length} body bytes")
        if len(body) > int(length):
            raise _Malformed("more body bytes than its Content-Length")
        return status, bytes(body)
    finally:
        sock.close()


def _recv(sock: Any, ends: float, where: str) -> bytes:
    left = ends - time.monotonic()
    if left <= 0:
        raise TimeoutError
    sock.settimeout(left)
    chunk = sock.recv(65536)
    if not chunk:
        raise _Closed(f"the extension closed the connection {where}")
    return chunk


def _parse_head(head: bytes) -> tuple[int, dict[str, str]]:
    """The status code and the header fields (names lower-cased); _Malformed if not strict HTTP/1.1."""
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
    return int(parts[1]), fields


def _error_code(body: bytes) -> str:
    """The `__type` of an error body shaped like the Secrets Manager Agent's, else "" (never the message)."""
    if not body.startswith(b"{"):
        return ""
    try:
        code = loads(body).get("__type", "")
    except (ValueError, AttributeError):
        return ""
    return code.rpartition("#")[2] if isinstance(code, str) else ""


class ExtensionBackend:
    """Fetches from the Parameters and Secrets Lambda Extension over HTTP (no cache of its own)."""

    name = "extension"

    def __init__(self, port: int | None = None, timeout: float | None = None, deadline: float | None = None) -> None:
        raw = os.environ.get("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", "")
        self.port = port or (int(raw) if raw.isdigit() else DEFAULT_PORT)
        self.timeout, self.deadline = timeout, deadline  # None: the module's REQUEST_TIMEOUT / DEADLINE
        self.requests = 0  # HTTP requests made, retries included

    def secret(self, secret_id: str, stage: str | None, version_id: str | None) -> SecretValue:
        item = f"secret {secret_id}"
        body = self._get("/secretsmanager/get", {"secretId": secret_id, "versionStage": stage, "versionId": version_id}, item)
        try:
            return _secret_value(body, _base64, secret_id)
        except (KeyError, TypeError, ValueError):
            raise BadResponse(item, "the answer has no SecretString or valid SecretBinary") from None

    def parameter(self, name: str, decrypt: bool, version: int | None, label: str | None) -> ParameterValue:
        item = f"parameter {name}"
        query = {"name": name, "withDecryption": "true" if decrypt else "false"}
        query.update({"version": str(version)} if version is not None else {"label": label})
        body = self._get("/systemsmanager/parameters/get", query, item)
        try:
            return _parameter_value(body["Parameter"], name)
        except (KeyError, TypeError):
            raise BadResponse(item, "the answer has no Parameter with a Value") from None

    def _get(self, path: str, query: dict[str, str | None], item: str) -> dict[str, Any]:
        """GET with retries within the deadline; the decoded JSON body."""
        token = os.environ.get("AWS_SESSION_TOKEN", "")
        if "\r" in token or "\n" in token:
            raise TokenRejected(item, "AWS_SESSION_TOKEN contains a line break; set it to the function's session token")
        target = path + "?" + "&".join(f"{k}={_quote(v)}" for k, v in query.items() if v is not None)
        timeout = REQUEST_TIMEOUT if self.timeout is None else self.timeout
        ends = time.monotonic() + (DEADLINE if self.deadline is None else self.deadline)
        attempt = 0
        while True:
            self.requests += 1
            try:
                left = max(0.01, min(timeout, ends - time.monotonic()))
                status, body = http_get(self.port, target, {TOKEN_HEADER: token}, left)
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
        code = _error_code(body) if status == 400 else ""
        if code in _NOT_FOUND_CODES:
            return NotFound(item, f"does not exist ({code})", status)
        if code in _DENIED_CODES:
            return AccessDenied(item, f"the function's role may not read it ({code})", status)
        return RequestRefused(
            item, f"the extension answered HTTP {status} (not found, access denied or not ready: its log says which)", status
        )


# --- the SDK backend ------------------------------------------------------------------


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

    def secret(self, secret_id: str, stage: str | None, version_id: str | None) -> SecretValue:
        kwargs = {"SecretId": secret_id, "VersionStage": stage, "VersionId": version_id}
        body = self.call("secretsmanager", "get_secret_value", f"secret {secret_id}", **kwargs)
        return _secret_value(body, bytes, secret_id)  # boto3 has already decoded SecretBinary

    def parameter(self, name: str, decrypt: bool, version: int | None, label: str | None) -> ParameterValue:
        selector = f":{version}" if version is not None else f":{label}" if label else ""
        body = self.call("ssm", "get_parameter", f"parameter {name}", Name=name + selector, WithDecryption=decrypt)
        return _parameter_value(body["Parameter"], name)

    def client(self, service: str) -> Any:
        """The boto3 client for `service`: the injected one, else one from the session (or boto3's default)."""
        if self._clients.get(service) is None:
            from botocore.config import Config

            config = self._config or Config(
                connect_timeout=REQUEST_TIMEOUT, read_timeout=REQUEST_TIMEOUT, retries={"mode": "standard", "max_attempts": 3}
            )
            if self._session is None:
                import boto3

                self._session = boto3.session.Session()
            self._clients[service] = self._session.client(service, config=config)
        return self._clients[service]

    def call(self, service: str, operation: str, item: str, **kwargs: Any) -> dict[str, Any]:
        """One SDK call with typed errors; None-valued arguments are left out."""
        from botocore.exceptions import BotoCoreError, ClientError, ConnectTimeoutError, ReadTimeoutError

        method = getattr(self.client(service), operation)
        self.requests += 1
        try:
            response = method(**{k: v for k, v in kwargs.items() if v is not None})
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if code in _NOT_FOUND_CODES:
                raise NotFound(item, f"does not exist ({code})", status) from None
            if code in _DENIED_CODES:
                raise AccessDenied(item, f"the function's role may not read it ({code})", status) from None
            raise SecretsClientError(item, f"{service} answered {code or 'an error'}", status) from None
        except (ConnectTimeoutError, ReadTimeoutError):
            raise Timeout(item, f"no answer from {service} within {REQUEST_TIMEOUT:g} s") from None
        except BotoCoreError as exc:
            raise SecretsClientError(item, f"{service} call failed ({type(exc).__name__})") from None
        response.pop("ResponseMetadata", None)
        return response


# --- the provider: cache, force_fetch, transforms --------------------------------------


class BaseProvider:
    """The TTL cache and the transforms; subclasses say what to fetch and how long to keep it."""

    def __init__(self) -> None:
        self._cache: dict[tuple[Any, ...], tuple[float, Any]] = {}

    def _cached(self, key: tuple[Any, ...], ttl: float, force_fetch: bool, fetch: Callable[[], Any]) -> Any:
        """The cached value if younger than `ttl` and not `force_fetch`; else fetch (and keep unless ttl is 0)."""
        now = time.monotonic()
        if ttl > 0 and not force_fetch:
            hit = self._cache.get(key)  # one dict read: safe across threads without a lock
            if hit is not None and hit[0] > now:
                return hit[1]
        value = fetch()
        if ttl > 0 and value is not None:
            self._cache[key] = (now + ttl, value)
        return value

    def clear_cache(self) -> None:
        """Forget every cached value (tests; after a rotation you want to see at once)."""
        self._cache.clear()

    @staticmethod
    def transform(item: str, value: Any, transform: str | None) -> Any:
        """None: as is; "json": decoded JSON; "binary": base64-decoded bytes. Errors never quote the value."""
        if transform is None:
            return value
        if transform not in ("json", "binary"):
            raise ValueError("transform must be None, 'json' or 'binary'")
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


class SecretsClient(BaseProvider):
    """Cached reads of secrets and parameters through the extension or the SDK."""

    def __init__(
        self,
        backend: str | Backend | None = None,
        port: int | None = None,
        *,
        boto3_session: Any = None,
        secretsmanager_client: Any = None,
        ssm_client: Any = None,
        boto_config: Any = None,
    ) -> None:
        super().__init__()
        choice = backend or os.environ.get("SECRETS_CLIENT_BACKEND", "auto")
        if isinstance(choice, str) and choice not in ("auto", "extension", "sdk"):
            raise ValueError(f"backend {choice!r}: use auto, extension or sdk (SECRETS_CLIENT_BACKEND)")
        self._choice = choice
        self._port = port
        self._sdk_options = {
            "boto3_session": boto3_session,
            "secretsmanager_client": secretsmanager_client,
            "ssm_client": ssm_client,
            "boto_config": boto_config,
        }
        self._backend: Backend | None = None if isinstance(choice, str) else choice

    # --- public API ---------------------------------------------------------------

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
        """The secret's value (str, or bytes if binary) with its name, ARN, version id and stages."""
        ttl = _env_ttl("SECRETS_MANAGER_TTL") if max_age is None else max_age
        key = ("secret", secret_id, version_stage, version_id)
        return self._cached(key, ttl, force_fetch, lambda: self._fetcher().secret(secret_id, version_stage, version_id))

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
        ttl = _env_ttl("SSM_PARAMETER_STORE_TTL") if max_age is None else max_age
        key = ("parameter", name, decrypt, version, label)
        return self._cached(key, ttl, force_fetch, lambda: self._fetcher().parameter(name, decrypt, version, label))

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
        """The secret's value: str (bytes if binary), or transformed ("json", "binary")."""
        read = self.read_secret(
            secret_id, version_stage=version_stage, version_id=version_id, max_age=max_age, force_fetch=force_fetch
        )
        return self.transform(f"secret {secret_id}", read.value, transform)

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
        """The parameter's value (a StringList as a list), or transformed ("json", "binary")."""
        read = self.read_parameter(name, decrypt=decrypt, version=version, label=label, max_age=max_age, force_fetch=force_fetch)
        if read.type == "StringList" and transform is None:
            return read.value.split(",")
        return self.transform(f"parameter {name}", read.value, transform)

    def get_parameters(self, names: Iterable[str], *, decrypt: bool = True, max_age: float | None = None) -> dict[str, Any]:
        """Several parameters at once (concurrent reads, at most the extension's MAX_CONNECTIONS)."""
        from concurrent.futures import ThreadPoolExecutor

        names = list(dict.fromkeys(names))
        raw = os.environ.get("PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS", "3")
        workers = max(1, min(len(names) or 1, int(raw) if raw.isdigit() else 3))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            values = pool.map(lambda n: self.get_parameter(n, decrypt=decrypt, max_age=max_age), names)
            return dict(zip(names, values))

    def get_parameters_by_path(
        self, path: str, *, decrypt: bool = True, recursive: bool = True, max_age: float | None = None, force_fetch: bool = False
    ) -> dict[str, str]:
        """Every parameter under a path, by full name. Always the SDK: the extension has no by-path call."""
        ttl = _env_ttl("SSM_PARAMETER_STORE_TTL") if max_age is None else max_age
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

    # --- backend choice -------------------------------------------------------------

    def _fetcher(self) -> Backend:
        if self._backend is None:
            choice = self._choice
            if choice == "auto":
                choice = "extension" if _port_open(self._port or ExtensionBackend().port) else "sdk"
            self._backend = ExtensionBackend(self._port) if choice == "extension" else SDKBackend(**self._sdk_options)
        return self._backend


def _port_open(port: int) -> bool:
    import _socket

    sock = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
    try:
        sock.settimeout(0.05)
        sock.connect(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        sock.close()


_default: SecretsClient | None = None


def default_client() -> SecretsClient:
    """The module's shared client (one per execution environment: the cache lives as long as it does)."""
    global _default
    if _default is None:
        _default = SecretsClient()
    return _default


def get_secret(secret_id: str, **kwargs: Any) -> Any:
    """The secret's value (see SecretsClient.get_secret)."""
    return default_client().get_secret(secret_id, **kwargs)


def get_parameter(name: str, **kwargs: Any) -> Any:
    """The parameter's value (see SecretsClient.get_parameter)."""
    return default_client().get_parameter(name, **kwargs)


def get_parameters(names: Iterable[str], **kwargs: Any) -> dict[str, Any]:
    """Several parameters' values (see SecretsClient.get_parameters)."""
    return default_client().get_parameters(names, **kwargs)
