"""Benchmarks, measured side by side in one run: cold start, API calls, warm latency, deploy time.

    make bench    (runs .venv-bench/bin/python -m scripts.bench [--runs N] [--skip-deploy])

1. Cold start: process start + import, for this project's handler module and for the
   alternatives (Powertools parameters, aws-secretsmanager-caching, boto3 + a client), each
   run --runs times, interleaved, median. Goal: the handler at least 5x faster than the
   fastest alternative.
2. API calls billed: 1,000 warm invocations in one execution environment, each reading one
   secret and two parameters, spread evenly over 300 s (one cache TTL window; the clock is
   simulated so the run takes seconds), counted by a proxy in front of a real moto server.
   This project (client cache + the extension emulation), naive boto3, Powertools at its
   defaults (its cache TTL, read from the installed version), aws-secretsmanager-caching
   (secret only, its 1 h default).
   Goal: 3, the physical minimum.
3. Warm read latency: the client's in-process cache hit, a read through the emulated
   extension (its cache warm), a direct SDK call to the sandbox, Powertools' cache hit.
4. Sandbox `make deploy` in a fresh copy of the repository: from clean, then no change.
Writes build/bench/bench.md, bench.json and bench.png (a chart).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from scripts.common import BUILD, ROOT, copy_repository, run_main, say, step

OUT = BUILD / "bench"
MAIN_VENV = ROOT / ".venv"
INVOCATIONS = 1000
WINDOW_SECONDS = 300.0
SECRET = "/bench/app/secrets/api_key"
PARAMETERS = ("/bench/app/config/url", "/bench/app/config/timeout")

COLD_START = {
    "this handler (lambda_src)": f"import sys; sys.path.insert(0, {str(ROOT / 'lambda_src')!r}); import handler",
    "this handler + the imports of its first read": (
        f"import sys; sys.path.insert(0, {str(ROOT / 'lambda_src')!r}); import handler; "
        "import json, threading, socket, random, urllib.request, hashlib"
    ),
    "Powertools parameters": "from aws_lambda_powertools.utilities import parameters",
    "aws-secretsmanager-caching": "from aws_secretsmanager_caching import SecretCache",
    "boto3 + client": "import boto3; boto3.client('secretsmanager', region_name='us-east-1')",
    "python -c pass (floor)": "pass",
}


def cold_start(runs: int) -> dict[str, float]:
    """Median wall seconds of process start + import, interleaved across the candidates."""
    times: dict[str, list[float]] = {name: [] for name in COLD_START}
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    for _ in range(runs):
        for name, code in COLD_START.items():
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True, env=env, capture_output=True)
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in times.items()}


# --- the sandbox, behind a counting proxy ----------------------------------------------


class CountingProxy:
    """Forwards requests to moto and counts them by API action (X-Amz-Target)."""

    def __init__(self, upstream_port: int) -> None:
        self.counts: Counter[str] = Counter()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                target = self.headers.get("X-Amz-Target", "other").split(".")[-1]
                proxy.counts[target] += 1
                connection = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                connection.request(self.command, self.path, body=body, headers=headers)
                response = connection.getresponse()
                data = response.read()
                self.send_response(response.status)
                for key, value in response.getheaders():
                    if key.lower() not in ("content-length", "transfer-encoding", "connection", "server", "date"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"

    def billed(self) -> int:
        return self.counts["GetSecretValue"] + self.counts["GetParameter"]


@contextmanager
def sandbox() -> Iterator[tuple[str, CountingProxy]]:
    """A fresh moto server with the bench's secret, parameters and function role, and a counting proxy."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = tempfile.NamedTemporaryFile(prefix="bench-moto-", suffix=".log", delete=False)
    server = subprocess.Popen(
        [str(MAIN_VENV / "bin" / "moto_server"), "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=subprocess.STDOUT
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/moto-api/config")
                break
            except OSError:
                time.sleep(0.1)
        os.environ.update(
            {
                "AWS_ACCESS_KEY_ID": "bench",
                "AWS_SECRET_ACCESS_KEY": "bench",
                "AWS_DEFAULT_REGION": "us-east-1",
                "AWS_EC2_METADATA_DISABLED": "true",
            }
        )
        _seed(endpoint)
        proxy = CountingProxy(port)
        os.environ["AWS_ENDPOINT_URL"] = proxy.endpoint
        yield endpoint, proxy
    finally:
        server.terminate()
        server.wait(timeout=10)


def _seed(endpoint: str) -> None:
    import boto3

    def client(service: str) -> Any:
        return boto3.client(service, endpoint_url=endpoint)

    client("secretsmanager").create_secret(Name=SECRET, SecretString="bench-secret-value")
    for name in PARAMETERS:
        client("ssm").put_parameter(Name=name, Value="bench", Type="SecureString")
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "lambda.amazonaws.com"}}],
    }
    role = client("iam").create_role(RoleName="bench", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "ssm:GetParameter",
                "Resource": "arn:aws:ssm:us-east-1:123456789012:parameter/bench/app/*",
            },
            {
                "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": "arn:aws:secretsmanager:us-east-1:123456789012:secret:/bench/app/*",
            },
        ],
    }
    client("iam").put_role_policy(RoleName="bench", PolicyName="read", PolicyDocument=json.dumps(policy))
    client("lambda").create_function(
        FunctionName="bench",
        Runtime="python3.12",
        Role=role,
        Handler="handler.handler",
        Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18},
    )


