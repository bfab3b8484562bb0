"""Each local invocation in a network of its own, as Lambda gives each execution environment.

Inside a new user + network namespace (`unshare -rn`, unprivileged) the invocation has
its own loopback: the extension binds the function's configured port (2773 by default)
there, so any number of invocations and sandboxes run side by side without colliding.
The host's loopback is unreachable from inside, so the sandbox (the moto server) is
reached through a relay: a Unix socket on the file system, which crosses namespaces,
with a TCP listener inside on the same port as the sandbox outside.

Where the kernel refuses unprivileged user namespaces (some distributions restrict them,
e.g. AppArmor's kernel.apparmor_restrict_unprivileged_userns), invocations run on the
host's loopback instead and take a host-wide lock per extension port, so two of them
never bind the same port at once: they wait for each other. The runner says which mode
it used in the function's log.
"""

from __future__ import annotations

import fcntl
import functools
import os
import shutil
import socket
import struct
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_DIR = Path("/tmp")


@functools.cache
def available() -> bool:
    """True if this machine lets an unprivileged process make a user + network namespace."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return False
    try:
        return subprocess.run([unshare, "-rn", "true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def command(argv: list[str]) -> list[str]:
    """`argv` run inside a new user + network namespace."""
    return [shutil.which("unshare") or "unshare", "-rn", "--", *argv]


def loopback_up() -> None:
    """Bring `lo` up in this (new) network namespace: without it, nothing connects to 127.0.0.1."""
    siocgifflags, siocsifflags, iff_up = 0x8913, 0x8914, 0x1
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH", b"lo", 0)
        flags = struct.unpack("16sH", fcntl.ioctl(sock, siocgifflags, request))[1]
        fcntl.ioctl(sock, siocsifflags, struct.pack("16sH", b"lo", flags | iff_up))


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (sink, source):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def _relay(listener: socket.socket, connect: Callable[[], socket.socket]) -> None:
    """Accept connections on `listener` and pipe each to a fresh connection from `connect()`."""
    while True:
        try:
            client, _ = listener.accept()
        except OSError:
            return  # closed
        try:
            upstream = connect()
        except OSError:
            client.close()  # the other side is down: the caller sees a closed connection
            continue
        for a, b in ((client, upstream), (upstream, client)):
            threading.Thread(target=_pipe, args=(a, b), daemon=True).start()


@contextmanager
def unix_to_tcp(path: Path, host: str, port: int) -> Iterator[Path]:
    """Outside: a Unix socket at `path` whose connections go to host:port (the sandbox)."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(64)
    threading.Thread(target=_relay, args=(listener, lambda: socket.create_connection((host, port))), daemon=True).start()
    try:
        yield path
    finally:
        listener.close()
        path.unlink(missing_ok=True)


def tcp_to_unix(port: int, path: Path) -> socket.socket:
    """Inside: 127.0.0.1:port whose connections go to the Unix socket at `path`; returns the listener."""

    def connect() -> socket.socket:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(str(path))
        return sock

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(64)
    threading.Thread(target=_relay, args=(listener, connect), daemon=True).start()
    return listener


@contextmanager
def port_lock(port: int) -> Iterator[None]:
    """The fallback: hold a host-wide lock for the extension's port while the invocation runs."""
    path = LOCK_DIR / f"lambda-secrets-kit-port-{port}.lock"
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        os.fchmod(descriptor, 0o666)  # every user's invocations share the host's port, so the lock too
    except OSError:
        pass  # another user's file: locking it still works
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)
