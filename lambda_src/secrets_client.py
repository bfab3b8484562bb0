"""Read secrets and parameters through the AWS Parameters and Secrets Lambda Extension.

Standard library only: importing this module costs no more than `urllib.request`.
The extension listens on localhost (PARAMETERS_SECRETS_EXTENSION_HTTP_PORT, default
2773) and wants the function's session token in the X-Aws-Parameters-Secrets-Token
header. It only answers during an invocation (not at import time), and at a cold start
it may answer HTTP 400 for a moment: requests are retried briefly, within a deadline.

Errors name the item and the cause, never a value.
"""

from __future__ import annotations

import json
import os
import random
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

DEFAULT_PORT = 2773
TOKEN_HEADER = "X-Aws-Parameters-Secrets-Token"
REQUEST_TIMEOUT = 2.0  # seconds for one HTTP request
DEADLINE = 3.0  # seconds for all attempts of one read
BACKOFF = (0.05, 0.1, 0.2, 0.4)  # waits between attempts (jittered)
RETRY_STATUSES = {429, 500, 502, 503, 504}
NOT_READY_RETRIES = 2  # HTTP 400 is also "not ready yet" at a cold start: retried this often only


class SecretsClientError(Exception):
    """Reading an item through the extension failed."""

    def __init__(self, item: str, cause: str, status: int | None = None) -> None:
        super().__init__(f"{item}: {cause}")
        self.item = item
        self.status = status


class ExtensionUnavailable(SecretsClientError):
    """Nothing answered on the extension's port (no layer attached, or it did not start)."""


class TokenRejected(SecretsClientError):
    """The extension refused the session token (HTTP 401/403)."""


class RequestRefused(SecretsClientError):
    """The extension answered an error: unknown name, access denied, or not ready in time."""


def _port() -> int:
    raw = os.environ.get("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", str(DEFAULT_PORT))
    return int(raw) if raw.isdigit() else DEFAULT_PORT


def _get(path: str, query: dict[str, str], item: str) -> dict[str, Any]:
    """GET from the extension with retries; return the decoded JSON body."""
    url = f"http://localhost:{_port()}{path}?{urllib.parse.urlencode(query, quote_via=urllib.parse.quote, safe='')}"
    request = urllib.request.Request(url, headers={TOKEN_HEADER: os.environ.get("AWS_SESSION_TOKEN", "")})
    deadline = time.monotonic() + DEADLINE
    attempt = 0
    while True:
        try:
            with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            exc.close()
            if exc.code in (401, 403):
                raise TokenRejected(item, f"the extension rejected the session token (HTTP {exc.code})", exc.code) from None
            error: SecretsClientError = RequestRefused(item, f"the extension answered HTTP {exc.code}", exc.code)
            retry = exc.code in RETRY_STATUSES or (exc.code == 400 and attempt < NOT_READY_RETRIES)
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            reason = getattr(exc, "reason", exc)
            error = ExtensionUnavailable(item, f"no answer from the extension on port {_port()} ({type(reason).__name__})")
            retry = True
        if not retry or attempt >= len(BACKOFF):
            raise error
        wait = BACKOFF[attempt] * (0.5 + random.random())
        if time.monotonic() + wait > deadline:
            raise error
        time.sleep(wait)
        attempt += 1


def get_secret(secret_id: str, *, version_stage: str | None = None, version_id: str | None = None) -> dict[str, Any]:
    """GetSecretValue through the extension: ARN, Name, VersionId, SecretString or SecretBinary."""
    query = {"secretId": secret_id}
    if version_stage:
        query["versionStage"] = version_stage
    if version_id:
        query["versionId"] = version_id
    return _get("/secretsmanager/get", query, f"secret {secret_id}")


def get_parameter(name: str, *, decrypt: bool = True, version: int | None = None, label: str | None = None) -> dict[str, Any]:
    """GetParameter through the extension: the Parameter object (Name, Type, Value, Version, ARN)."""
    query = {"name": name, "withDecryption": "true" if decrypt else "false"}
    if version is not None:
        query["version"] = str(version)
    if label:
        query["label"] = label
    return _get("/systemsmanager/parameters/get", query, f"parameter {name}")["Parameter"]
