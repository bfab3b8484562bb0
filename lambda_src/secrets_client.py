"""Read secrets and parameters in a Lambda function: fast, cheap, and without leaking values.

Standard library only on the extension path: importing this module costs no more than
`urllib.request`. Two backends, chosen automatically on first use:
  - the AWS Parameters and Secrets Lambda Extension (HTTP on localhost), when something
    listens on its port (PARAMETERS_SECRETS_EXTENSION_HTTP_PORT, default 2773);
  - the AWS SDK (boto3, imported only then), when no extension is attached.
SECRETS_CLIENT_BACKEND=extension|sdk|auto overrides the choice.

In front of either backend sits an in-process TTL cache, so a warm invocation that reads
the same items makes no request at all. Its TTL is SECRETS_CLIENT_TTL seconds (default:
the extension's own SECRETS_MANAGER_TTL / SSM_PARAMETER_STORE_TTL, else 300; 0 turns it
off); `max_age=` overrides it per call.

The extension answers only during an invocation (not at import time), may answer HTTP 400
for a moment at a cold start, and answers the same opaque 400 for "not found" and "access
denied". Reads are retried with jittered backoff within a deadline on "not ready yet",
server errors and throttling; never on a token rejection. Errors name the item and the
cause, never a value.
"""

from __future__ import annotations

import os
import time

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (5-9 ms at cold start)

if TYPE_CHECKING:  # annotations only: typing and collections.abc cost import time
    from collections.abc import Callable, Iterable
    from typing import Any

# json, threading, urllib, socket, base64 and concurrent.futures are imported where first needed: the
# module's import is on every cold start's critical path, a read is not (it runs in the
# handler, after the extension is ready).

DEFAULT_PORT = 2773
DEFAULT_TTL = 300
TOKEN_HEADER = "X-Aws-Parameters-Secrets-Token"
REQUEST_TIMEOUT = 2.0  # seconds for one HTTP request
DEADLINE = 3.0  # seconds for all attempts of one read
BACKOFF = (0.05, 0.1, 0.2, 0.4)  # base waits between attempts, jittered x0.5-1.5
RETRY_STATUSES = {429, 500, 502, 503, 504}
NOT_READY_RETRIES = 2  # HTTP 400 is also "not ready yet" at a cold start: retried this often only


class SecretsClientError(Exception):
    """Reading an item failed; `item` names it, `status` is the HTTP status if there was one."""

    def __init__(self, item: str, cause: str, status: int | None = None) -> None:
        super().__init__(f"{item}: {cause}")
        self.item = item
        self.status = status


class ExtensionUnavailable(SecretsClientError):
    """Nothing answered on the extension's port (no layer attached, or it did not start)."""


class TokenRejected(SecretsClientError):
    """The extension refused the session token (HTTP 401/403)."""


class RequestRefused(SecretsClientError):
    """The extension answered an error: unknown name, access denied, or not ready (it does not say which)."""


class NotFound(SecretsClientError):
    """The secret or parameter (or the asked version) does not exist."""


class AccessDenied(SecretsClientError):
    """The function's role may not read the item."""


class Timeout(SecretsClientError):
    """No answer within the deadline."""


class TransformError(SecretsClientError):
    """The value could not be transformed (e.g. it is not JSON); the message never quotes the value."""


def _env_ttl(*names: str) -> float:
    for name in ("SECRETS_CLIENT_TTL", *names):
        raw = os.environ.get(name, "")
        if raw.isdigit():
            return float(raw)
    return float(DEFAULT_TTL)


