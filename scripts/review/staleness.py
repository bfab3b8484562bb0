"""The staleness budget: how long a function may still serve a rotated secret's previous value, read from a plan.

For every function that reads an app's manifest (its SECRETS_CLIENT_MANIFEST names an SSM
parameter the plan writes) and every secret that manifest lists as rotated, the figure comes
from the function's deployed settings: the client's TTL (SECRETS_CLIENT_TTL, else
SECRETS_MANAGER_TTL, else 300 s), the extension's TTL (SECRETS_MANAGER_TTL, at most 300 s),
the extension's cache on or off (PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED /
CACHE_SIZE = 0), the backend (SECRETS_CLIENT_BACKEND: sdk, else the extension, always
attached by the stack), and the stale-if-error window (SECRETS_CLIENT_STALE_IF_ERROR, 60 s).

The formula is the client's: `worst_case_staleness` in lambda_src/secrets_client.py (the
client helper's branch `client`, docs/client.md "How stale a value can be"), copied here
because scripts/ never imports the function-side code in lambda_src (it is not on the
tooling's import path); tests/unit/test_review_staleness.py checks the copy against the
client's own function whenever the client in lambda_src has it.

`budgets(plan, side)` is pure: the plan JSON in, one Budget per (function, rotated secret)
out, for the plan's "before" or "after" values. `findings(plan)` gives the review's notes
(each rotated secret's figure after the change) and a low risk wherever the figure rises.
Functions the kit deploys to rotate (handler rotation.handler) read no secret for the app
and are left out. A setting unknown until apply counts as its default.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from scripts.review.plan import managed_changes

# --- the client's formula (lambda_src/secrets_client.py, branch client), copied -------------------
DEFAULT_TTL = 300  # the client's and the extension's default TTL (seconds)
EXTENSION_TTL_LIMIT = 300  # the extension clamps SECRETS_MANAGER_TTL to 300 s
STALE_IF_ERROR = 60.0  # the client's default stale-if-error window (seconds)
# How long the client keeps a rotated secret once its rotation window is open (seconds), by backend.
ROTATION_WINDOW_MAX_AGE = {"extension": 0.0, "sdk": 60.0}


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

    extension: own + extension_ttl (if its cache is on); sdk: own; where own is client_ttl,
    or min(client_ttl, ROTATION_WINDOW_MAX_AGE[backend]) for a scheduled rotation ("scheduled";
    "any" is any other change: make rotate, a value put by hand); + stale_if_error only while
    refreshes fail transiently. (The client's worst_case_staleness, as written there.)
    """
    if backend not in ROTATION_WINDOW_MAX_AGE:
        raise ValueError(f"backend {backend!r}: use extension or sdk")
    if change not in ("any", "scheduled"):
        raise ValueError(f"change {change!r}: use any or scheduled")
    own = min(client_ttl, ROTATION_WINDOW_MAX_AGE[backend]) if change == "scheduled" else client_ttl
    extension = extension_ttl if backend == "extension" and extension_cache else 0.0
    return float(own + extension + stale_if_error)


# --- a function's settings, as the client and the extension read them ----------------------------


def _seconds(environment: dict[str, str], *names: str) -> float | None:
    for name in names:
        raw = str(environment.get(name, ""))
        if raw.isdigit():  # the client's rule: a value that is not a whole number is ignored
            return float(raw)
    return None


@dataclass(frozen=True)
class ReadSettings:
    """What decides how long one function keeps a secret: its cache settings."""

    backend: str  # "extension" or "sdk"
    client_ttl: float
    extension_ttl: float
    extension_cache: bool
    stale_if_error: float

    @classmethod
    def from_environment(cls, environment: dict[str, str]) -> ReadSettings:
        """The settings a function's environment variables give (each unset one: its default)."""
        backend = "sdk" if str(environment.get("SECRETS_CLIENT_BACKEND", "")).lower() == "sdk" else "extension"
        declared = _seconds(environment, "SECRETS_MANAGER_TTL")
        extension_ttl = min(DEFAULT_TTL if declared is None else declared, EXTENSION_TTL_LIMIT)
        client_ttl = _seconds(environment, "SECRETS_CLIENT_TTL", "SECRETS_MANAGER_TTL")
        cache = str(environment.get("PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED", "TRUE")).upper() != "FALSE"
        cache = cache and str(environment.get("PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE", "1000")) != "0"
        stale = _seconds(environment, "SECRETS_CLIENT_STALE_IF_ERROR")
        return cls(
            backend=backend,
            client_ttl=float(DEFAULT_TTL) if client_ttl is None else client_ttl,
            extension_ttl=float(extension_ttl),
            extension_cache=cache,
            stale_if_error=STALE_IF_ERROR if stale is None else stale,
        )

    def describe(self) -> str:
        """The settings in a few words (the figure's basis)."""
        if self.backend == "sdk":
            return f"client TTL {self.client_ttl:.0f} s, read through the SDK"
        cache = f"extension TTL {self.extension_ttl:.0f} s" if self.extension_cache else "extension cache off"
        return f"client TTL {self.client_ttl:.0f} s, {cache}"


