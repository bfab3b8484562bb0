"""Start, stop and check the local AWS sandbox: a real `moto_server` on 127.0.0.1.

    python -m scripts.sandbox.server up|down|status|endpoint     (port: SANDBOX_PORT)

State lives in .sandbox/: moto.pid (the server's pid, start time and port: `down` signals
only a process that is still that server) and moto.log. `up` is a no-op when the sandbox
already answers on the same port. moto keeps everything in memory, so `down`
forgets all resources (the sandbox's Terraform state is then stale: the next plan
re-creates them, which is what `make deploy` does).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from scripts.common import SANDBOX_DIR, UserError, run_main, say

DEFAULT_PORT = 4599
HOST = "127.0.0.1"
PID_FILE = SANDBOX_DIR / "moto.pid"
LOG_FILE = SANDBOX_DIR / "moto.log"
START_TIMEOUT = 30.0


def endpoint(port: int) -> str:
    """The sandbox's URL."""
    return f"http://{HOST}:{port}"


def client(url: str, service: str, region: str) -> Any:
    """A boto3 client for `service` in the sandbox at `url` (the one place such a client is made)."""
    import boto3

    return boto3.client(
        service, region_name=region, endpoint_url=url, aws_access_key_id="sandbox", aws_secret_access_key="sandbox"
    )


def configured_port() -> int:
    """SANDBOX_PORT from the environment, else the default; validated."""
    raw = os.environ.get("SANDBOX_PORT", str(DEFAULT_PORT))
    if not raw.isdigit() or not 1024 <= int(raw) <= 65535:
        raise UserError(f"SANDBOX_PORT={raw} is not a port number from 1024 to 65535; e.g. SANDBOX_PORT={DEFAULT_PORT}")
    return int(raw)


def healthy(port: int, timeout: float = 1.0) -> bool:
    """True if a moto server answers on the port (its config endpoint returns JSON)."""
    try:
        with urllib.request.urlopen(f"{endpoint(port)}/moto-api/config", timeout=timeout) as response:
            return "lambda" in json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError):
        return False


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
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def _ours(record: dict[str, Any]) -> bool:
    """True if the recorded process is still the moto server we started (same pid, start time and command)."""
    pid = record.get("pid")
    return (
        isinstance(pid, int)
        and _start_time(pid) == record.get("start_time")
        and "moto_server" in _command_line(pid)
        and f"-p {record.get('port')}" in _command_line(pid)
    )


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
    """Who listens on 127.0.0.1:port: 'pid N (command)', or '' when it cannot be told (another user's)."""
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
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        try:
            for fd in fd_dir.iterdir():
                if os.readlink(fd).removeprefix("socket:[").rstrip("]") in inodes:
                    pid = int(fd_dir.parent.name)
                    return f"pid {pid} ({_command_line(pid)[:80]})"
        except OSError:
            continue
    return ""


def configure(port: int) -> None:
    """Settings the sandbox needs: Lambda without Docker (the local runner runs code)."""
    request = urllib.request.Request(
        f"{endpoint(port)}/moto-api/config",
        data=json.dumps({"lambda": {"use_docker": False}}).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5):
        pass


def up(port: int) -> str:
    """Start the sandbox (or find it running); return its endpoint."""
    current = running_port()
    if current is not None:
        if current != port:
            raise UserError(
                f"the sandbox already runs on port {current}, not {port}; "
                f"use SANDBOX_PORT={current}, or run make sandbox-down first"
            )
        if healthy(port):
            say(f"sandbox already up at {endpoint(port)}")
            return endpoint(port)
    if port_in_use(port):
        holder = listener(port)
        raise UserError(
            f"port {port} is taken by another program{f' ({holder})' if holder else ''}; "
            f"pick a free one: make deploy SANDBOX_PORT=<port>"
        )
    server = shutil.which("moto_server", path=str(Path(sys.executable).parent))
    if server is None:
        raise UserError("moto_server is not installed in the virtual environment; run: make setup")
    SANDBOX_DIR.mkdir(exist_ok=True)
    with LOG_FILE.open("ab") as log:
        process = subprocess.Popen(
            [server, "-H", HOST, "-p", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # survives the make process that started it
        )
    PID_FILE.write_text(json.dumps({"pid": process.pid, "start_time": _start_time(process.pid), "port": port}))
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise UserError(f"moto_server exited at start (status {process.returncode}); see {LOG_FILE}")
        if healthy(port):
            configure(port)
            say(f"sandbox up at {endpoint(port)} (pid {process.pid}, log {LOG_FILE.relative_to(SANDBOX_DIR.parent)})")
            return endpoint(port)
        time.sleep(0.2)
    process.kill()
    raise UserError(f"moto_server did not answer within {START_TIMEOUT:.0f}s; see {LOG_FILE}")


def down() -> None:
    """Stop the moto server this sandbox started, and nothing else."""
    record = _record()
    if record is None:
        say("sandbox is not running")
    elif not _ours(record):
        now = _command_line(record.get("pid", 0)) if isinstance(record.get("pid"), int) else ""
        detail = f"pid {record.get('pid')} is now: {now[:80]}" if now else f"pid {record.get('pid')} has exited"
        say(f"sandbox is not running: its pid file was stale ({detail}); removed it, stopped nothing")
    else:
        pid = record["pid"]
        os.killpg(pid, signal.SIGTERM)  # its own session (start_new_session): the server and its children
        for _ in range(50):
            if not _ours(record):
                break
            time.sleep(0.1)
        else:
            os.killpg(pid, signal.SIGKILL)
        say(f"sandbox stopped (pid {pid}); its resources are gone")
    PID_FILE.unlink(missing_ok=True)


def require_up() -> str:
    """The running sandbox's endpoint, or a UserError that says how to start it."""
    port = running_port() or configured_port()
    if not healthy(port):
        raise UserError(f"the sandbox is not running at {endpoint(port)}; start it with: make sandbox-up")
    return endpoint(port)


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
        port = running_port()
        if port is not None and healthy(port):
            print(f"sandbox: up at {endpoint(port)} (pid {read_pid()}, log {LOG_FILE})")
            return 0
        print("sandbox: down (start it with: make sandbox-up)")
        return 1
    return 0


if __name__ == "__main__":
    run_main(main)
