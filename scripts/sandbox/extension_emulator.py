"""The sandbox's stand-in for the AWS Parameters and Secrets Lambda Extension.

It ships as the layer the sandbox function has attached (build/extension-layer.zip, made
by scripts/package.py) and runs the way Lambda runs an extension: the local runner
starts extensions/parameters-secrets-emulator from the layer, it registers with the
runner's Extensions API and waits for events. It serves the extension's documented
HTTP API (AWS's Systems Manager and Secrets Manager guides; docs/extension-emulation.md) on localhost:
  GET /secretsmanager/get?secretId=...[&versionStage=...|&versionId=...]
  GET /systemsmanager/parameters/get[/]?name=...[&version=...|&label=...][&withDecryption=true]
with the X-Aws-Parameters-Secrets-Token check, the TTL cache and the settings variables,
and secrets through /aws/reference/secretsmanager/<name>. docs/extension-emulation.md
tables each behaviour against what AWS documents and the test that holds it.

It reads from the sandbox with the function's own permissions: each request is decided by
scripts/iam/authorizer.py with every policy AWS would apply (the role's policies and permission
boundary, the secret's resource policy, the key policy when the service decrypts, the
cross-account rule) in the request context AWS would supply, before the value is returned, so
a name outside the function's paths is refused as on AWS. Upstream refusals answer HTTP 400
(as observed on the managed layer) and log the cause (never a value) to the function's log. Before the first
INVOKE event (the INIT phase) it answers 400, as the real one does. Where the managed layer
documents nothing, the emulation answers as AWS's open-source Secrets Manager Agent does:
its check order, its refusals of X-Forwarded-For and unknown query parameters, its
{"__type", "message"} error bodies, 502 when the backend is unreachable, 504 past the
configured timeout; 429 when throttled is an emulator choice, so clients back off. Its listener
follows the Agent too (make_server): a backlog of 128, a 61 s deadline per connection, 400 for a
request line that is not HTTP/1.x; a repeated token header is refused (the Agent takes the first).
"""

from __future__ import annotations

import base64
import http.client
import io
import json
import os
import queue
import re
import socket
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from scripts.iam import context as iam_context
from scripts.iam import policy as iam_policy
from scripts.iam.authorizer import Authorizer, Key
from scripts.iam.roles import document, role_permissions
from scripts.sandbox.credentials import MACHINERY_ENV

NAME = "parameters-secrets-emulator"
SECRET_REFERENCE = "/aws/reference/secretsmanager/"
TOKEN_HEADER = "X-Aws-Parameters-Secrets-Token"
OPAQUE_ERROR = b"an unexpected error occurred while executing request"
LEVELS = {"DEBUG": 10, "INFO": 20, "WARN": 30, "ERROR": 40, "NONE": 100}


@dataclass(frozen=True)
class Settings:
    """The extension's settings, read from the same variables as the real one."""

    cache_enabled: bool = True
    cache_size: int = 1000
    http_port: int = 2773
    max_connections: int = 3
    log_level: str = "INFO"
    secrets_ttl: int = 300
    parameters_ttl: int = 300
    secrets_timeout_ms: int = 0
    parameters_timeout_ms: int = 0
    warnings: tuple[str, ...] = field(default=(), compare=False)  # logged at WARN when serving starts

    @classmethod
    def from_env(cls, env: dict[str, str]) -> Settings:
        def number(name: str, default: int, low: int, high: int) -> int:
            raw = env.get(name, str(default))
            if not raw.isdigit() or not low <= int(raw) <= high:
                raise ValueError(f"{name}={raw!r} is not a whole number from {low} to {high}")
            return int(raw)

        enabled = env.get("PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED", "TRUE").upper()
        if enabled not in ("TRUE", "FALSE"):
            raise ValueError(f"PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED={enabled!r} is not TRUE or FALSE")
        warnings = []

        def ttl(name: str) -> int:
            raw = env.get(name, "300")
            if raw.isdigit() and int(raw) > 300:  # not fatal: the extension clamps it and says so
                warnings.append(f"{name} exceeds max limit. Setting {name} to 5m0s")
                return 300
            return number(name, 300, 0, 300)

        level = env.get("PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL", "INFO").upper()
        if level not in LEVELS:
            raise ValueError(f"PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL={level!r} is not one of {', '.join(LEVELS)}")
        return cls(
            cache_enabled=enabled == "TRUE",
            cache_size=number("PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE", 1000, 0, 1000),
            http_port=number("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", 2773, 1, 65535),
            max_connections=number("PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS", 3, 1, 1 << 16),
            log_level=level,
            secrets_ttl=ttl("SECRETS_MANAGER_TTL"),
            parameters_ttl=ttl("SSM_PARAMETER_STORE_TTL"),
            secrets_timeout_ms=number("SECRETS_MANAGER_TIMEOUT_MILLIS", 0, 0, 1 << 31),
            parameters_timeout_ms=number("SSM_PARAMETER_STORE_TIMEOUT_MILLIS", 0, 0, 1 << 31),
            warnings=tuple(warnings),
        )


