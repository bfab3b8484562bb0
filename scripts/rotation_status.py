"""A rotation's state, read from the secret's staging labels; RotateSecret on AWS: start, wait, report.

RotateSecret only starts a rotation: Secrets Manager creates the new version (its id is the
token, the version is empty and labelled AWSPENDING), returns, and then invokes the rotation
function for the four steps, retrying failed ones by itself. So the outcome is read from the
labels, never from RotateSecret's answer:
  rotated    the token's version is AWSCURRENT;
  pending    the token's version is still AWSPENDING (running, being retried, or stuck);
  abandoned  the token's version has neither label any more (cleared, or cancelled).
A version left AWSPENDING (and not AWSCURRENT) makes every later RotateSecret fail until it is
cleared; clear_command() gives the command. Only version ids and labels are read, never values.
The sandbox plays RotateSecret with scripts/sandbox/rotate_secret.py and shares these helpers.
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scripts.common import UserError, say

CURRENT, PENDING = "AWSCURRENT", "AWSPENDING"
WAIT_TIMEOUT = 300.0  # seconds; Secrets Manager's own retries of a failed step can take longer
POLL_INTERVAL = 5.0
REPORT_EVERY = 30.0


@dataclass(frozen=True)
class Outcome:
    """Where one rotation stands."""

    secret_id: str
    token: str
    state: str  # "rotated", "pending" or "abandoned"
    seconds: float = 0.0
    clear: str = ""  # the command that clears the token's AWSPENDING, when it is pending

    def message(self) -> str:
        """One line for people."""
        if self.state == "rotated":
            return f"{self.secret_id}: rotated, AWSCURRENT is now version {self.token} (the old one is AWSPREVIOUS)"
        if self.state == "abandoned":
            return f"{self.secret_id}: version {self.token} is neither AWSPENDING nor AWSCURRENT: the rotation was abandoned"
        return (
            f"{self.secret_id}: version {self.token} is still AWSPENDING after {self.seconds:.0f} s; Secrets Manager "
            f"retries failed steps by itself (see the rotation function's log). If it never finishes: {self.clear}"
        )


def current_version(versions: dict[str, list[str]]) -> str | None:
    """The version labelled AWSCURRENT, if any."""
    return next((v for v, stages in versions.items() if CURRENT in stages), None)


def stuck_pending(versions: dict[str, list[str]]) -> str | None:
    """The version labelled AWSPENDING but not AWSCURRENT: a rotation in progress or left unfinished."""
    return next((v for v, stages in versions.items() if PENDING in stages and CURRENT not in stages), None)


def clear_command(secret_id: str, version_id: str, region: str | None = None) -> str:
    """The AWS CLI command that takes AWSPENDING off `version_id` (the fix for a stuck rotation)."""
    argv = ["aws", "secretsmanager", "update-secret-version-stage", "--secret-id", secret_id]
    argv += ["--version-stage", PENDING, "--remove-from-version-id", version_id]
    return shlex.join(argv + (["--region", region] if region else []))


def describe_command(secret_id: str, region: str | None = None) -> str:
    """The AWS CLI command that shows a secret's versions and their labels."""
    argv = ["aws", "secretsmanager", "describe-secret", "--secret-id", secret_id, "--query", "VersionIdsToStages"]
    return shlex.join(argv + (["--region", region] if region else []))


def started_message(secret_id: str, token: str, region: str | None = None) -> str:
    """One line for a rotation started and not waited for (--no-wait)."""
    return (
        f"{secret_id}: rotation started, version {token} is AWSPENDING; Secrets Manager finishes it by itself "
        f"(AWSCURRENT moves to {token}); see the labels: {describe_command(secret_id, region)}"
    )


def versions_of(client: Any, secret_id: str) -> dict[str, list[str]]:
    """Version id -> staging labels (DescribeSecret: versions without labels are left out on AWS)."""
    return client.describe_secret(SecretId=secret_id).get("VersionIdsToStages", {})


def refuse_if_pending(versions: dict[str, list[str]], secret_id: str, region: str | None = None) -> None:
    """Raise the one-line refusal RotateSecret gives while another version is AWSPENDING."""
    stuck = stuck_pending(versions)
    if stuck:
        raise UserError(
            f"{secret_id}: RotateSecret refused: version {stuck} is still AWSPENDING from an earlier rotation "
            f"(running, or failed and left); if no rotation is running, clear it: {clear_command(secret_id, stuck, region)}"
        )


def state_of(versions: dict[str, list[str]], token: str) -> str:
    """rotated, pending or abandoned (module docstring)."""
    stages = versions.get(token, [])
    if CURRENT in stages:
        return "rotated"
    return "pending" if PENDING in stages else "abandoned"


def check(client: Any, secret_id: str, token: str, region: str | None = None, seconds: float = 0.0) -> Outcome:
    """The rotation's outcome now (what --no-wait reports)."""
    state = state_of(versions_of(client, secret_id), token)
    clear = clear_command(secret_id, token, region) if state == "pending" else ""
    return Outcome(secret_id, token, state, seconds, clear)


def start(client: Any, secret_id: str, region: str | None = None) -> str:
    """RotateSecret on AWS with the configuration Terraform set; return the token (the new version's id)."""
    from botocore.exceptions import ClientError

    refuse_if_pending(versions_of(client, secret_id), secret_id, region)
    try:
        return client.rotate_secret(SecretId=secret_id)["VersionId"]
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise UserError(
            f"{secret_id}: RotateSecret failed ({error.get('Code')}: {error.get('Message')}); a rotation needs the "
            "secret's rotation (rotation = { strategy = ... } in the tfvars) applied (make deploy) and no version left AWSPENDING"
        ) from None


def wait(
    client: Any,
    secret_id: str,
    token: str,
    *,
    region: str | None = None,
    timeout: float = WAIT_TIMEOUT,
    interval: float = POLL_INTERVAL,
    report: Callable[[str], None] = say,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Outcome:
    """Poll DescribeSecret until the token's version is AWSCURRENT or abandoned, or `timeout` passes.

    Reports a line when the state changes and every REPORT_EVERY seconds while it does not.
    """
    started = clock()
    last_state, last_report = "", started
    while True:
        elapsed = clock() - started
        outcome = check(client, secret_id, token, region, elapsed)
        if outcome.state != "pending" or elapsed >= timeout:
            return outcome
        if outcome.state != last_state or clock() - last_report >= REPORT_EVERY:
            report(f"  {secret_id}: version {token} AWSPENDING, rotating ({elapsed:.0f} s of at most {timeout:.0f} s)")
            last_state, last_report = outcome.state, clock()
        sleep(min(interval, max(0.0, timeout - elapsed)))