@dataclass(frozen=True)
class Budget:
    """How long one function may serve one rotated secret's previous value (seconds)."""

    function: str  # the function's name
    address: str  # its resource address in the plan
    app: str
    secret: str  # the secret's full name
    strategy: str
    on_demand: float  # after make rotate, an on-demand rotation or a value put by hand (the worst case)
    scheduled: float  # after a scheduled rotation (the client knows the secret rotates)
    stale_if_error: float  # added while refreshes fail transiently
    basis: str

    def sentence(self) -> str:
        """One line for the review."""
        return (
            f"staleness budget of {self.secret} in {self.function}: up to {self.on_demand:.0f} s after make rotate or a "
            f"new value, {self.scheduled:.0f} s after a scheduled rotation (+{self.stale_if_error:.0f} s while refreshes "
            f"fail); {self.basis} (docs/rotation.md)"
        )


def budget(function: str, address: str, manifest: dict[str, Any], key: str, settings: ReadSettings) -> Budget:
    """The budget of the manifest's rotated secret `key` read by a function with `settings`."""
    args = (settings.client_ttl, settings.extension_ttl)
    options = {"backend": settings.backend, "extension_cache": settings.extension_cache}
    return Budget(
        function=function,
        address=address,
        app=str(manifest.get("app", "")),
        secret=f"{manifest['prefix']}/{key}",
        strategy=str((manifest["rotation"][key] or {}).get("strategy", "")),
        on_demand=worst_case_staleness(*args, change="any", **options),
        scheduled=worst_case_staleness(*args, change="scheduled", **options),
        stale_if_error=settings.stale_if_error,
        basis=settings.describe(),
    )


# --- over a plan ----------------------------------------------------------------------------------


def _values(rc: dict[str, Any], side: str) -> dict[str, Any] | None:
    values = rc["change"].get(side)
    return values if isinstance(values, dict) else None


def _environment(values: dict[str, Any]) -> dict[str, str]:
    blocks = values.get("environment") or []
    variables = (blocks[0] or {}).get("variables") if blocks else None
    return {str(k): str(v) for k, v in (variables or {}).items() if v is not None}


def _manifest(values: dict[str, Any]) -> dict[str, Any] | None:
    for attribute in ("insecure_value", "value"):
        text = values.get(attribute)
        if isinstance(text, str):
            try:
                decoded = json.loads(text)
            except ValueError:
                return None
            if isinstance(decoded, dict) and isinstance(decoded.get("prefix"), str) and isinstance(decoded.get("rotation"), dict):
                return decoded
    return None


def budgets(plan: dict[str, Any], side: str = "after") -> dict[tuple[str, str], Budget]:
    """(function name, secret name) -> Budget, from the plan's `side` ("before" or "after") values."""
    manifests: dict[str, dict[str, Any]] = {}
    readers: list[tuple[str, str, dict[str, str]]] = []
    for rc in managed_changes(plan):
        values = _values(rc, side)
        if values is None:
            continue
        if rc["type"] == "aws_ssm_parameter" and isinstance(values.get("name"), str):
            manifest = _manifest(values)
            if manifest is not None:
                manifests[values["name"]] = manifest
        elif rc["type"] == "aws_lambda_function" and values.get("handler") != "rotation.handler":
            environment = _environment(values)
            if "SECRETS_CLIENT_MANIFEST" in environment:
                readers.append((str(values.get("function_name") or rc["address"]), rc["address"], environment))
    found = {}
    for function, address, environment in readers:
        manifest = manifests.get(environment["SECRETS_CLIENT_MANIFEST"])
        if manifest is None:
            continue
        settings = ReadSettings.from_environment(environment)
        for key in sorted(manifest["rotation"]):
            item = budget(function, address, manifest, key, settings)
            found[(function, item.secret)] = item
    return found


def notes(plan: dict[str, Any]) -> list[str]:
    """One note per (function, rotated secret): its staleness budget after the change."""
    after = budgets(plan, "after")
    return [after[key].sentence() for key in sorted(after)]


def rises(plan: dict[str, Any]) -> list[tuple[Budget, Budget]]:
    """(before, after) for each budget the change raises (the rule ROT001 reports them)."""
    before, after = budgets(plan, "before"), budgets(plan, "after")
    return [
        (before[key], after[key])
        for key in sorted(after)
        if key in before and (after[key].on_demand > before[key].on_demand or after[key].scheduled > before[key].scheduled)
    ]
