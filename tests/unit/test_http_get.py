"""The client's minimal HTTP/1.1 GET, over real loopback sockets against a byte-scripted server.

The server writes exactly the bytes a test gives it (no HTTP library in between), so each
test can send what a well-behaved server never would: chunked bodies, broken status lines,
no Content-Length, a closed connection, a slow answer.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import secrets_client  # noqa: E402

BODY = json.dumps({"Name": "/a/b/c/d", "SecretString": "s3cret", "VersionId": "v1", "VersionStages": ["AWSCURRENT"]})


def ok(body: str = BODY) -> bytes:
    return f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n{body}".encode()


CLOSE = b""  # close the connection without answering


class RawServer:
    """Accepts connections on 127.0.0.1; answers the n-th with answers[n] (the last repeats)."""

    def __init__(self) -> None:
        self.answers: list[bytes] = [ok()]
        self.delay = 0.0  # seconds before answering
        self.drip = 0.0  # seconds between the answer's bytes (a slow extension)
        self.requests: list[bytes] = []
        self.connections = 0  # accepted
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            request = b""
            conn.settimeout(5)
            try:
                while b"\r\n\r\n" not in request:
                    chunk = conn.recv(4096)
                    if not chunk:
                        return  # a port probe: connect and close
                    request += chunk
            except OSError:
                return
            self.requests.append(request)
            answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
            time.sleep(self.delay)
            try:
                if self.drip:
                    for byte in answer:
                        conn.sendall(bytes([byte]))
                        time.sleep(self.drip)
                else:
                    conn.sendall(answer)
            except OSError:
                return


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[RawServer]:
    raw = RawServer()
    monkeypatch.setenv("AWS_SESSION_TOKEN", "token-123")
    yield raw
    raw.sock.close()


def read(server: RawServer, **kwargs: float) -> str:
    backend = secrets_client.ExtensionBackend(port=server.port, **kwargs)
    return secrets_client.SecretsClient(backend=backend).get_secret("/a/b/c/d", max_age=0)


def test_a_plain_answer_is_read_and_the_request_is_minimal(server: RawServer) -> None:
    """A 200 with Content-Length gives the value; the request is one GET with Host, token, Connection: close."""
    assert read(server) == "s3cret"
    assert server.requests == [
        b"GET /secretsmanager/get?secretId=%2Fa%2Fb%2Fc%2Fd HTTP/1.1\r\n"
        b"Host: localhost:" + str(server.port).encode() + b"\r\n"
        b"X-Aws-Parameters-Secrets-Token: token-123\r\n"
        b"Connection: close\r\n\r\n"
    ]


def test_a_body_in_several_packets_is_read_whole(server: RawServer) -> None:
    """An answer trickling in byte by byte (within the timeout) is still read completely."""
    server.drip = 0.001
    assert read(server) == "s3cret"


def test_chunked_answers_are_refused_clearly(server: RawServer) -> None:
    """Transfer-Encoding: chunked is refused (not retried) with a message naming it."""
    server.answers = [f"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n{len(BODY):x}\r\n{BODY}\r\n0\r\n\r\n".encode()]
    with pytest.raises(secrets_client.BadResponse, match="Transfer-Encoding \\(chunked\\)"):
        read(server)
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    "status_line",
    [b"HTTP/1.1 20 OK", b"HTTP/2 200 OK", b"ICY 200 OK", b"HTTP/1.1 OK 200", b"HTTP/1.1", b"garbage"],
)
def test_malformed_status_lines_are_refused(server: RawServer, status_line: bytes) -> None:
    """Anything but `HTTP/1.x NNN reason` is refused as malformed."""
    server.answers = [status_line + f"\r\nContent-Length: {len(BODY)}\r\n\r\n{BODY}".encode()]
    with pytest.raises(secrets_client.BadResponse, match="malformed status line"):
        read(server)


def test_a_malformed_header_line_is_refused(server: RawServer) -> None:
    """A header line without a colon (or folded onto the previous one) is refused."""
    server.answers = [f"HTTP/1.1 200 OK\r\nContent-Length: {len(BODY)}\r\n continued\r\n\r\n{BODY}".encode()]
    with pytest.raises(secrets_client.BadResponse, match="malformed header line"):
        read(server)


def test_a_missing_content_length_is_refused(server: RawServer) -> None:
    """A body delimited only by closing the connection is refused: Content-Length is required."""
    server.answers = [f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{BODY}".encode()]
    with pytest.raises(secrets_client.BadResponse, match="no Content-Length"):
        read(server)


def test_a_bad_or_conflicting_content_length_is_refused(server: RawServer) -> None:
    """Content-Length that is not a number, two different ones, or more bytes than announced: refused."""
    for head in ("Content-Length: ten", "Content-Length: 5\r\nContent-Length: 6", "Content-Length: 3"):
        server.answers = [f"HTTP/1.1 200 OK\r\n{head}\r\n\r\n{BODY}".encode()]
        with pytest.raises(secrets_client.BadResponse, match="Content-Length|content-length"):
            read(server)


def test_redirects_are_not_followed(server: RawServer) -> None:
    """A 302 is refused, not followed, and asked only once."""
    server.answers = [b"HTTP/1.1 302 Found\r\nLocation: http://example.test/\r\nContent-Length: 0\r\n\r\n"]
    with pytest.raises(secrets_client.BadResponse, match="HTTP 302; redirects"):
        read(server)
    assert len(server.requests) == 1


def test_a_200_that_is_not_json_is_refused_without_quoting_it(server: RawServer) -> None:
    """A 200 whose body is not JSON: BadResponse, and the body is not in the message."""
    server.answers = [ok("CANARY-http-0001 not json")]
    with pytest.raises(secrets_client.BadResponse) as caught:
        read(server)
    assert "CANARY" not in str(caught.value)


def test_a_slow_extension_times_out_within_the_deadline(server: RawServer) -> None:
    """An answer slower than the request timeout: Timeout, raised by the deadline, not later."""
    server.delay = 1.0
    started = time.monotonic()
    with pytest.raises(secrets_client.Timeout, match="no answer from the extension within 0.2 s"):
        read(server, timeout=0.2, deadline=0.5)
    assert time.monotonic() - started < 0.5 + 0.1


def test_a_dripping_answer_counts_against_one_timeout(server: RawServer) -> None:
    """Bytes that keep coming but too slowly: the timeout is for the whole answer, not per packet."""
    server.drip = 0.05  # ~150 bytes: ~7 s in all, each byte well within the timeout
    started = time.monotonic()
    with pytest.raises(secrets_client.Timeout):
        read(server, timeout=0.3, deadline=0.7)
    assert time.monotonic() - started < 0.7 + 0.1


def test_a_closed_connection_is_retried_within_the_deadline(server: RawServer) -> None:
    """The first connection closed without an answer, the second cut mid-body: the third answers."""
    server.answers = [CLOSE, ok()[:-5], ok()]
    assert read(server) == "s3cret"
    assert len(server.requests) == 3


def test_connections_that_always_close_fail_within_the_deadline(server: RawServer) -> None:
    """An extension that always hangs up: ExtensionUnavailable naming the cause, within the deadline."""
    server.answers = [CLOSE]
    started = time.monotonic()
    with pytest.raises(secrets_client.ExtensionUnavailable, match="closed the connection before the end of the headers"):
        read(server, deadline=0.5)
    assert time.monotonic() - started < 0.5 + 0.1
    assert len(server.requests) >= 2


def test_agent_style_error_bodies_are_typed_without_the_message(server: RawServer) -> None:
    """A 400 with {"__type": "ResourceNotFoundException"} (the Secrets Manager Agent's shape) is NotFound."""
    error = json.dumps({"__type": "ResourceNotFoundException", "message": "CANARY-http-0002"})
    server.answers = [f"HTTP/1.1 400 Bad Request\r\nContent-Length: {len(error)}\r\n\r\n{error}".encode()]
    with pytest.raises(secrets_client.NotFound) as caught:
        read(server)
    assert caught.value.status == 400 and "CANARY" not in str(caught.value)
    assert len(server.requests) == 1


def test_a_token_with_a_line_break_is_refused_before_sending(server: RawServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """A session token holding CR/LF would inject headers: refused, nothing sent."""
    monkeypatch.setenv("AWS_SESSION_TOKEN", "token\r\nX-Other: 1")
    with pytest.raises(secrets_client.TokenRejected, match="line break"):
        read(server)
    assert server.requests == []


def test_the_cold_path_imports_only_what_it_must(server: RawServer) -> None:
    """A fresh process that imports the client and reads one secret (auto backend) imports no HTTP library."""
    code = (
        f"import sys; sys.path.insert(0, {str(Path(secrets_client.__file__).parent)!r}); import secrets_client\n"
        "assert secrets_client.get_secret('/a/b/c/d') == 's3cret'\n"
        "heavy = ('urllib', 'http', 'email', 'json', 're', 'random', 'threading', 'concurrent', 'socket', 'boto3', 'typing')\n"
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    env = {"PARAMETERS_SECRETS_EXTENSION_HTTP_PORT": str(server.port), "AWS_SESSION_TOKEN": "token-123", "PATH": ""}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30, env=env)
    assert result.stdout.strip() == "[]", result.stderr


def test_a_200_without_the_value_is_refused(server: RawServer) -> None:
    """A JSON answer that is not an object, or lacks SecretString/SecretBinary: BadResponse, not a KeyError."""
    for body in ('["a list"]', '{"Name": "/a/b/c/d"}', '{"SecretBinary": "not base64!"}'):
        server.answers = [ok(body)]
        with pytest.raises(secrets_client.BadResponse, match="not a JSON object|no SecretString"):
            read(server)


def auto_client(server: RawServer, monkeypatch: pytest.MonkeyPatch, **kwargs: int) -> secrets_client.SecretsClient:
    monkeypatch.delenv("SECRETS_CLIENT_BACKEND", raising=False)
    return secrets_client.SecretsClient(port=server.port, **kwargs)


def test_the_port_probe_carries_the_first_read(server: RawServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """backend auto: the connection that found the extension carries the first read (one connection, not two);
    the next read opens its own."""
    client = auto_client(server, monkeypatch)
    assert client.get_secret("/a/b/c/d", max_age=0) == "s3cret"
    assert server.connections == 1 and len(server.requests) == 1
    assert client.get_secret("/a/b/c/d", max_age=0) == "s3cret"
    assert server.connections == 2 and len(server.requests) == 2


def test_a_probe_connection_closed_meanwhile_costs_no_attempt(server: RawServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """The extension hangs up on the probe's connection: the read goes on a new one at once, in the same attempt
    (no backoff, no error), as a batch's reused connection does."""
    server.answers = [CLOSE, ok()]
    client = auto_client(server, monkeypatch)
    assert client.get_secret("/a/b/c/d", max_age=0) == "s3cret"
    assert client.requests == 1 and server.connections == 2 and len(server.requests) == 2


def test_a_batch_first_carries_the_probe_connection(server: RawServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch as the first read: the caller's keep-alive connection is the probe's (this server hangs up after
    each answer, so each later GET reopens: 2 items, 2 connections in all)."""
    client = auto_client(server, monkeypatch, connections=1)
    assert client.get_secrets_by_name(["/a/b/c/d", "/a/b/c/e"], max_age=0) == {"/a/b/c/d": "s3cret", "/a/b/c/e": "s3cret"}
    assert server.connections == 2 and len(server.requests) == 2


def test_a_keep_alive_connection_is_reused_and_reopened_when_closed(server: RawServer) -> None:
    """The batch's connection asks without `Connection: close`; this server hangs up after each answer, so the
    second GET finds the connection closed and reopens it once, at no attempt's cost."""
    conn = secrets_client._Connection(server.port)
    for _ in range(2):
        assert conn.get("/secretsmanager/get?secretId=x", {"X-Aws-Parameters-Secrets-Token": "t"}, 2.0)[0] == 200
    conn.close()
    assert conn.opened == 2 and len(server.requests) == 2
    assert b"Connection: close" not in server.requests[0]


def test_an_answer_that_says_close_closes_the_connection(server: RawServer) -> None:
    """`Connection: close` (or HTTP/1.0 without keep-alive) in the answer: the next GET opens a new connection."""
    server.answers = [ok().replace(b"HTTP/1.1 200 OK\r\n", b"HTTP/1.0 200 OK\r\n")]
    conn = secrets_client._Connection(server.port)
    conn.get("/secretsmanager/get?secretId=x", {}, 2.0)
    assert conn.sock is None
    server.answers = [ok().replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n", 1)]
    conn.get("/secretsmanager/get?secretId=x", {}, 2.0)
    assert conn.sock is None and conn.opened == 2


def test_a_batch_keeps_each_answers_strictness(server: RawServer) -> None:
    """Through the batch path a chunked answer is still refused, as that item's BadResponse, not the batch's."""
    server.answers = [f"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n{len(BODY):x}\r\n{BODY}\r\n0\r\n\r\n".encode()]
    backend = secrets_client.ExtensionBackend(port=server.port)
    reads = backend.secrets([("/a/1", None, None), ("/a/2", None, None)])
    assert all(isinstance(r, secrets_client.BadResponse) and "chunked" in str(r) for r in reads)
