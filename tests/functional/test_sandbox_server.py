"""scripts/sandbox/server.py: the moto server's lifecycle, with its files in a temp dir."""

from __future__ import annotations

import json
import socket
import subprocess
from pathlib import Path

import pytest

from scripts.common import UserError
from scripts.sandbox import server
from tests.conftest import free_port


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(server, "SANDBOX_DIR", tmp_path)
    monkeypatch.setattr(server, "PID_FILE", tmp_path / "moto.pid")
    monkeypatch.setattr(server, "LOG_FILE", tmp_path / "moto.log")
    return tmp_path


def test_up_status_up_again_down(files: Path) -> None:
    """up starts a healthy server with Lambda set to run no Docker; a second up is a no-op; down stops it."""
    port = free_port()
    try:
        assert server.up(port) == f"http://127.0.0.1:{port}"
        pid = server.read_pid()
        assert pid and server.healthy(port) and server.running_port() == port
        assert server.up(port) == f"http://127.0.0.1:{port}" and server.read_pid() == pid
        with pytest.raises(UserError, match=f"already runs on port {port}"):
            server.up(free_port())
    finally:
        server.down()
    assert server.read_pid() is None and not server.healthy(port)


def test_taken_port_is_a_clear_error(files: Path) -> None:
    """A port another program listens on: one line naming the port and how to pick another."""
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        with pytest.raises(UserError, match=f"port {port} is taken.*SANDBOX_PORT="):
            server.up(port)
    assert not (files / "moto.pid").exists()


def test_require_up_says_how_to_start(files: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With nothing running, callers get the command that starts the sandbox."""
    monkeypatch.setenv("SANDBOX_PORT", str(free_port()))
    with pytest.raises(UserError, match="make sandbox-up"):
        server.require_up()


def test_bad_port_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    """SANDBOX_PORT must be a usable port number."""
    monkeypatch.setenv("SANDBOX_PORT", "80x")
    with pytest.raises(UserError, match="SANDBOX_PORT=80x"):
        server.configured_port()


def test_down_never_signals_a_process_that_is_not_our_server(files: Path) -> None:
    """A stale pid file naming a live, unrelated process: down says so, and the process lives on."""
    other = subprocess.Popen(["sleep", "60"], start_new_session=True)
    try:
        (files / "moto.pid").write_text(json.dumps({"pid": other.pid, "start_time": server._start_time(other.pid), "port": 4599}))
        assert server.read_pid() is None and server.running_port() is None
        server.down()
        assert other.poll() is None, "an unrelated process was signalled"
        assert not (files / "moto.pid").exists()
        # The same pid with another start time (a reused pid) is not ours either.
        (files / "moto.pid").write_text(json.dumps({"pid": other.pid, "start_time": "1", "port": 4599}))
        server.down()
        assert other.poll() is None
    finally:
        other.kill()
        other.wait()


def test_taken_port_names_the_program_holding_it(files: Path) -> None:
    """The one line says which process listens there, so the user knows what to stop."""
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        with pytest.raises(UserError, match=rf"port {port} is taken by another program \(pid \d+ "):
            server.up(port)
