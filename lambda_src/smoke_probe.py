"""The smoke test's probe, answered inside any app's function: what it read, what it was refused.

`make smoke` invokes every app's function with an event {"smoke_probe": {...}}. The kit's
demo handler answers it; your own handler delegates it in one line:

    import smoke_probe

    @smoke_probe.answers
    def handler(event, context):
        ...  # your code; the probe's events never reach it

The probe (built by scripts/flows/smoke.py; names relative to the app, or full):
  read      {"secrets": [...], "parameters": [...]}: the app's own items, read in two batches
            (the client's concurrent reads; SecureStrings decrypted); answered with its full
            name, version and the SHA-256 of its value; for the names listed in "fields" (JSON
            secrets), the SHA-256 of each top-level field too, so a rotation can be shown to
            keep the other keys; an item that cannot be read answers its error instead;
  previous  secrets whose AWSPREVIOUS version to prove the same way ("none" before a rotation);
  refuse    {"secrets": [...], "parameters": [...]}: another app's items, which this function
            must be refused; answered "refused" (with the HTTP status and error type) or "allowed".
Values never leave the function: only names, versions, hashes and outcomes.
"""

from __future__ import annotations

import secrets_client

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (at cold start)

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

EVENT_KEY = "smoke_probe"


def is_probe(event: Any) -> bool:
    """True for the smoke test's probe event."""
    return isinstance(event, dict) and isinstance(event.get(EVENT_KEY), dict)


def answers(handler: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """Decorate a handler so that it answers the smoke test's probe and passes every other event on."""

    def wrapped(event: Any, context: Any) -> Any:
        return answer(event[EVENT_KEY]) if is_probe(event) else handler(event, context)

    wrapped.__name__, wrapped.__doc__ = handler.__name__, handler.__doc__
    return wrapped


def _sha256(value: str | bytes) -> str:
    import hashlib

    return hashlib.sha256(value.encode() if isinstance(value, str) else value).hexdigest()


def canonical(value: Any) -> str:
    """A JSON field's value as the smoke test hashes it on its side too (sorted keys, no spaces)."""
    import json

    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _fields(value: str | bytes) -> dict[str, str] | None:
    """SHA-256 of each top-level field of a JSON object value; None if it is not one."""
    try:
        decoded = secrets_client.loads(value)
    except (ValueError, TypeError):
        return None
    return {key: _sha256(canonical(field)) for key, field in decoded.items()} if isinstance(decoded, dict) else None


def _error(name: str, exc: BaseException) -> dict[str, Any]:
    """An item's read that failed: its type and message (names and causes, never values)."""
    return {"name": name, "error": f"{type(exc).__name__}: {exc}"}


def _secrets(names: list[str], with_fields: set[str]) -> list[dict[str, Any]]:
    """Every secret read in one batch (the client's concurrent reads): name, version, hashes; or the item's error."""
    reads = secrets_client.default_client().read_secrets_by_name(names, raise_on_error=False)
    answers = []
    for given, read in reads.items():
        if isinstance(read, BaseException):
            answers.append(_error(given, read))
            continue
        answer = {"name": read.name, "version_id": read.version_id, "sha256": _sha256(read.value)}
        if given in with_fields:
            answer["fields"] = _fields(read.value)
        answers.append(answer)
    return answers


def _parameters(names: list[str]) -> list[dict[str, Any]]:
    """Every parameter read in one batch, SecureStrings decrypted; or the item's error."""
    reads = secrets_client.default_client().read_parameters_by_name(names, decrypt=True, raise_on_error=False)
    return [
        _error(given, read)
        if isinstance(read, BaseException)
        else {"name": read.name, "type": read.type, "version": read.version, "sha256": _sha256(read.value)}
        for given, read in reads.items()
    ]


def _previous(names: list[str]) -> list[dict[str, Any]]:
    """Each secret's AWSPREVIOUS version's proof (after a rotation), or outcome "none" if there is none yet.

    Only "not found" means none yet; any other error is reported as the item's error. The
    extension answers "not found" with the same opaque HTTP 400 as "access denied": its 400
    counts as not found here because this invocation has just read the same secret's AWSCURRENT
    through it (so the extension is ready and the role may read the secret).
    """
    client = secrets_client.default_client()
    reads = client.read_secrets_by_name({name: {"version_stage": "AWSPREVIOUS"} for name in names}, raise_on_error=False)
    answers = []
    for given, read in reads.items():
        opaque = isinstance(read, secrets_client.RequestRefused) and read.status == 400 and client.backend == "extension"
        if isinstance(read, secrets_client.NotFound) or opaque:
            answers.append({"name": given, "outcome": "none"})
        elif isinstance(read, BaseException):
            answers.append(_error(given, read))
        else:
            answers.append({"name": read.name, "outcome": "read", "version_id": read.version_id, "sha256": _sha256(read.value)})
    return answers


def _refused(read: Callable[..., Any], name: str) -> dict[str, Any]:
    """Try a read that should be refused (never cached); report the outcome, never the value."""
    try:
        read(name, max_age=0)
    except secrets_client.SecretsClientError as exc:
        return {"name": name, "outcome": "refused", "status": exc.status, "error": type(exc).__name__}
    return {"name": name, "outcome": "allowed"}


def answer(probe: dict[str, Any]) -> dict[str, Any]:
    """Run the probe; names, versions, hashes and outcomes only."""
    read, refuse = probe.get("read") or {}, probe.get("refuse") or {}
    with_fields = set(probe.get("fields") or ())
    client = secrets_client.default_client()
    result: dict[str, Any] = {
        "secrets": _secrets(read.get("secrets", []), with_fields),
        "parameters": _parameters(read.get("parameters", [])),
        "previous": _previous(probe.get("previous", [])),
        "refused": [_refused(client.read_secret, n) for n in refuse.get("secrets", [])]
        + [_refused(client.read_parameter, n) for n in refuse.get("parameters", [])],
    }
    print(  # the function's log: names and outcomes only
        canonical(
            {
                "message": "smoke probe",
                "read": [item["name"] for item in result["secrets"] + result["parameters"]],
                "refused": [(item["name"], item.get("outcome", "error")) for item in result["refused"]],
            }
        )
    )
    return result
