"""Shared fixtures: a real moto server for functional tests, free ports, repo paths."""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from scripts.common import copy_repository
from scripts.sandbox import bridge

ROOT = Path(__file__).resolve().parent.parent

# Python's bytecode cache on, for this process and every one the suite starts (make, the CLI, the sandbox's
# runner), even where PYTHONDONTWRITEBYTECODE is set (as on this kind of CI machine): otherwise each Python
# process a run starts compiles the scripts it imports again (docs/testing.md, "Where the time goes"). The
# caches sit in __pycache__ (gitignored; packages and copies leave them out).
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False

CANARY_PREFIX = "CANARY-"
ALL_PASSED = re.compile(r"smoke: (\d+) of \1 checks passed")  # the smoke test's last line when nothing failed


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_moto(log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Start a real moto server on a free port, Lambda without Docker; return it and its URL."""
    port = free_port()
    server = Path(sys.executable).parent / "moto_server"
    with log.open("wb") as out:
        process = subprocess.Popen([str(server), "-H", "127.0.0.1", "-p", str(port)], stdout=out, stderr=subprocess.STDOUT)
    endpoint = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            request = urllib.request.Request(
                f"{endpoint}/moto-api/config", method="POST", data=json.dumps({"lambda": {"use_docker": False}}).encode()
            )
            urllib.request.urlopen(request, timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        pytest.fail(f"moto_server did not start; see {log}")
    return process, endpoint


@dataclass
class Checkout:
    path: Path
    env: dict[str, str]
    transcript: list[str] = field(default_factory=list)  # every make output, for the canary search

    @classmethod
    def fresh(cls, target: Path, scan: bool = True) -> Checkout:
        """A copy of this repository's files at `target`, as on a fresh machine, with its own SANDBOX_PORT.

        scan False: its plans skip checkov (SCAN=0), for tests that deploy to prove something else
        (the scan is proved by tests/e2e/test_deploy_flow.py and the review's functional tests).
        """
        copy_repository(target)
        # As on a fresh machine: no terraform on PATH, so setup must fall back to the bundled one.
        path = os.pathsep.join(d for d in os.environ["PATH"].split(os.pathsep) if not (Path(d) / "terraform").exists())
        env = {**os.environ, "PATH": path, "SANDBOX_PORT": str(free_port()), "NO_COLOR": "1"}
        env["AWS_EC2_METADATA_DISABLED"] = "true"
        for name in ("ENV", "MAKEFLAGS", "NAME", "FILE", "CONFIRM", "SCAN"):
            env.pop(name, None)
        if not scan:
            env["SCAN"] = "0"
        return cls(target, env)

    def apply_process(self) -> subprocess.Popen[str]:
        """`scripts.cli apply` of the saved plan, started and left running, its output on one pipe (to interrupt it)."""
        return subprocess.Popen(
            [str(self.path / ".venv/bin/python"), "-m", "scripts.cli", "apply"],
            cwd=self.path,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def make(
        self, *args: str, stdin: str | None = None, env: dict[str, str] | None = None, timeout: int = 300
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            ["make", "--no-print-directory", *args],
            cwd=self.path,
            env={**self.env, **(env or {})},
            input=stdin if stdin is not None else "",
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        self.transcript.append(result.stdout + result.stderr)
        return result


def ok(result: subprocess.CompletedProcess[str]) -> str:
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    return output


@contextmanager
def moto_server(log: Path) -> Iterator[str]:
    """A moto server for the duration of a `with` block; yields its URL."""
    process, endpoint = start_moto(log)
    try:
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def own_bridge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """This test module's own bridged copy of terraform/ (scripts/sandbox/bridge.py) instead of the checkout's
    build/sandbox-tf. The copy names a moto endpoint: a test that bridges for its own server would otherwise
    swap the shared copy under another test (another xdist worker) still reading it for another server."""
    target = tmp_path_factory.mktemp("bridge") / "sandbox-tf"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(bridge, "TARGET", target)
        patch.setattr(bridge, "ROOT_DIR", target / "envs" / "sandbox")
        yield target


@pytest.fixture(scope="session")
def moto_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A moto server shared by the functional tests of one session."""
    with moto_server(tmp_path_factory.mktemp("moto") / "moto.log") as endpoint:
        yield endpoint


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, moto_endpoint: str) -> str:
    """Environment so that boto3 talks to the test moto server (never to AWS)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return moto_endpoint


TIERS = ("unit", "oracle", "functional", "e2e", "reliability")  # the folders under tests/, fastest first
FIRST_GUESS = {"reliability": 300.0, "e2e": 200.0, "functional": 30.0, "oracle": 20.0}  # seconds per file, until measured
DURATIONS = ROOT / "build" / "test-durations.json"  # seconds per test file, as the runs on this machine measured them
_tier_seconds: dict[str, list[float]] = {}
_file_seconds: dict[str, float] = {}


def tier_of(nodeid: str) -> str:
    """A test's tier: the folder under tests/ it lives in."""
    parts = nodeid.split("/")
    return parts[1] if len(parts) > 2 and parts[0] == "tests" else "other"


def _measured() -> dict[str, float]:
    try:
        known = json.loads(DURATIONS.read_text())
    except (OSError, ValueError):
        return {}
    return {k: float(v) for k, v in known.items() if isinstance(v, (int, float))} if isinstance(known, dict) else {}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Markers that mean what they say: a test under tests/<kind>/ (functional, e2e, reliability) is marked <kind>.

    Then the longest files first: xdist's --dist loadfile hands files to the workers in this order,
    so the slowest start at once instead of ending the run on one worker while the others wait
    (longest-processing-time-first). A file's cost is its measured time (DURATIONS), else its
    tier's first guess; a file's own tests keep their order.
    """
    for item in items:
        parts = Path(str(item.fspath)).relative_to(ROOT / "tests").parts
        if parts[0] in ("functional", "e2e", "reliability"):
            item.add_marker(parts[0])
    measured = _measured()

    def cost(item: pytest.Item) -> tuple[float, str]:
        path = item.nodeid.split("::")[0]
        return (-measured.get(path, FIRST_GUESS.get(tier_of(path), 1.0)), path)

    items.sort(key=cost)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Sum each tier's and each file's test time (setup, call and teardown), on the controller under xdist."""
    seconds = _tier_seconds.setdefault(tier_of(report.nodeid), [0.0, 0])
    seconds[0] += report.duration
    seconds[1] += report.when == "call" or (report.when == "setup" and report.outcome != "passed")
    path = report.nodeid.split("::")[0]
    _file_seconds[path] = _file_seconds.get(path, 0.0) + report.duration


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Keep each file's time for the next run's order (the controller's, or a run without workers)."""
    if hasattr(session.config, "workerinput") or not _file_seconds:
        return
    with contextlib.suppress(OSError):
        DURATIONS.parent.mkdir(exist_ok=True)
        DURATIONS.write_text(json.dumps({**_measured(), **_file_seconds}, indent=1, sort_keys=True))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Each tier's time at the end of the run (docs/testing.md: what it is and what it is not)."""
    if not _tier_seconds:
        return
    workers = getattr(terminalreporter.config.option, "numprocesses", None) or 1
    terminalreporter.write_sep("-", f"time per tier (sum of the tests' own seconds over {workers} worker(s))")
    for tier in sorted(_tier_seconds, key=lambda t: TIERS.index(t) if t in TIERS else len(TIERS)):
        seconds, count = _tier_seconds[tier]
        terminalreporter.write_line(f"  {tier:<12} {int(count):>5} tests  {seconds:8.1f} s")