class Refused(Exception):
    """The backend refused a request (not found, access denied, bad input); the message is logged."""

    status = 400


class Throttled(Refused):
    """The backend throttled the request (the client should back off and retry)."""

    status = 429


class BackendUnavailable(Refused):
    """The backend could not be reached."""

    status = 502


class BackendTimeout(Refused):
    """The backend did not answer within the configured timeout."""

    status = 504


def log(settings: Settings, level: str, message: str) -> None:
    """One line to the function's log, if the level is enabled; written in one call, so that lines from
    concurrent requests never run together (print writes the newline separately)."""
    if LEVELS[level] >= LEVELS[settings.log_level]:
        sys.stderr.write(f"[{NAME}] {level} {message}\n")
        sys.stderr.flush()


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    raise TypeError(type(value).__name__)


class Backend:
    """Reads from the sandbox, checking the function role's policies first."""

    def __init__(self, function_name: str, settings: Settings | None = None) -> None:
        import boto3  # the real extension is a Go binary with its own SDK: this is its stand-in
        from botocore.config import Config

        settings = settings or Settings()

        def config(timeout_ms: int) -> Config:
            seconds = timeout_ms / 1000 if timeout_ms else None  # 0 means no timeout
            return Config(connect_timeout=seconds, read_timeout=seconds, retries={"max_attempts": 1})

        # The emulation's own session (the runner's SANDBOX_EMULATION_* variables) when the sandbox gave it one: its
        # lookups and the reads it has decided are not the function's calls. Else (a test's plain moto) the default chain.
        machinery = {
            name: os.environ.get(MACHINERY_ENV + name)
            for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
        }
        self._session = (
            boto3.session.Session(
                aws_access_key_id=machinery["AWS_ACCESS_KEY_ID"],
                aws_secret_access_key=machinery["AWS_SECRET_ACCESS_KEY"],
                aws_session_token=machinery["AWS_SESSION_TOKEN"],
            )
            if machinery["AWS_ACCESS_KEY_ID"]
            else boto3.session.Session()
        )
        self._ssm = self._session.client("ssm", config=config(settings.parameters_timeout_ms))
        self._secrets = self._session.client("secretsmanager", config=config(settings.secrets_timeout_ms))
        self._kms = self._session.client("kms", config=config(0))
        self.function_name = function_name
        self._descriptions: dict[tuple[str, str], Any] = {}  # (service, name) -> what Describe* answered
        self.region = self._session.region_name
        self.account = self._session.client("sts").get_caller_identity()["Account"]
        self.settings = settings
        lambda_client = self._session.client("lambda")
        self.role_arn = lambda_client.get_function_configuration(FunctionName=function_name)["Role"]
        self._clients: dict[tuple[str, str], Any] = {}  # (service, account) -> a client of another account
        # The function's permissions, read once when the extension starts (INIT); the secrets' and keys'
        # policies once per resource when first read (scripts/iam/authorizer.py applies every one).
        permissions = role_permissions(self._session.client("iam"), self.role_arn)
        self.policies = permissions.policies
        self.authorizer = Authorizer(
            role_arn=self.role_arn,
            session_name=function_name,
            region=self.region,
            identity_policies=permissions.policies,
            permission_boundary=permissions.boundary,
            principal_tags=permissions.tags,
            role_id=permissions.role_id,
            resource_policy=self._resource_policy,
            key=self._key,
        )

    def request_context(self) -> dict[str, Any]:
        """The context AWS supplies for the function's own calls (its role session, over HTTPS)."""
        return self.authorizer.context()

    def _client(self, service: str, arn: str) -> Any:
        """The client for a resource: this account's, or (for an ARN in another account) one that asks the
        sandbox's moto for that account (its x-moto-account-id header), as AWS reads the resource where it is."""
        parts = arn.split(":", 5)
        account = parts[4] if len(parts) == 6 and parts[0] == "arn" and parts[4] else self.account
        if account == self.account:
            return {"secretsmanager": self._secrets, "kms": self._kms, "ssm": self._ssm}[service]
        if (service, account) not in self._clients:
            client = self._session.client(service, config=self._secrets.meta.config)

            def select_account(request: Any, **_: Any) -> None:
                request.headers["x-moto-account-id"] = account

            client.meta.events.register("before-sign.*.*", select_account)
            self._clients[(service, account)] = client
        return self._clients[(service, account)]

    def _resource_policy(self, secret_arn: str) -> dict[str, Any] | None:
        """The secret's resource policy (GetResourcePolicy), or None when it has none."""
        raw = self._call(self._client("secretsmanager", secret_arn).get_resource_policy, SecretId=secret_arn).get(
            "ResourcePolicy"
        )
        return document(raw) if raw else None

    def _key(self, key_id: str) -> Key:
        """A KMS key: its ARN, its key policy (GetKeyPolicy), and whether AWS manages it."""
        client = self._client("kms", key_id)
        metadata = self._call(client.describe_key, KeyId=key_id)["KeyMetadata"]
        if metadata.get("KeyManager") == "AWS":
            return Key(metadata["Arn"], aws_managed=True)
        raw = self._call(client.get_key_policy, KeyId=metadata["Arn"], PolicyName="default").get("Policy")
        return Key(metadata["Arn"], document(raw) if raw else None)

    def _refuse_unless_allowed(self, result: iam_policy.Result, what: str, message: str) -> None:
        for problem in result.problems:
            log(self.settings, "WARN", f"IAM evaluation of {what}: {problem}")
        if not result.allowed:  # "undecided" (a Deny AWS documents no outcome for) is refused too
            raise Refused(f"AccessDeniedException: {message} ({result.decision.replace('_', ' ')})")

    def authorize(self, action: str, resource: str) -> None:
        """The role's policies, its permission boundary, the secret's resource policy, the cross-account rule."""
        result = self.authorizer.authorize(action, resource)
        self._refuse_unless_allowed(
            result, f"{action} on {resource}", f"the function's role is not authorized to perform {action} on {resource}"
        )

    def authorize_decrypt(self, service: iam_context.Service, key_id: str | None, item_arn: str, version_id: str | None) -> None:
        """kms:Decrypt as KMS decides it when `service` decrypts for the function: the role's policies and the
        key policy (KMS's default key policy when the key has none, the AWS managed key's for aws/<service>),
        in the context KMS sees (kms:ViaService, kms:CallerAccount, the encryption context)."""
        key_arn = self.authorizer.key(key_id, service, item_arn.split(":")[4]).arn
        result = self.authorizer.authorize_decrypt(service, key_id, item_arn, version_id)
        self._refuse_unless_allowed(
            result,
            f"kms:Decrypt on {key_arn}",
            f"{service} could not decrypt {item_arn}: the function's role is not authorized to perform kms:Decrypt on "
            f"{key_arn} through {service}; the role's policy and the key policy must both allow it",
        )

    def parameter_arn(self, name: str) -> str:
        if name.startswith("arn:"):
            return name
        return f"arn:aws:ssm:{self.region}:{self.account}:parameter{name if name.startswith('/') else '/' + name}"

    def get_parameter(self, name: str, selector: str, decrypt: bool) -> dict[str, Any]:
        if name.startswith(SECRET_REFERENCE):  # a secret read through Parameter Store's reference path
            if not decrypt:
                raise Refused("ValidationException: /aws/reference/secretsmanager/ needs withDecryption=true")
            secret = self.get_secret(name[len(SECRET_REFERENCE) :], selector.lstrip(":") or None, None)
            value = secret.get("SecretString", "")
            return {
                "Parameter": {
                    "Name": name,
                    "Type": "SecureString",
                    "Value": value,
                    "Version": 0,
                    "SourceResult": json.dumps(secret, default=_json_default),
                    "ARN": secret["ARN"],
                    "DataType": "text",
                    "Selector": selector or None,
                }
            }
        arn = self.parameter_arn(name)
        self.authorize("ssm:GetParameter", arn)
        if decrypt:  # a SecureString is decrypted by Parameter Store with the caller's permissions
            plain_name = "/" + arn.split(":parameter/", 1)[1] if name.startswith("arn:") else name
            found = self._parameter_described(plain_name)
            if found and found.get("Type") == "SecureString":
                self.authorize_decrypt("ssm", found.get("KeyId"), arn, None)
        return self._call(self._ssm.get_parameter, Name=name + selector, WithDecryption=decrypt)

    def _parameter_described(self, name: str) -> dict[str, Any] | None:
        """A parameter's type and key, looked up once per execution environment (as _described)."""
        key = ("ssm", name)
        if key not in self._descriptions:
            found = self._call(
                self._ssm.describe_parameters, ParameterFilters=[{"Key": "Name", "Option": "Equals", "Values": [name]}]
            )["Parameters"]
            self._descriptions[key] = found[0] if found else None
        return self._descriptions[key]

    def _described(self, secret_id: str) -> dict[str, Any]:
        """The secret's ARN and key, looked up once per execution environment: on AWS the service
        knows them when it authorizes; here one DescribeSecret per secret stands in for that."""
        key = ("secretsmanager", secret_id)
        if key not in self._descriptions:
            self._descriptions[key] = self._call(self._client("secretsmanager", secret_id).describe_secret, SecretId=secret_id)
        return self._descriptions[key]

    def get_secret(self, secret_id: str, stage: str | None, version_id: str | None) -> dict[str, Any]:
        described = self._described(secret_id)
        arn = described["ARN"]
        self.authorize("secretsmanager:GetSecretValue", arn)
        # No stage and no version means AWSCURRENT; asking for it by name also avoids moto's
        # stale default version after UpdateSecretVersionStage (the rotation's finishSecret).
        kwargs = {"SecretId": secret_id, "VersionStage": stage or ("AWSCURRENT" if not version_id else None)}
        kwargs = {k: v for k, v in kwargs.items() if v}
        if version_id:
            kwargs["VersionId"] = version_id
        secret = self._call(self._client("secretsmanager", arn).get_secret_value, **kwargs)
        # Secrets Manager decrypts with the caller's permissions: the value is not returned unless KMS allows.
        self.authorize_decrypt("secretsmanager", described.get("KmsKeyId"), arn, secret.get("VersionId"))
        return secret

    @staticmethod
    def _call(method: Any, **kwargs: Any) -> dict[str, Any]:
        from botocore.exceptions import (
            ClientError,
            ConnectTimeoutError,
            EndpointConnectionError,
            ParamValidationError,
            ReadTimeoutError,
        )

        try:
            response = method(**kwargs)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            kind = Throttled if error.get("Code") in ("ThrottlingException", "TooManyUpdates", "ThrottledException") else Refused
            raise kind(f"{error.get('Code', 'ClientError')}: {error.get('Message', '')}") from None
        except ParamValidationError as exc:  # malformed input: the service would answer ValidationException
            raise Refused(f"ValidationException: {' '.join(str(exc).split())}") from None
        except (ConnectTimeoutError, ReadTimeoutError) as exc:
            raise BackendTimeout(f"timeout: {type(exc).__name__}") from None
        except EndpointConnectionError as exc:
            raise BackendUnavailable(f"network error: {type(exc).__name__}") from None
        response.pop("ResponseMetadata", None)
        return response