class SimulatedClock:
    """A clock the caches read instead of the real one, advanced by the invocation loop."""

    def __init__(self) -> None:
        self.offset = 0.0
        self.sleep = time.sleep
        self.perf_counter = time.perf_counter

    def monotonic(self) -> float:
        return time.monotonic() + self.offset

    def now(self) -> Any:
        from datetime import datetime, timedelta

        return datetime.now() + timedelta(seconds=self.offset)


def _invocations(clock: SimulatedClock, read_all: Callable[[], None]) -> None:
    for _ in range(INVOCATIONS):
        read_all()
        clock.offset += WINDOW_SECONDS / INVOCATIONS


@contextmanager
def extension_emulator(clock: SimulatedClock) -> Iterator[str]:
    """The extension emulation on a free port, reading through the proxy, its cache on the simulated clock."""
    import socket

    from scripts.sandbox import extension_emulator as emulation

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    emulation.time = clock  # type: ignore[attr-defined]  (its cache reads time.monotonic())
    settings = emulation.Settings(http_port=port)
    emulator = emulation.Emulator(settings, emulation.Backend("bench", settings), "bench-token")
    emulator.invoked.set()
    server = emulation.make_server(emulator)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield str(port)
    finally:
        server.shutdown()
        server.server_close()
        emulation.time = time  # type: ignore[attr-defined]


def api_calls() -> tuple[dict[str, int], dict[str, float]]:
    """Billed API calls of 1,000 warm invocations per approach; and warm read latencies (microseconds)."""
    import boto3

    sys.path.insert(0, str(ROOT / "lambda_src"))
    import secrets_client

    calls: dict[str, int] = {}
    latency: dict[str, float] = {}
    with sandbox() as (_, proxy):
        clock = SimulatedClock()
        with extension_emulator(clock) as port:
            os.environ.update({"PARAMETERS_SECRETS_EXTENSION_HTTP_PORT": port, "AWS_SESSION_TOKEN": "bench-token"})
            secrets_client.time = clock  # type: ignore[attr-defined]
            client = secrets_client.SecretsClient(backend="extension")
            proxy.counts.clear()
            _invocations(clock, lambda: (client.get_secret(SECRET), *(client.get_parameter(p) for p in PARAMETERS)))
            calls["this client + extension (TTL 300 s)"] = proxy.billed()
            secrets_client.time = time  # type: ignore[attr-defined]
            latency["client cache hit"] = _median_us(lambda: client.get_secret(SECRET), 2000)
            latency["emulated extension (its cache warm)"] = _median_us(lambda: client.get_secret(SECRET, max_age=0), 300)

        sm, ssm = boto3.client("secretsmanager"), boto3.client("ssm")
        proxy.counts.clear()
        _invocations(
            clock,
            lambda: (sm.get_secret_value(SecretId=SECRET), *(ssm.get_parameter(Name=p, WithDecryption=True) for p in PARAMETERS)),
        )
        calls["naive boto3 (no cache)"] = proxy.billed()
        latency["direct SDK call (boto3 to the sandbox)"] = _median_us(lambda: sm.get_secret_value(SecretId=SECRET), 300)

        from aws_lambda_powertools.utilities import parameters
        from aws_lambda_powertools.utilities.parameters import base

        base.datetime = clock  # type: ignore[attr-defined]  (its cache reads datetime.now())
        proxy.counts.clear()
        _invocations(
            clock, lambda: (parameters.get_secret(SECRET), *(parameters.get_parameter(p, decrypt=True) for p in PARAMETERS))
        )
        from aws_lambda_powertools.utilities.parameters import constants

        calls[f"Powertools (defaults: {constants.DEFAULT_MAX_AGE_SECS} s cache)"] = proxy.billed()
        latency["Powertools cache hit"] = _median_us(lambda: parameters.get_secret(SECRET), 2000)

        from aws_secretsmanager_caching import SecretCache

        cache = SecretCache(client=sm)
        proxy.counts.clear()
        _invocations(clock, lambda: cache.get_secret_string(SECRET))
        calls["aws-secretsmanager-caching (secret only, 1 h)"] = proxy.billed() + INVOCATIONS * len(PARAMETERS)
    return calls, latency


