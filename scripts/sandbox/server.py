"""Start, stop and check the local AWS sandbox: moto behind its front (scripts/sandbox/front.py) on 127.0.0.1.

    python -m scripts.sandbox.server up|down|status|endpoint     (port: SANDBOX_PORT)

State lives in .sandbox/ (mode 0700): moto.pid (the server's pid, start time and port),
credentials.json (the checkout's key pair, mode 0600, new at every start) and moto.log.
`up` is a no-op when this checkout's sandbox already answers on the same port. moto keeps
everything in memory, so `down` forgets all resources (the sandbox's Terraform state is
then stale: the next plan re-creates them, which is what `make deploy` does).

The sandbox answers only its owner, and its owner talks only to its own sandbox:
- before anything is sent, `require_up` (every command's way to the endpoint) checks that
  the process listening on the port is the one this checkout started: the pid file's pid,
  with the same start time (/proc/<pid>/stat) and command line, holds the listening socket
  (/proc/net/tcp, /proc/<pid>/fd). Otherwise it refuses, naming the holder, and sends nothing;
- every request is signed with the checkout's credentials (`client`, `credentials_env`,
  `session_credentials`), and the front refuses any other.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scripts.common import ROOT, SANDBOX_DIR, UserError, run_main, say
from scripts.sandbox import credentials

DEFAULT_PORT = 4599
HOST = "127.0.0.1"
PID_FILE = SANDBOX_DIR / "moto.pid"
LOG_FILE = SANDBOX_DIR / "moto.log"
CREDENTIALS_FILE = SANDBOX_DIR / "credentials.json"
START_TIMEOUT = 30.0
FRONT_MODULE = "scripts.sandbox.front"
HEALTH_PATH = "/_sandbox/health"  # scripts/sandbox/front.py answers it unsigned, with its pid
# What a client signs with when the endpoint is not this checkout's sandbox (a test's plain
# moto server, which accepts any signature): never the checkout's own credentials.
PLACEHOLDER = credentials.Keys("sandbox", "sandbox")


def _shown(path: Path) -> str:
    """A path as people read it: relative to the checkout when inside it."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def endpoint(port: int) -> str:
    """The sandbox's URL."""
    return f"http://{HOST}:{port}"


def keys_for(url: str) -> credentials.Keys:
    """The credentials to sign requests to `url` with: this checkout's key pair when `url` is this
    checkout's running sandbox, else PLACEHOLDER (a plain moto server's, e.g. a test's)."""
    record = _record()
    if record is None or not _ours(record) or urlsplit(url).port != record.get("port"):
        return PLACEHOLDER
    keys = credentials.load(CREDENTIALS_FILE)
    if keys is None:
        raise UserError(
            f"the sandbox runs but {_shown(CREDENTIALS_FILE)} is missing or unreadable, so nothing can sign "
            "requests to it; restart it: make sandbox-down, then make deploy"
        )
    return keys


def client(url: str, service: str, region: str) -> Any:
    """A boto3 client for `service` in the sandbox at `url` (the one place such a client is made)."""
    import boto3

    keys = keys_for(url)
    return boto3.client(
        service,
        region_name=region,
        endpoint_url=url,
        aws_access_key_id=keys.access_key_id,
        aws_secret_access_key=keys.secret_access_key,
    )


def credentials_env(url: str) -> dict[str, str]:
    """Terraform's credentials for the sandbox at `url`, as process environment (so they never reach
    a provider block, a plan or the state). AWS_SESSION_TOKEN is emptied (the SDK reads empty as
    unset): a session token of yours for AWS must not be sent along. These variables come before
    any profile in the SDK's credential chain, so AWS_PROFILE does not matter."""
    keys = keys_for(url)
    return {"AWS_ACCESS_KEY_ID": keys.access_key_id, "AWS_SECRET_ACCESS_KEY": keys.secret_access_key, "AWS_SESSION_TOKEN": ""}


def session_credentials(url: str, role_arn: str, session_name: str) -> dict[str, str]:
    """Session credentials for a function's role (its execution environment's AWS_* variables):
    minted from this checkout's key pair for its sandbox, so the front knows the role session;
    random ones for a plain moto server."""
    keys = keys_for(url)
    if keys is PLACEHOLDER:
        keys = credentials.new_keys()
    return credentials.mint_session(keys, role_arn, session_name).environment()


def configured_port() -> int:
    """SANDBOX_PORT from the environment, else the default; validated."""
    raw = os.environ.get("SANDBOX_PORT", str(DEFAULT_PORT))
    if not raw.isdigit() or not 1024 <= int(raw) <= 65535:
        raise UserError(f"SANDBOX_PORT={raw} is not a port number from 1024 to 65535; e.g. SANDBOX_PORT={DEFAULT_PORT}")
    return int(raw)