class SecretsClient:
    """Cached reads of secrets and parameters through the extension or the SDK."""

    def __init__(self, backend: str | None = None, port: int | None = None) -> None:
        self._backend = backend or os.environ.get("SECRETS_CLIENT_BACKEND", "auto")
        if self._backend not in ("auto", "extension", "sdk"):
            raise ValueError("SECRETS_CLIENT_BACKEND must be auto, extension or sdk")
        raw = os.environ.get("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", "")
        self.port = port or (int(raw) if raw.isdigit() else DEFAULT_PORT)
        import threading

        self._cache: dict[tuple[Any, ...], tuple[float, Any]] = {}
        self._lock = threading.Lock()
        self._sdk: dict[str, Any] = {}
        self.requests = 0  # backend requests made (a cache hit makes none)

    # --- public API ---------------------------------------------------------------

    @property
    def backend(self) -> str:
        """ "extension" or "sdk": the configured one, or (auto) whether the extension's port answers."""
        if self._backend == "auto":
            self._backend = "extension" if self._port_open() else "sdk"
        return self._backend

    def get_secret_value(
        self, secret_id: str, *, version_stage: str | None = None, version_id: str | None = None, max_age: float | None = None
    ) -> dict[str, Any]:
        """GetSecretValue: ARN, Name, VersionId, VersionStages, SecretString or SecretBinary."""
        key = ("secret", secret_id, version_stage, version_id)
        ttl = _env_ttl("SECRETS_MANAGER_TTL") if max_age is None else max_age
        return self._cached(key, ttl, lambda: self._fetch_secret(secret_id, version_stage, version_id))

    def get_secret(
        self,
        secret_id: str,
        *,
        version_stage: str | None = None,
        version_id: str | None = None,
        transform: str | None = None,
        max_age: float | None = None,
    ) -> Any:
        """The secret's value: a string (or bytes for a binary secret), or decoded JSON with transform="json"."""
        body = self.get_secret_value(secret_id, version_stage=version_stage, version_id=version_id, max_age=max_age)
        if "SecretString" in body:
            value = body["SecretString"]
        else:
            import base64

            value = base64.b64decode(body["SecretBinary"])
        return _transform(f"secret {secret_id}", value, transform)

    def get_parameter_value(
        self,
        name: str,
        *,
        decrypt: bool = True,
        version: int | None = None,
        label: str | None = None,
        max_age: float | None = None,
    ) -> dict[str, Any]:
        """GetParameter: the Parameter object (Name, Type, Value, Version, ARN, ...)."""
        key = ("parameter", name, decrypt, version, label)
        ttl = _env_ttl("SSM_PARAMETER_STORE_TTL") if max_age is None else max_age
        return self._cached(key, ttl, lambda: self._fetch_parameter(name, decrypt, version, label))

    def get_parameter(
        self,
        name: str,
        *,
        decrypt: bool = True,
        version: int | None = None,
        label: str | None = None,
        transform: str | None = None,
        max_age: float | None = None,
    ) -> Any:
        """The parameter's value (a StringList as a list), or decoded JSON with transform="json"."""
        parameter = self.get_parameter_value(name, decrypt=decrypt, version=version, label=label, max_age=max_age)
        value = parameter["Value"].split(",") if parameter.get("Type") == "StringList" and not transform else parameter["Value"]
        return _transform(f"parameter {name}", value, transform)

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
        self, path: str, *, decrypt: bool = True, recursive: bool = True, max_age: float | None = None
    ) -> dict[str, str]:
        """Every parameter under a path, by full name. Always the SDK: the extension has no by-path call."""
        key = ("path", path, decrypt, recursive)
        ttl = _env_ttl("SSM_PARAMETER_STORE_TTL") if max_age is None else max_age

        def fetch() -> dict[str, str]:
            found: dict[str, str] = {}
            kwargs: dict[str, Any] = {"Path": path, "Recursive": recursive, "WithDecryption": decrypt}
            while True:
                page = self._sdk_call("ssm", "get_parameters_by_path", f"parameters under {path}", **kwargs)
                found.update({p["Name"]: p["Value"] for p in page.get("Parameters", [])})
                if not page.get("NextToken"):
                    return found
                kwargs["NextToken"] = page["NextToken"]

        return self._cached(key, ttl, fetch)

    def clear_cache(self) -> None:
        """Forget every cached value (tests; after a rotation you want to see at once)."""
        with self._lock:
            self._cache.clear()

    # --- cache and backends -------------------------------------------------------

    def _cached(self, key: tuple[Any, ...], ttl: float, fetch: Callable[[], Any]) -> Any:
        now = time.monotonic()
        if ttl > 0:
            with self._lock:
                hit = self._cache.get(key)
            if hit and hit[0] > now:
                return hit[1]
        value = fetch()
        if ttl > 0 and value is not None:
            with self._lock:
                self._cache[key] = (now + ttl, value)
        return value

    def _fetch_secret(self, secret_id: str, stage: str | None, version_id: str | None) -> dict[str, Any]:
        item = f"secret {secret_id}"
        if self.backend == "sdk":
            kwargs = {
                "SecretId": secret_id,
                **({"VersionStage": stage} if stage else {}),
                **({"VersionId": version_id} if version_id else {}),
            }
            return self._sdk_call("secretsmanager", "get_secret_value", item, **kwargs)
        query = {
            "secretId": secret_id,
            **({"versionStage": stage} if stage else {}),
            **({"versionId": version_id} if version_id else {}),
        }
        return self._http("/secretsmanager/get", query, item)

    def _fetch_parameter(self, name: str, decrypt: bool, version: int | None, label: str | None) -> dict[str, Any]:
        item = f"parameter {name}"
        if self.backend == "sdk":
            selector = f":{version}" if version is not None else f":{label}" if label else ""
            return self._sdk_call("ssm", "get_parameter", item, Name=name + selector, WithDecryption=decrypt)["Parameter"]
        query = {"name": name, "withDecryption": "true" if decrypt else "false"}
        if version is not None:
            query["version"] = str(version)
        elif label:
            query["label"] = label
        return self._http("/systemsmanager/parameters/get", query, item)["Parameter"]

    def _port_open(self) -> bool:
        import socket

        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.05):
                return True
        except OSError:
            return False

    def _http(self, path: str, query: dict[str, str], item: str) -> dict[str, Any]:
        """GET from the extension with retries; the decoded JSON body."""
        import json
        import random
        import socket
        import urllib.error
        import urllib.parse
        import urllib.request

        url = f"http://localhost:{self.port}{path}?{urllib.parse.urlencode(query, quote_via=urllib.parse.quote, safe='')}"
        request = urllib.request.Request(url, headers={TOKEN_HEADER: os.environ.get("AWS_SESSION_TOKEN", "")})
        deadline = time.monotonic() + DEADLINE
        attempt = 0
        while True:
            self.requests += 1
            try:
                with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
                    return json.loads(response.read())
            except urllib.error.HTTPError as exc:
                exc.close()
                if exc.code in (401, 403):
                    raise TokenRejected(item, f"the extension rejected the session token (HTTP {exc.code})", exc.code) from None
                error: SecretsClientError = RequestRefused(
                    item,
                    f"the extension answered HTTP {exc.code} (not found, access denied or not ready: its log says which)",
                    exc.code,
                )
                retry = exc.code in RETRY_STATUSES or (exc.code == 400 and attempt < NOT_READY_RETRIES)
            except TimeoutError:
                error, retry = Timeout(item, f"no answer from the extension within {REQUEST_TIMEOUT:.0f} s"), True
            except (urllib.error.URLError, ConnectionError) as exc:
                reason = getattr(exc, "reason", exc)
                if isinstance(reason, (TimeoutError, socket.timeout)):
                    error = Timeout(item, f"no answer from the extension within {REQUEST_TIMEOUT:.0f} s")
                else:
                    error = ExtensionUnavailable(
                        item, f"no answer from the extension on port {self.port} ({type(reason).__name__})"
                    )
                retry = True
            if not retry or attempt >= len(BACKOFF):
                raise error
            wait = BACKOFF[attempt] * (0.5 + random.random())
            if time.monotonic() + wait > deadline:
                raise error
            time.sleep(wait)
            attempt += 1

    def _sdk_call(self, service: str, operation: str, item: str, **kwargs: Any) -> dict[str, Any]:
        """One SDK call with typed errors (boto3 is imported on first use only)."""
        if service not in self._sdk:
            import boto3
            from botocore.config import Config

            config = Config(
                connect_timeout=REQUEST_TIMEOUT, read_timeout=REQUEST_TIMEOUT, retries={"mode": "standard", "max_attempts": 3}
            )
            self._sdk[service] = boto3.client(service, config=config)
        from botocore.exceptions import BotoCoreError, ClientError, ConnectTimeoutError, ReadTimeoutError

        self.requests += 1
        try:
            response = getattr(self._sdk[service], operation)(**kwargs)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if code in ("ResourceNotFoundException", "ParameterNotFound", "ParameterVersionNotFound"):
                raise NotFound(item, f"does not exist ({code})", status) from None
            if code in ("AccessDeniedException", "AccessDenied"):
                raise AccessDenied(item, "the function's role may not read it (AccessDeniedException)", status) from None
            raise SecretsClientError(item, f"{service} answered {code or 'an error'}", status) from None
        except (ConnectTimeoutError, ReadTimeoutError):
            raise Timeout(item, f"no answer from {service} within {REQUEST_TIMEOUT:.0f} s") from None
        except BotoCoreError as exc:
            raise SecretsClientError(item, f"{service} call failed ({type(exc).__name__})") from None
        response.pop("ResponseMetadata", None)
        return response


def _transform(item: str, value: Any, transform: str | None) -> Any:
    if transform is None:
        return value
    if transform != "json":
        raise ValueError("transform must be None or 'json'")
    import json

    try:
        return json.loads(value)
    except (ValueError, TypeError) as exc:
        position = getattr(exc, "pos", None)
        where = f" at character {position}" if position is not None else ""
        raise TransformError(item, f"the value is not valid JSON{where}") from None


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