def _median_us(call: Callable[[], Any], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1e6


def deploy_times() -> dict[str, float]:
    """`make deploy` in a fresh copy: from clean, then with no change (seconds)."""
    import socket

    with tempfile.TemporaryDirectory(prefix="bench-deploy-") as tmp:
        target = copy_repository(Path(tmp) / "repo")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        env = {**os.environ, "SANDBOX_PORT": str(port), "NO_COLOR": "1"}
        env.pop("AWS_ENDPOINT_URL", None)
        result = {}
        try:
            for label in ("make deploy from clean (venv present)", "make deploy, no change"):
                started = time.perf_counter()
                subprocess.run(["make", "--no-print-directory", "deploy"], cwd=target, env=env, check=True, capture_output=True)
                result[label] = time.perf_counter() - started
        finally:
            subprocess.run(["make", "--no-print-directory", "sandbox-down"], cwd=target, env=env, capture_output=True)
    return result


def report(cold: dict[str, float], calls: dict[str, int], latency: dict[str, float], deploy: dict[str, float]) -> str:
    ours = cold["this handler (lambda_src)"]
    alternatives = {k: v for k, v in cold.items() if not k.startswith(("this handler", "python -c pass"))}
    fastest = min(alternatives, key=alternatives.get)
    lines = [
        "## Benchmarks (one run, side by side)",
        "",
        "### Cold start: process start + import",
        "",
        "| candidate | median ms | vs this handler |",
        "| --- | --- | --- |",
    ]
    lines += [f"| {name} | {value * 1000:.1f} | {value / ours:.1f}x |" for name, value in cold.items()]
    lines += [
        "",
        f"**Goal: at least 5x faster than the fastest alternative ({fastest}): {alternatives[fastest] / ours:.1f}x "
        f"({'met' if alternatives[fastest] / ours >= 5 else 'NOT met'}).**",
        "",
        f"### Billed API calls: {INVOCATIONS:,} warm invocations, 1 secret + 2 parameters each, over {WINDOW_SECONDS:.0f} s",
        "",
        "| approach | calls at the sandbox | vs this project |",
        "| --- | --- | --- |",
    ]
    ours_calls = calls["this client + extension (TTL 300 s)"]
    lines += [f"| {name} | {value:,} | {value / max(ours_calls, 1):.0f}x |" for name, value in calls.items()]
    lines += [
        "",
        f"**Goal: 3, the physical minimum: {ours_calls} ({'met' if ours_calls == 3 else 'NOT met'}).** "
        "aws-secretsmanager-caching reads no parameters: they are counted as uncached reads.",
        "",
        "### Warm read latency",
        "",
        "| read | median µs | vs cache hit |",
        "| --- | --- | --- |",
    ]
    hit = latency["client cache hit"]
    lines += [f"| {name} | {value:,.1f} | {value / hit:,.0f}x |" for name, value in latency.items()]
    if deploy:
        lines += ["", "### Sandbox deploy", "", "| run | seconds |", "| --- | --- |"]
        lines += [f"| {name} | {value:.1f} |" for name, value in deploy.items()]
    lines += ["", f"_Machine: {os.cpu_count()} cores; Python {sys.version.split()[0]}; {time.strftime('%Y-%m-%d')}._", ""]
    return "\n".join(lines)


def chart(cold: dict[str, float], calls: dict[str, int], latency: dict[str, float], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(3, 1, figsize=(9, 10))
    panels = [
        (axes[0], {k: v * 1000 for k, v in cold.items()}, "cold start: process start + import (ms)", False),
        (axes[1], calls, f"billed API calls for {INVOCATIONS:,} warm invocations (log)", True),
        (axes[2], latency, "warm read latency (µs, log)", True),
    ]
    for axis, data, title, log in panels:
        names = list(data)
        bars = axis.barh(names, [data[n] for n in names], color=["#2a7ab0" if i == 0 else "#b0b0b0" for i in range(len(names))])
        axis.invert_yaxis()
        axis.set_title(title, loc="left", fontsize=10)
        if log:
            axis.set_xscale("log")
        axis.bar_label(
            bars,
            labels=[f"{data[n]:,.1f}" if isinstance(data[n], float) else f"{data[n]:,}" for n in names],
            fontsize=8,
            padding=3,
        )
        axis.tick_params(labelsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=11, help="cold-start runs per candidate (default 11)")
    parser.add_argument("--skip-deploy", action="store_true", help="leave out the sandbox deploy timings")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    step(f"cold start ({args.runs} runs each, interleaved)")
    cold = cold_start(args.runs)
    step(f"API calls and warm latency ({INVOCATIONS:,} invocations per approach, simulated {WINDOW_SECONDS:.0f} s window)")
    calls, latency = api_calls()
    deploy = {}
    if not args.skip_deploy:
        step("sandbox make deploy in a fresh copy (about a minute)")
        deploy = deploy_times()
    text = report(cold, calls, latency, deploy)
    (OUT / "bench.md").write_text(text)
    (OUT / "bench.json").write_text(
        json.dumps({"cold_start_s": cold, "api_calls": calls, "warm_latency_us": latency, "deploy_s": deploy}, indent=2)
    )
    chart(cold, calls, latency, OUT / "bench.png")
    print(text)
    say(f"written: {OUT.relative_to(ROOT)}/bench.md, bench.json, bench.png")
    return 0


if __name__ == "__main__":
    run_main(main)