ROUTES = {
    # The SSM guide's own examples call /systemsmanager/parameters/get/?name=...; both forms work.
    "/secretsmanager/get": "secret",
    "/secretsmanager/get/": "secret",
    "/systemsmanager/parameters/get": "parameter",
    "/systemsmanager/parameters/get/": "parameter",
}
QUERY_PARAMETERS = {
    "secret": {"secretId", "versionStage", "versionId"},
    "parameter": {"name", "version", "label", "withDecryption"},
}


def error_body(kind: str, message: str) -> bytes:
    """An error in the shape of AWS's Secrets Manager Agent: {"__type", "message"} (the managed layer documents none)."""
    return json.dumps({"__type": kind, "message": message}).encode()


def _refusal_body(exc: Refused) -> bytes:
    """The upstream error's code as __type; the detail goes to the log only, as with the managed layer."""
    kind, _, detail = str(exc).partition(": ")
    return error_body(kind if detail else type(exc).__name__, OPAQUE_ERROR.decode())


class Emulator:
    """The HTTP API's logic: checks, phase, cache, dispatch. Independent of the socket server."""

    def __init__(self, settings: Settings, backend: Any, token: str) -> None:
        self.settings = settings
        self.backend = backend
        self.token = token
        self.invoked = threading.Event()  # set at the first INVOKE event: INIT is over
        self._cache: OrderedDict[tuple[str, ...], tuple[float, bytes]] = OrderedDict()
        self._lock = threading.Lock()
        # MAX_CONNECTIONS: the connections the extension opens to the services (outbound only).
        self._connections = threading.BoundedSemaphore(settings.max_connections)
        self.backend_calls = 0
        for warning in settings.warnings:
            log(settings, "WARN", warning)

    def handle(self, method: str, path: str, query: dict[str, str], headers: dict[str, str]) -> tuple[int, bytes]:
        """Answer one request: (HTTP status, body). `query` keeps the order of the URL (first value wins)."""
        # The order of the checks is the Agent's: forwarding and token first, then method and path.
        if "x-forwarded-for" in headers:
            log(self.settings, "WARN", "request with an X-Forwarded-For header refused")
            return 400, error_body("BadRequest", "Forwarded")
        presented = headers.get(TOKEN_HEADER.lower())
        if not self.token or presented != self.token:
            # A repeated field arrives combined as "a, b" (RFC 9110 section 5.3): never the token, so refused too.
            problem = "repeated" if presented is not None and ", " in presented else "missing or wrong"
            log(self.settings, "WARN", f"request with a {problem} {TOKEN_HEADER} header refused")
            return 403, error_body("Forbidden", f"{problem} {TOKEN_HEADER} header")
        if method != "GET":
            return 405, error_body("MethodNotAllowed", "only GET is allowed")
        route = ROUTES.get(path)
        if route is None:
            return 404, error_body("NotFound", "unknown path")
        unknown = sorted(set(query) - QUERY_PARAMETERS[route])
        if unknown:
            log(self.settings, "WARN", f"request with unknown query parameters refused: {', '.join(unknown)}")
            return 400, error_body("ValidationException", f"unknown query parameter {unknown[0]}")
        if not self.invoked.is_set():
            log(  # the runner sends INVOKE to the extensions and the event to the runtime at once: no order is documented
                self.settings,
                "ERROR",
                "request before this extension's first INVOKE event refused (HTTP 400): a read during INIT, or one "
                "racing the first invocation's start (the client retries that one; read inside the handler)",
            )
            return 400, OPAQUE_ERROR
        try:
            if route == "secret":
                return 200, self._secret(query)
            return 200, self._parameter(query)
        except Refused as exc:
            log(self.settings, "ERROR", f"{route} request failed: {exc}")
            return exc.status, _refusal_body(exc)
        except Exception as exc:  # never a dropped connection: an answer, and one log line without a traceback
            log(self.settings, "ERROR", f"{route} request failed unexpectedly: {type(exc).__name__}")
            return 500, error_body("InternalFailure", "an unexpected error occurred while executing request")

    def _cached(self, key: tuple[str, ...], ttl: int, fetch: Any) -> bytes:
        use_cache = self.settings.cache_enabled and self.settings.cache_size > 0 and ttl > 0
        if use_cache:
            with self._lock:
                hit = self._cache.get(key)
                if hit and hit[0] > time.monotonic():
                    self._cache.move_to_end(key)
                    log(self.settings, "DEBUG", f"cache hit for {key[1]}")
                    return hit[1]  # a hit never waits for a backend connection
        with self._connections:  # beyond MAX_CONNECTIONS, backend calls wait their turn
            self.backend_calls += 1
            body = json.dumps(fetch(), default=_json_default).encode()
        if use_cache:
            with self._lock:
                self._cache[key] = (time.monotonic() + ttl, body)
                self._cache.move_to_end(key)
                while len(self._cache) > self.settings.cache_size:
                    self._cache.popitem(last=False)
        return body

    def _secret(self, query: dict[str, str]) -> bytes:
        secret_id = query.get("secretId")
        if not secret_id:
            raise Refused("ValidationException: secretId is required")
        stage, version_id = query.get("versionStage"), query.get("versionId")
        key = ("secret", secret_id, stage or "", version_id or "")
        return self._cached(key, self.settings.secrets_ttl, lambda: self.backend.get_secret(secret_id, stage, version_id))

    def _parameter(self, query: dict[str, str]) -> bytes:
        name = query.get("name")
        if not name:
            raise Refused("ValidationException: name is required")
        # version and label together: the first one after `?` is used (SSM guide).
        chosen = next((k for k in query if k in ("version", "label")), None)
        selector = f":{query[chosen]}" if chosen else ""
        decrypt = query.get("withDecryption", "false").lower() == "true"
        key = ("parameter", name, selector, str(decrypt))
        return self._cached(
            key,
            self.settings.parameters_ttl,
            lambda: {"Parameter": self.backend.get_parameter(name, selector, decrypt)["Parameter"], "ResultMetadata": {}},
        )