def healthy(port: int, timeout: float = 1.0, pid: int | None = None) -> bool:
    """True if the sandbox's front answers on the port (and, given `pid`, is that process).
    Sends one unsigned GET of the health path, nothing else."""
    try:
        with urllib.request.urlopen(f"{endpoint(port)}{HEALTH_PATH}", timeout=timeout) as response:
            answer = json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError):
        return False
    return isinstance(answer, dict) and "front" in answer and (pid is None or answer.get("pid") == pid)


def port_in_use(port: int) -> bool:
    """True if something listens on the port."""
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((HOST, port)) == 0


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (/proc/<pid>/stat field 22), or None."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def _command_line(pid: int) -> str:
    """The process's command line on one line (arguments that hold newlines included), or ''."""
    try:
        return " ".join(Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").replace("\0", " ").split())
    except OSError:
        return ""


def _ours(record: dict[str, Any]) -> bool:
    """True if the recorded process is still the server we started (same pid, start time and command)."""
    pid = record.get("pid")
    return (
        isinstance(pid, int)
        and _start_time(pid) == record.get("start_time")
        and FRONT_MODULE in _command_line(pid)
        and f"--port {record.get('port')} " in _command_line(pid) + " "
    )


def _legacy(record: dict[str, Any]) -> bool:
    """True if the recorded process is a plain `moto_server` an earlier version of this kit started
    (no front, no authentication): `down` stops it; nothing else uses it."""
    pid = record.get("pid")
    line = _command_line(pid) if isinstance(pid, int) else ""
    return (
        isinstance(pid, int)
        and _start_time(pid) == record.get("start_time")
        and "moto_server" in line
        and f"-p {record.get('port')}" in line
    )


def _listening_inodes(port: int) -> set[str]:
    """The socket inodes listening on 127.0.0.1:port (or every address), from /proc/net/tcp{,6}."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                inodes.add(fields[9])
    return inodes


def _holds_port(pid: int, port: int) -> bool:
    """True if process `pid` holds every socket listening on the port (and there is one)."""
    inodes = _listening_inodes(port)
    if not inodes:
        return False
    held = set()
    try:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                held.add(os.readlink(fd).removeprefix("socket:[").rstrip("]"))
            except OSError:
                continue
    except OSError:
        return False
    return inodes <= held


def _record() -> dict[str, Any] | None:
    """The pid file's record, or None (missing, or not a record this version wrote: treated as stale)."""
    try:
        record = json.loads(PID_FILE.read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else {"pid": None}


def read_pid() -> int | None:
    """The pid of the moto server we started, if it still runs (a reused pid is not ours)."""
    record = _record()
    return record["pid"] if record and _ours(record) else None


def running_port() -> int | None:
    """The port of the sandbox we started, if it is still alive."""
    record = _record()
    return record["port"] if record and _ours(record) else None


def listener(port: int) -> str:
    """Who listens on 127.0.0.1:port: 'pid N (command)', else 'owned by user NAME' (another user's
    process, whose descriptors cannot be read), or '' when it cannot be told."""
    inodes = _listening_inodes(port)
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        try:
            for fd in fd_dir.iterdir():
                if os.readlink(fd).removeprefix("socket:[").rstrip("]") in inodes:
                    pid = int(fd_dir.parent.name)
                    return f"pid {pid} ({_command_line(pid)[:80]})"
        except OSError:
            continue
    uids = {row.split()[7] for table in ("/proc/net/tcp", "/proc/net/tcp6") for row in _rows(table) if row.split()[9] in inodes}
    if not uids:
        return ""
    import pwd

    names = []
    for uid in sorted(uids):
        try:
            names.append(pwd.getpwuid(int(uid)).pw_name)
        except (KeyError, ValueError):
            names.append(f"uid {uid}")
    return f"owned by user {', '.join(names)}"


def _rows(table: str) -> list[str]:
    try:
        return Path(table).read_text().splitlines()[1:]
    except OSError:
        return []


@contextmanager
def _starting() -> Iterator[None]:
    """One `up` at a time per checkout (also outside make, whose lock covers its own commands)."""
    SANDBOX_DIR.mkdir(exist_ok=True)
    with (SANDBOX_DIR / "moto.start.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _not_ours_message(port: int, record: dict[str, Any] | None) -> str | None:
    """Why the process on the port is not usable as this checkout's sandbox (None: nothing listens)."""
    if record is not None and _legacy(record) and record.get("port") == port:
        return (
            f"port {port} is held by a sandbox an older version of this kit started (pid {record['pid']}, moto_server "
            "without authentication); stop it with: make sandbox-down"
        )
    if not port_in_use(port):
        return None
    holder = listener(port)
    return (
        f"port {port} is taken by another program{f' ({holder})' if holder else ''}, not by this checkout's sandbox; "
        "nothing was sent to it. Stop that program, or pick a free port: make deploy SANDBOX_PORT=<port>"
    )


def up(port: int) -> str:
    """Start the sandbox (or find this checkout's running); return its endpoint."""
    with _starting():
        record = _record()
        if record is not None and _ours(record):
            current = record["port"]
            if current != port:
                raise UserError(
                    f"the sandbox already runs on port {current}, not {port}; "
                    f"use SANDBOX_PORT={current}, or run make sandbox-down first"
                )
            if _holds_port(record["pid"], port) and healthy(port, pid=record["pid"]):
                say(f"sandbox already up at {endpoint(port)}")
                return endpoint(port)
        problem = _not_ours_message(port, record)
        if problem:
            raise UserError(problem)
        return _start(port)


def _start(port: int) -> str:
    """Start the front (moto inside) on the port with fresh credentials; wait until it answers."""
    import importlib.util

    if importlib.util.find_spec("moto") is None or importlib.util.find_spec("werkzeug") is None:
        raise UserError("moto is not installed in this Python's environment; run: make setup")
    credentials.create(CREDENTIALS_FILE)  # also makes .sandbox/ private (0700)
    # None of your AWS settings: moto makes boto3 sessions inside, and a profile it cannot find
    # (AWS_PROFILE) fails every request with a 500.
    env = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
    with LOG_FILE.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", FRONT_MODULE, "--port", str(port), "--credentials", str(CREDENTIALS_FILE)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # survives the make process that started it
        )  # close_fds (the default): it inherits no descriptor, so never the checkout's lock
    PID_FILE.write_text(json.dumps({"pid": process.pid, "start_time": _start_time(process.pid), "port": port}))
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            PID_FILE.unlink(missing_ok=True)
            raise UserError(f"the sandbox server exited at start (status {process.returncode}); see {LOG_FILE}")
        if healthy(port, pid=process.pid) and _holds_port(process.pid, port):
            say(
                f"sandbox up at {endpoint(port)} (pid {process.pid}, log {_shown(LOG_FILE)}; "
                f"answers only requests signed with {_shown(CREDENTIALS_FILE)})"
            )
            return endpoint(port)
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    PID_FILE.unlink(missing_ok=True)
    raise UserError(f"the sandbox server did not answer within {START_TIMEOUT:.0f}s; see {LOG_FILE}")


def down() -> None:
    """Stop the server this sandbox started, and nothing else."""
    record = _record()
    if record is None:
        say("sandbox is not running")
    elif not _ours(record) and not _legacy(record):
        now = _command_line(record.get("pid", 0)) if isinstance(record.get("pid"), int) else ""
        detail = f"pid {record.get('pid')} is now: {now[:80]}" if now else f"pid {record.get('pid')} has exited"
        say(f"sandbox is not running: its pid file was stale ({detail}); removed it, stopped nothing")
    else:
        pid = record["pid"]
        os.killpg(pid, signal.SIGTERM)  # its own session (start_new_session): the server and its children
        for _ in range(50):
            if not _ours(record) and not _legacy(record):
                break
            time.sleep(0.1)
        else:
            os.killpg(pid, signal.SIGKILL)
        say(f"sandbox stopped (pid {pid}); its resources are gone")
    PID_FILE.unlink(missing_ok=True)
    CREDENTIALS_FILE.unlink(missing_ok=True)


def require_up() -> str:
    """This checkout's running sandbox's endpoint, checked to be the process this checkout started
    before anything is sent; else a UserError naming what holds the port, or how to start it."""
    record = _record()
    if record is not None and _ours(record):
        port = record["port"]
        if _holds_port(record["pid"], port) and healthy(port, pid=record["pid"]):
            return endpoint(port)
        raise UserError(
            f"this checkout's sandbox (pid {record['pid']}) no longer answers on port {port}; "
            "restart it: make sandbox-down, then make deploy"
        )
    port = configured_port()
    problem = _not_ours_message(port, record)
    if problem:
        raise UserError(problem)
    raise UserError(f"the sandbox is not running at {endpoint(port)}; start it with: make sandbox-up")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["up", "down", "status", "endpoint"])
    args = parser.parse_args()
    if args.command == "up":
        up(configured_port())
    elif args.command == "down":
        down()
    elif args.command == "endpoint":
        print(require_up())
    else:
        record = _record()
        if record is not None and _ours(record) and _holds_port(record["pid"], record["port"]) and healthy(record["port"]):
            print(f"sandbox: up at {endpoint(record['port'])} (pid {record['pid']}, log {LOG_FILE})")
            return 0
        port = configured_port()
        problem = _not_ours_message(port, record)
        print(f"sandbox: down ({problem})" if problem else "sandbox: down (start it with: make sandbox-up)")
        return 1
    return 0


if __name__ == "__main__":
    run_main(main)
