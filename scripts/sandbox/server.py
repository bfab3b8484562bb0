"""Start, stop and check the local AWS sandbox: a real `moto_server` on 127.0.0.1.

    python -m scripts.sandbox.server up|down|status [--port N]

State lives in .sandbox/: moto.pid, moto.port, moto.log. `up` is a no-op when the
sandbox already answers on the same port. moto keeps everything in memory, so `down`
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
PORT_FILE = SANDBOX_DIR / "moto.port"
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


def read_pid() -> int | None:
    """The pid in the pid file if that process is alive."""
    try:
        pid = int(PID_FILE.read_text())
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return None


def running_port() -> int | None:
    """The port of the sandbox we started, if it is still alive."""
    if read_pid() is None:
        return None
    try:
        return int(PORT_FILE.read_text())
    except (OSError, ValueError):
        return None


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
        raise UserError(
            f"port {port} is taken by another program; pick a free one: make deploy SANDBOX_PORT=<port> "
            f"(or stop what listens there: ss -ltnp 'sport = :{port}')"
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
    PID_FILE.write_text(str(process.pid))
    PORT_FILE.write_text(str(port))
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
    """Stop the sandbox if we started it."""
    pid = read_pid()
    if pid is None:
        say("sandbox is not running")
    else:
        os.killpg(pid, signal.SIGTERM)
        for _ in range(50):
            if read_pid() is None:
                break
            time.sleep(0.1)
        else:
            os.killpg(pid, signal.SIGKILL)
        say(f"sandbox stopped (pid {pid}); its resources are gone")
    PID_FILE.unlink(missing_ok=True)
    PORT_FILE.unlink(missing_ok=True)


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