# Where the managed layer documents nothing about its listener, the emulation follows AWS's Secrets
# Manager Agent (aws/aws-secretsmanager-agent 2.0.0: hyper 1 on tokio, mio 1.2 underneath):
# - backlog: tokio's TcpListener::bind listens with mio's backlog, 128 since mio 1.0.3 ("the same
#   backlog value as the standard library", mio src/net/tcp/listener.rs). Python's own socket.listen()
#   default is min(SOMAXCONN, 128) too; socketserver's 5 is what made 16 concurrent readers wait 1 s.
# - a deadline: the Agent wraps each connection in tokio::time::timeout(MAX_REQ_TIME_SEC = 61 s) and
#   logs "Failed to serve connection" once when it fires (src/server.rs, src/constants.rs).
# - a request line that is not `METHOD SP target SP HTTP/1.x`: hyper answers 400 (proto/h1/role.rs,
#   Server::on_error: Parse::Version / Parse::Uri / Parse::Method -> BAD_REQUEST); 414 and 431 for
#   a request line or header fields too long.
LISTEN_BACKLOG = 128
REQUEST_SECONDS = 61.0
MAX_LINE = 65536  # bytes of the request line and of each header field line (http.server's own limits)
HTTP_VERSIONS = (b"HTTP/1.0", b"HTTP/1.1")
METHOD = re.compile(rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # a token (RFC 9110 section 9.1)


class _RequestReader(io.RawIOBase):
    """The connection's bytes with one deadline for the whole request: each recv waits only for the
    time left, so a client trickling a byte at a time is cut off as surely as one sending nothing."""

    def __init__(self, sock: socket.socket, seconds: float) -> None:
        self._sock = sock
        self._ends = time.monotonic() + seconds
        self.ended = False  # the client closed its side (EOF) while a line was still being read

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        left = self._ends - time.monotonic()
        if left <= 0:
            raise TimeoutError("request deadline passed")
        self._sock.settimeout(left)
        count = self._sock.recv_into(buffer)
        self.ended = self.ended or count == 0
        return count


class _Workers:
    """Daemon threads serving connections, started on demand and reused once idle. ThreadingMixIn starts a
    thread per connection, which costs more than the rest of a cache hit (about half the p99 under load);
    like it, there is no cap, so slow clients holding threads never make the others wait."""

    def __init__(self, serve: Any) -> None:
        self._serve = serve
        self._queue: queue.SimpleQueue[tuple[Any, Any] | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._idle = 0  # threads that finished their connection and wait for the next
        self._started = 0

    def submit(self, request: Any, client_address: Any) -> None:
        with self._lock:
            reuse = self._idle > 0
            if reuse:
                self._idle -= 1
            else:
                self._started += 1
        self._queue.put((request, client_address))
        if not reuse:
            threading.Thread(target=self._run, name=f"{NAME}-connection", daemon=True).start()

    def stop(self) -> None:
        """Each thread ends once it is done with its connection."""
        with self._lock:
            for _ in range(self._started):
                self._queue.put(None)
            self._started = self._idle = 0

    def _run(self) -> None:
        while (work := self._queue.get()) is not None:
            self._serve(*work)
            with self._lock:
                self._idle += 1


class _Incomplete(Exception):
    """The client closed its side before the request's header fields ended."""


def make_server(emulator: Emulator, *, request_seconds: float = REQUEST_SECONDS) -> ThreadingHTTPServer:
    """The HTTP server on localhost:<port>, answering with `emulator`; one request per connection.

    Listens with a backlog of LISTEN_BACKLOG; a client gets `request_seconds` to send its whole request
    and again to take the answer, then is cut off with one WARN line (no answer, no traceback). A request
    line that is not HTTP/1.x answers 400; repeated header fields are combined (RFC 9110 section 5.3), so
    a repeated token header never matches the token. Nothing a client does makes the server print a traceback.
    """
    settings = emulator.settings

    class Handler(BaseHTTPRequestHandler):
        def setup(self) -> None:
            super().setup()
            self.reader = _RequestReader(self.connection, request_seconds)
            self.rfile = io.BufferedReader(self.reader)
            self.command, self.requestline = "", ""
            self.request_version = "HTTP/1.0"  # so that every answer, even to an HTTP/0.9 line, has a status line

        def handle(self) -> None:
            """One request, each failure one log line: the client's own faults at WARN, never a traceback."""
            answering = False
            try:
                request = self._read_request()
                if request is None:
                    return
                answering = True
                self.connection.settimeout(request_seconds)  # the time the client gets to take the answer
                self._send(*request)
            except TimeoutError:
                missed = "took no answer" if answering else "sent no complete request"
                log(settings, "WARN", f"slow client: {missed} within {request_seconds:g} s; connection closed")
            except _Incomplete:
                log(settings, "WARN", "client closed the connection before its request was complete; nothing answered")
            except OSError as exc:  # reset or broken pipe: the client went away
                log(settings, "WARN", f"client closed the connection early ({type(exc).__name__}); nothing more sent")

        def _read_request(self) -> tuple[int, bytes] | None:
            """(status, body) to answer, or None when a connection closed without a byte (a port probe)."""
            line = self.rfile.readline(MAX_LINE + 1)
            if line in (b"\r\n", b"\n"):  # RFC 9112 section 2.2: ignore an empty line before the request line
                line = self.rfile.readline(MAX_LINE + 1)
            if not line:
                return None
            if len(line) > MAX_LINE:
                log(settings, "WARN", "request line too long refused")
                return 414, error_body("URITooLong", f"the request line is longer than {MAX_LINE} bytes")
            if not line.endswith(b"\n"):
                raise _Incomplete
            words = line.rstrip(b"\r\n").split(b" ")
            if len(words) != 3 or not METHOD.fullmatch(words[0]) or not words[1] or words[2] not in HTTP_VERSIONS:
                log(settings, "WARN", "malformed request line refused (expected METHOD SP target SP HTTP/1.x)")
                return 400, error_body("BadRequest", "malformed request line: expected METHOD SP target SP HTTP/1.x")
            self.command, self.path, self.request_version = (word.decode("iso-8859-1") for word in words)
            try:
                fields = http.client.parse_headers(self.rfile)
            except http.client.HTTPException as exc:  # a line over MAX_LINE, or more than 100 fields
                log(settings, "WARN", f"request header fields too large refused ({type(exc).__name__})")
                return 431, error_body("RequestHeaderFieldsTooLarge", "a header field line is too long or there are too many")
            if self.reader.ended:
                raise _Incomplete
            # A field repeated is combined into one comma-separated value (RFC 9110 section 5.3): the value of
            # a repeated token header is never the token, so it is refused (the Agent would take the first).
            headers: dict[str, str] = {}
            for name, value in fields.items():
                key = name.lower()
                headers[key] = f"{headers[key]}, {value}" if key in headers else value
            try:
                url = urllib.parse.urlsplit(self.path)
                # First value of each parameter wins, in the URL's order.
                query: dict[str, str] = {}
                for key, value in urllib.parse.parse_qsl(url.query, keep_blank_values=True):
                    query.setdefault(key, value)
            except ValueError as exc:  # an unparseable target: an answer, not a dropped connection
                log(settings, "WARN", f"malformed request target refused: {type(exc).__name__}")
                return 400, error_body("BadRequest", "malformed request target")
            try:
                return emulator.handle(self.command, url.path, query, headers)
            except Exception as exc:  # never a dropped connection: an answer, and one line without a traceback
                log(settings, "ERROR", f"request failed unexpectedly: {type(exc).__name__}")
                return 500, error_body("InternalFailure", OPAQUE_ERROR.decode())

        def _send(self, status: int, body: bytes) -> None:
            """The answer in one write: a head written apart from the body waits on Nagle and delayed ACKs."""
            kind = "application/json" if status == 200 or body.startswith(b"{") else "text/plain"
            head = (
                f"{self.protocol_version} {status} {HTTPStatus(status).phrase}\r\n"
                f"Date: {self.date_time_string()}\r\nContent-Type: {kind}\r\nContent-Length: {len(body)}\r\n"
                "Connection: close\r\n\r\n"
            )
            self.wfile.write(head.encode("latin-1") + (b"" if self.command == "HEAD" else body))

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib's name)
            return  # request lines carry names only, but stay quiet like the real extension

    class Server(ThreadingHTTPServer):
        request_queue_size = LISTEN_BACKLOG  # socketserver's default is 5
        daemon_threads = True

        def __init__(self, address: tuple[str, int], handler: Any) -> None:
            super().__init__(address, handler)
            self.workers = _Workers(self.process_request_thread)

        def process_request(self, request: Any, client_address: Any) -> None:
            self.workers.submit(request, client_address)

        def server_close(self) -> None:
            super().server_close()
            self.workers.stop()

        def handle_error(self, request: Any, client_address: Any) -> None:
            """Anything else a connection raised: one line with the exception's type, never a traceback."""
            log(settings, "ERROR", f"connection failed: {type(sys.exc_info()[1]).__name__}")

    return Server(("127.0.0.1", settings.http_port), Handler)


def _extensions_api(
    path: str, *, data: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[dict[str, str], dict[str, Any]]:
    url = f"http://{os.environ['AWS_LAMBDA_RUNTIME_API']}/2020-01-01/extension/{path}"
    request = urllib.request.Request(url, data=data, headers=headers or {}, method="POST" if data is not None else "GET")
    with urllib.request.urlopen(request, timeout=None) as response:
        return dict(response.headers), json.loads(response.read() or b"{}")


def main() -> int:
    """Run as a Lambda extension: register, serve, follow INVOKE and SHUTDOWN events."""
    if {"-h", "--help"} & set(sys.argv[1:]):  # started by the local runner from the layer, not by people
        print(__doc__)
        return 0
    settings = Settings.from_env(dict(os.environ))
    headers, _ = _extensions_api(
        "register", data=json.dumps({"events": ["INVOKE", "SHUTDOWN"]}).encode(), headers={"Lambda-Extension-Name": NAME}
    )
    identifier = headers["Lambda-Extension-Identifier"]
    emulator = Emulator(
        settings, Backend(os.environ["AWS_LAMBDA_FUNCTION_NAME"], settings), os.environ.get("AWS_SESSION_TOKEN", "")
    )
    server = make_server(emulator)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    log(settings, "INFO", f"serving on localhost:{settings.http_port}")
    while True:
        _, event = _extensions_api("event/next", headers={"Lambda-Extension-Identifier": identifier})
        if event.get("eventType") == "INVOKE":
            emulator.invoked.set()
        elif event.get("eventType") == "SHUTDOWN":
            log(settings, "DEBUG", f"shutdown after {emulator.backend_calls} backend calls")
            server.shutdown()
            return 0


if __name__ == "__main__":
    sys.exit(main())
