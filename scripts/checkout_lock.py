"""One command at a time per checkout: run `make GOALS` holding the checkout's lock.

    python3 -m scripts.checkout_lock      (the Makefile runs it; goals and make from the environment)

The Makefile re-runs a top-level `make` whose goals change the sandbox, the Terraform
state, build/ or the saved plans through this module. It takes an exclusive `flock` on
.sandbox/lock-<SANDBOX_PORT>, writes who holds it (pid and command) into the file, and
replaces itself with `make GOALS` (same pid), the locked descriptor left open: make and
every recipe it runs (setup, package and the command are separate processes) inherit it,
so the one lock lasts until the last of them exits, even if make itself is killed first.
Python's subprocesses close inherited descriptors by default, so the sandbox server, which
outlives the command, never holds it.

A second command in the same checkout (and with the same SANDBOX_PORT; test workers with
sandboxes of their own do not wait for each other) says "waiting for make deploy (pid N)
in this checkout" and waits; with NO_WAIT=1 it stops at once, naming the holder (exit 2).
The sub-make gets SANDBOX_LOCK=<lock file>, which tells the Makefile not to lock again.
Standard library only: it runs before `make setup` has made the virtual environment.
"""

from __future__ import annotations

import fcntl
import json
import os
import shlex
import sys
from pathlib import Path

from scripts.common import SANDBOX_DIR, UserError, run_main, say


def lock_file(port: str) -> Path:
    """The checkout's lock for one SANDBOX_PORT (the Makefile compares SANDBOX_LOCK with this path)."""
    if not port.isdigit():
        raise UserError(f"SANDBOX_PORT={port} is not a port number from 1024 to 65535; e.g. SANDBOX_PORT=4599")
    return SANDBOX_DIR / f"lock-{port}"


def holder(descriptor: int) -> str:
    """Who holds the lock, as written in the file: 'make deploy (pid N)', or a plain phrase."""
    try:
        record = json.loads(os.pread(descriptor, 4096, 0) or b"{}")
        return f"{record['command']} (pid {int(record['pid'])})"
    except (OSError, ValueError, KeyError, TypeError):
        return "another command"


def acquire(path: Path, command: str, wait: bool) -> int:
    """The locked descriptor of `path`, its holder record now naming this process and `command`.

    Busy: say whom it waits for and wait, or (wait False) raise a UserError naming the holder.
    """
    path.parent.mkdir(exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        busy = holder(descriptor)
        if not wait:
            os.close(descriptor)
            raise UserError(f"{busy} is running in this checkout (NO_WAIT=1: not waiting); retry when it has finished") from None
        say(f"waiting for {busy} in this checkout (NO_WAIT=1 stops instead of waiting)")
        fcntl.flock(descriptor, fcntl.LOCK_EX)
    os.ftruncate(descriptor, 0)
    os.pwrite(descriptor, json.dumps({"pid": os.getpid(), "command": command}).encode(), 0)
    return descriptor


def main() -> int:
    make = os.environ.get("SANDBOX_LOCK_MAKE") or "make"
    goals = os.environ.get("SANDBOX_LOCK_GOALS", "").split()
    if not goals:
        raise UserError("scripts.checkout_lock runs from the Makefile only (SANDBOX_LOCK_GOALS is empty)")
    path = lock_file(os.environ.get("SANDBOX_PORT", "4599"))
    argv = [make, "--no-print-directory", *goals]
    if os.environ.get("SANDBOX_LOCK") == str(path):  # already inside a make holding it: never wait for ourselves
        os.execvp(make, argv)
    descriptor = acquire(path, shlex.join(["make", *goals]), wait=os.environ.get("NO_WAIT", "") in ("", "0"))
    os.set_inheritable(descriptor, True)
    env = {**os.environ, "SANDBOX_LOCK": str(path)}
    for name in ("SANDBOX_LOCK_MAKE", "SANDBOX_LOCK_GOALS"):
        env.pop(name, None)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execvpe(make, argv, env)  # same pid: the holder record names the make that runs


if __name__ == "__main__":
    run_main(main)
