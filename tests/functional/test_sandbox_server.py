"""scripts/sandbox/server.py and front.py: the sandbox's lifecycle, with its files in a temp dir, and
the front that answers only requests signed with the checkout's credentials."""

from __future__ import annotations

import http.client
import json
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from scripts.common import UserError
from scripts.sandbox import credentials, front, server
from tests.conftest import CANARY_PREFIX, free_port


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(server, "SANDBOX_DIR", tmp_path)
    monkeypatch.setattr(server, "PID_FILE", tmp_path / "moto.pid")
    monkeypatch.setattr(server, "LOG_FILE", tmp_path / "moto.log")
    monkeypatch.setattr(server, "CREDENTIALS_FILE", tmp_path / "credentials.json")
    return tmp_path


@pytest.fixture
def sandbox(files: Path) -> Iterator[str]:
    """This checkout's sandbox (front and moto) on a free port; its URL."""
    url = server.up(free_port())
    try:
        yield url
    finally:
        server.down()


def _boto(url: str, service: str, key_id: str, secret: str, token: str | None = None) -> Any:
    return boto3.client(
        service,
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        aws_session_token=token,
    )


def _code(call: Any) -> str:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response["Error"]["Code"]


class Recorder:
    """A stranger's TCP server: accepts connections and keeps every byte it receives."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.received = bytearray()
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            conn.settimeout(0.5)
            try:
                while data := conn.recv(65536):
                    self.received += data
            except OSError:
                pass
            conn.close()

    def close(self) -> None:
        self.sock.close()


def test_up_status_up_again_down(files: Path) -> None:
    """up starts a healthy server with Lambda set to run no Docker and fresh private credentials; a second
    up is a no-op; down stops it and removes the credentials."""
    port = free_port()
    try:
        assert server.up(port) == f"http://127.0.0.1:{port}"
        pid = server.read_pid()
        assert pid and server.healthy(port, pid=pid) and server.running_port() == port
        assert stat.S_IMODE((files / "credentials.json").stat().st_mode) == 0o600
        assert stat.S_IMODE(files.stat().st_mode) == 0o700
        assert server.up(port) == f"http://127.0.0.1:{port}" and server.read_pid() == pid
        with pytest.raises(UserError, match=f"already runs on port {port}"):
            server.up(free_port())
        lam = server.client(server.endpoint(port), "lambda", "us-east-1")
        lam.publish_layer_version(LayerName="probe", Content={"ZipFile": b"PK\x05\x06" + b"\0" * 18})
        assert lam.list_layers()["Layers"][0]["LayerName"] == "probe"  # moto answers behind the front
    finally:
        server.down()
    assert server.read_pid() is None and not server.healthy(port) and not (files / "credentials.json").exists()


def test_your_aws_settings_do_not_reach_the_sandbox_server(files: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """moto makes boto3 sessions inside the server: an AWS_PROFILE it cannot find (yours, for AWS) would fail
    every request with a 500, so the server starts without your AWS_* variables."""
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile-here")
    url = server.up(free_port())
    monkeypatch.delenv("AWS_PROFILE")
    try:
        assert server.client(url, "secretsmanager", "us-east-1").list_secrets()["SecretList"] == []
    finally:
        server.down()


def test_only_requests_signed_with_the_checkouts_credentials_pass(sandbox: str, files: Path) -> None:
    """The tooling's client works; the right access key id with a wrong secret, another key, no signature,
    and a signed request whose body was changed are refused in each protocol's AWS error shape."""
    canary = CANARY_PREFIX + "front-" + "q" * 8
    server.client(sandbox, "secretsmanager", "us-east-1").create_secret(Name="/t/front", SecretString=canary)
    keys = credentials.load(files / "credentials.json")
    assert keys is not None
    wrong = (keys.access_key_id, "x" * 40)
    secrets_manager = _boto(sandbox, "secretsmanager", *wrong)
    assert _code(lambda: secrets_manager.get_secret_value(SecretId="/t/front")) == "AccessDeniedException"
    assert _code(lambda: _boto(sandbox, "ssm", *wrong).get_parameter(Name="/t/p")) == "AccessDeniedException"
    assert _code(lambda: _boto(sandbox, "lambda", *wrong).list_functions()) == "AccessDeniedException"  # restJson
    assert _code(lambda: _boto(sandbox, "iam", *wrong).list_roles()) == "AccessDenied"  # query
    assert _code(lambda: _boto(sandbox, "sts", "sandbox", "sandbox").get_caller_identity()) == "AccessDenied"
    other = credentials.new_keys()
    assert _code(lambda: _boto(sandbox, "secretsmanager", other.access_key_id, other.secret_access_key).list_secrets())

    connection = http.client.HTTPConnection("127.0.0.1", int(sandbox.rsplit(":", 1)[1]), timeout=5)
    for path in ("/moto-api/data.json", "/moto-api/reset"):
        connection.request("POST" if path.endswith("reset") else "GET", path)
        response = connection.getresponse()
        body = response.read()
        assert response.status == 403 and canary.encode() not in body, (path, body[:200])

    # A request signed correctly, then altered on the way: the signature covers the body.
    signed: dict[str, Any] = {}

    def keep(request: Any, **_: Any) -> None:
        signed["request"] = request

    client = server.client(sandbox, "secretsmanager", "us-east-1")
    client.meta.events.register("before-send", keep)
    client.get_secret_value(SecretId="/t/front")
    request = signed["request"]
    for body in (request.body, request.body.replace(b"/t/front", b"/t/other")):
        connection.request("POST", "/", body=body, headers=dict(request.headers))
        response = connection.getresponse()
        answer = response.read()
        assert (response.status == 200) == (body == request.body), answer[:200]
    assert server.client(sandbox, "secretsmanager", "us-east-1").get_secret_value(SecretId="/t/front")["SecretString"] == canary


