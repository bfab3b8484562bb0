"""The function: read its secrets and parameters through the extension, prove it, leak nothing.

Environment (set by the Terraform stack; names only, never values):
  APP_SECRET_IDS       comma-separated Secrets Manager names
  APP_PARAMETER_NAMES  comma-separated SSM parameter names (SecureStrings decrypted)

The result names each item with its version and the SHA-256 of its value, so a caller
who holds the stored value can check the function read the right one without the value
ever leaving. With the event key "read_previous": true it also proves each secret's
AWSPREVIOUS version (there after a rotation). An optional event key "deny_probe" ({"secret_id": ..., "parameter": ...})
makes the function try names outside its own paths and report only "allowed" or
"refused": the smoke test uses it to check that IAM keeps the function in its paths.

Values are read inside the handler, never at import: the extension does not answer
during INIT.
"""

from __future__ import annotations

import os

import secrets_client

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (5-9 ms at cold start)

if TYPE_CHECKING:
    from typing import Any


def _names(variable: str) -> list[str]:
    return [name for name in os.environ.get(variable, "").split(",") if name]


def _sha256(value: str | bytes) -> str:
    import hashlib  # imported at first use: the module's import stays on the cold start's fast path

    return hashlib.sha256(value.encode() if isinstance(value, str) else value).hexdigest()


def _read_secret(secret_id: str) -> dict[str, Any]:
    read = secrets_client.default_client().read_secret(secret_id)
    return {"name": read.name, "version_id": read.version_id, "sha256": _sha256(read.value)}


def _read_parameter(name: str) -> dict[str, Any]:
    read = secrets_client.default_client().read_parameter(name, decrypt=True)
    return {"name": read.name, "type": read.type, "version": read.version, "sha256": _sha256(read.value)}


def _read_previous(secret_id: str) -> dict[str, Any]:
    """The AWSPREVIOUS version's proof (after a rotation), or outcome "none" if there is none yet.

    Only "not found" means none yet; any other error is raised. The extension answers "not
    found" with the same opaque HTTP 400 as "access denied": its 400 counts as not found
    here because this invocation has just read the same secret's AWSCURRENT through it (so
    the extension is ready and the role may read the secret).
    """
    client = secrets_client.default_client()
    try:
        read = client.read_secret(secret_id, version_stage="AWSPREVIOUS")
    except secrets_client.NotFound:
        return {"name": secret_id, "outcome": "none"}
    except secrets_client.RequestRefused as exc:
        if exc.status != 400 or client.backend != "extension":
            raise
        return {"name": secret_id, "outcome": "none"}
    return {"name": secret_id, "outcome": "read", "version_id": read.version_id, "sha256": _sha256(read.value)}


def _probe(read: Any, name: str) -> dict[str, Any]:
    """Try a read that should be refused (never cached); report the outcome, never the value."""
    try:
        read(name, max_age=0)
    except secrets_client.SecretsClientError as exc:
        return {"name": name, "outcome": "refused", "status": exc.status, "error": type(exc).__name__}
    return {"name": name, "outcome": "allowed"}


def handler(event: dict[str, Any] | None, context: Any) -> dict[str, Any]:
    """Read every configured item; return names, versions and hashes."""
    event = event or {}
    result: dict[str, Any] = {
        "function": getattr(context, "function_name", None),
        "secrets": [_read_secret(name) for name in _names("APP_SECRET_IDS")],
        "parameters": [_read_parameter(name) for name in _names("APP_PARAMETER_NAMES")],
    }
    if event.get("read_previous"):
        result["previous"] = [_read_previous(name) for name in _names("APP_SECRET_IDS")]
    probe = event.get("deny_probe") or {}
    if probe:
        result["deny_probe"] = []
        client = secrets_client.default_client()
        if probe.get("secret_id"):
            result["deny_probe"].append(_probe(client.read_secret, probe["secret_id"]))
        if probe.get("parameter"):
            result["deny_probe"].append(_probe(client.read_parameter, probe["parameter"]))
    import json

    print(
        json.dumps(
            {
                "message": "read configuration",
                "secrets": [s["name"] for s in result["secrets"]],
                "parameters": [p["name"] for p in result["parameters"]],
                "deny_probe": [(p["name"], p["outcome"]) for p in result.get("deny_probe", [])],
            }
        )
    )
    return result