def test_verify_refuses_old_signatures_and_tampered_tokens() -> None:
    """A signature more than 15 minutes off, and session tokens that were altered, expired or made
    with another checkout's secret, are refused; a valid session is known by its role and name."""
    keys = credentials.new_keys()
    captured: dict[str, Any] = {}

    def stop(request: Any, **_: Any) -> Any:
        captured["request"] = request
        raise RuntimeError("captured")

    def signed(key_id: str, secret: str, token: str | None = None) -> tuple[str, dict[str, str], bytes]:
        client = _boto("http://127.0.0.1:9", "ssm", key_id, secret, token)
        client.meta.events.register("before-send", stop)
        with pytest.raises(RuntimeError):
            client.get_parameter(Name="/t/p")
        request = captured["request"]
        headers = {k.lower(): v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()}
        return request.method, headers | {"host": "127.0.0.1:9"}, request.body

    method, headers, body = signed(keys.access_key_id, keys.secret_access_key)
    caller, request = front.verify(method, "/", headers, body, keys)
    assert caller.session is None and request.service == "ssm" and request.operation == "GetParameter"
    with pytest.raises(front.Refused, match="15 minutes"):
        front.verify(method, "/", headers, body, keys, now=time.time() + 16 * 60)
    with pytest.raises(front.Refused, match="does not cover the Host"):
        front.verify(method, "/", headers | {"authorization": headers["authorization"].replace("host;", "")}, body, keys)

    session = credentials.mint_session(keys, "arn:aws:iam::123456789012:role/fn", "fn")
    method, headers, body = signed(session.access_key_id, session.secret_access_key, session.session_token)
    caller, _ = front.verify(method, "/", headers, body, keys)
    assert caller.session is not None and (caller.session.role_arn, caller.session.session_name) == (session.role_arn, "fn")
    with pytest.raises(front.Refused, match="expired"):
        front.verify(method, "/", headers, body, keys, now=session.expires + 1)
    with pytest.raises(front.Refused, match="not issued by this sandbox"):
        front.verify(method, "/", headers, body, credentials.new_keys())
    forged = session.session_token.replace(session.session_token.split(".")[1], "e30")  # claims replaced by {}
    with pytest.raises(front.Refused, match="not issued by this sandbox"):
        front.verify(method, "/", headers | {"x-amz-security-token": forged}, body, keys)


def test_function_role_sessions_go_through_the_one_decision_hook(files: Path) -> None:
    """Requests signed with a function's session credentials reach the hook with the role and session;
    a refusal from the hook reaches boto3 as AccessDeniedException; the checkout's own key skips the hook."""
    keys = credentials.new_keys()
    seen: list[tuple[str, str, str | None]] = []

    def authorizer(session: credentials.Session, request: front.SignedRequest) -> str | None:
        seen.append((session.role_arn, session.session_name, request.operation))
        return "not on this path" if request.operation == "GetSecretValue" else None

    port = free_port()
    httpd = front.serve(port, keys, authorizer=authorizer)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{port}"
        _boto(url, "ssm", keys.access_key_id, keys.secret_access_key).put_parameter(Name="/t/p", Value="v", Type="String")
        assert seen == []
        session = credentials.mint_session(keys, "arn:aws:iam::123456789012:role/fn", "fn")
        as_function = dict(key_id=session.access_key_id, secret=session.secret_access_key, token=session.session_token)
        assert _boto(url, "ssm", **as_function).get_parameter(Name="/t/p")["Parameter"]["Value"] == "v"
        assert seen == [("arn:aws:iam::123456789012:role/fn", "fn", "GetParameter")]
        sm = _boto(url, "secretsmanager", **as_function)
        with pytest.raises(ClientError) as refused:
            sm.get_secret_value(SecretId="/t/s")
        assert refused.value.response["Error"]["Code"] == "AccessDeniedException"
        assert "not on this path" in refused.value.response["Error"]["Message"]
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_require_up_refuses_a_strangers_server_and_sends_it_nothing(files: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """After sandbox-down, another program on the port is named, and no byte reaches it."""
    stranger = Recorder()
    try:
        monkeypatch.setenv("SANDBOX_PORT", str(stranger.port))
        with pytest.raises(UserError, match=rf"port {stranger.port} is taken by another program \(pid \d+ .*nothing was sent"):
            server.require_up()
        (files / "moto.pid").write_text(json.dumps({"pid": 1, "start_time": "0", "port": stranger.port}))  # stale
        with pytest.raises(UserError, match="not by this checkout's sandbox"):
            server.require_up()
        time.sleep(0.6)
        assert bytes(stranger.received) == b""
        assert server.keys_for(f"http://127.0.0.1:{stranger.port}") is server.PLACEHOLDER
    finally:
        stranger.close()


def test_a_plain_moto_server_an_older_version_started_is_stopped_not_used(files: Path) -> None:
    """A pid file naming an unauthenticated moto_server of an earlier version: commands refuse it, down stops it."""
    port = free_port()
    moto = subprocess.Popen(
        [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        for _ in range(100):
            if server.port_in_use(port):
                break
            time.sleep(0.1)
        (files / "moto.pid").write_text(json.dumps({"pid": moto.pid, "start_time": server._start_time(moto.pid), "port": port}))
        with pytest.raises(UserError, match="older version of this kit.*make sandbox-down"):
            server.up(port)
        server.down()
        assert moto.wait(timeout=10) is not None
    finally:
        moto.kill()
        moto.wait()


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
