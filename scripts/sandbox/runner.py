"""Run a function deployed to the sandbox, as Lambda would, without Docker.

moto stores functions but cannot run them here. The runner takes the function *as
deployed* (its configuration read back from the sandbox: handler, environment, timeout,
memory, layers) and checks that the local artifacts are the deployed ones (the code's
and every layer's SHA-256 against what the sandbox holds). Then, like Lambda:
  - it unpacks the code into a task directory and the layers into an /opt directory;
  - it serves the Extensions API and starts every executable in opt/extensions/ (the
    extension emulation the sandbox function has attached), waiting for them to register;
  - it starts the runtime (scripts/sandbox/bootstrap.py) in its own process with Lambda's
    environment variables and fresh session credentials, imports the handler (INIT),
    sends INVOKE to the extensions and the event to the handler, enforces the timeout,
    measures memory against the memory size, then sends SHUTDOWN.
Logs (handler and extensions) go to .sandbox/logs/<function>.log, with Lambda's
START/END/REPORT lines.

    python -m scripts.sandbox.runner FUNCTION [--event JSON]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import queue
import select
import stat
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
import zipfile
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from scripts.common import ROOT, SANDBOX_DIR, UserError, run_main, say
from scripts.package import LAYER_ZIP, PACKAGES, lambda_hash
from scripts.sandbox import credentials, isolation, server

BOOTSTRAP = Path(__file__).with_name("bootstrap.py")
LOG_DIR = SANDBOX_DIR / "logs"
EXTENSION_INIT_TIMEOUT = 10.0  # Lambda's limit for the INIT phase
SHUTDOWN_GRACE = 2.0


@dataclass
class Invocation:
    """What one run produced."""

    request_id: str
    payload: Any = None
    error: dict[str, Any] | None = None
    duration_ms: float = 0.0
    init_ms: float = 0.0
    max_memory_mb: int = 0
    log_path: Path | None = None
    log_tail: str = ""  # this invocation's lines of the log (START to REPORT)


@dataclass
class _Extension:
    name: str
    events: queue.Queue[dict[str, Any]] = field(default_factory=queue.Queue)
    waiting: threading.Event = field(default_factory=threading.Event)


class ExtensionsApi:
    """Lambda's Extensions API (register, event/next, init/exit errors) on 127.0.0.1."""

    def __init__(self, function_name: str, handler: str) -> None:
        self.extensions: dict[str, _Extension] = {}
        self.errors: list[str] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def _reply(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                if self.path.endswith("/extension/register"):
                    identifier = str(uuid.uuid4())
                    api.extensions[identifier] = _Extension(self.headers.get("Lambda-Extension-Name", "?"))
                    body = {"functionName": function_name, "functionVersion": "$LATEST", "handler": handler}
                    self._reply(200, body, {"Lambda-Extension-Identifier": identifier})
                elif self.path.endswith(("/init/error", "/exit/error")):
                    api.errors.append(self.headers.get("Lambda-Extension-Function-Error-Type", "unknown"))
                    self._reply(202, {})
                else:
                    self._reply(404, {"errorMessage": "unknown path"})

            def do_GET(self) -> None:
                extension = api.extensions.get(self.headers.get("Lambda-Extension-Identifier", ""))
                if not self.path.endswith("/extension/event/next") or extension is None:
                    self._reply(403, {"errorMessage": "unknown extension or path"})
                    return
                extension.waiting.set()
                event = extension.events.get()
                extension.waiting.clear()
                self._reply(200, event)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.server.server_address[1]}"

    def all_waiting(self, count: int) -> bool:
        return len(self.extensions) == count and all(e.waiting.is_set() for e in self.extensions.values())

    def send(self, event: dict[str, Any]) -> None:
        for extension in self.extensions.values():
            extension.events.put(event)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def deployed_function(client: Any, name: str) -> dict[str, Any]:
    """The function's configuration as the sandbox holds it."""
    from botocore.exceptions import ClientError

    try:
        return client.get_function(FunctionName=name)["Configuration"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ResourceNotFoundException":
            raise UserError(f"function {name} does not exist in the sandbox; deploy it first: make deploy") from None
        raise


def artifacts_for(
    client: Any, config: dict[str, Any], code_artifacts: list[Path], layer_artifacts: list[Path]
) -> tuple[Path, list[Path]]:
    """The local code zip and layer zips whose hashes are the deployed ones (picked among the candidates)."""
    by_hash = {lambda_hash(p.read_bytes()): p for p in code_artifacts if p.is_file()}
    code = by_hash.get(config["CodeSha256"])
    if code is None:
        raise UserError(
            f"the deployed code of {config['FunctionName']} is none of the local packages "
            f"({', '.join(sorted({p.name for p in code_artifacts})) or 'none built'}); redeploy with: make deploy"
        )
    layer_by_hash = {lambda_hash(p.read_bytes()): p for p in layer_artifacts if p.is_file()}
    layers = []
    for layer in config.get("Layers", []):
        # arn:aws:lambda:<region>:<account>:layer:<name>:<version> (moto lacks GetLayerVersionByArn)
        name, version = layer["Arn"].split(":")[-2:]
        content = client.get_layer_version(LayerName=name, VersionNumber=int(version))["Content"]
        local = layer_by_hash.get(content["CodeSha256"])
        if local is None:
            raise UserError(f"layer {layer['Arn']} is attached but no local artifact has its hash; redeploy with: make deploy")
        layers.append(local)
    return code, layers


def _unzip(archive: Path, target: Path) -> None:
    with zipfile.ZipFile(archive) as zipped:
        for info in zipped.infolist():
            path = target / info.filename
            zipped.extract(info, target)
            mode = (info.external_attr >> 16) & 0o777
            if mode and not info.is_dir():
                path.chmod(mode)


def lambda_environment(config: dict[str, Any], region: str, task: Path, runtime_api: str, endpoint: str = "") -> dict[str, str]:
    """The variables Lambda sets for a Python function, plus the function's own. The session credentials
    are fresh for each execution environment and stand for the function's role (session name: the
    function's name): the sandbox at `endpoint` knows them as that role session (server.session_credentials)."""
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "_HANDLER": config["Handler"],
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{config['Runtime']}",
        "AWS_LAMBDA_FUNCTION_NAME": config["FunctionName"],
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(config["MemorySize"]),
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{config['FunctionName']}",
        "AWS_LAMBDA_LOG_STREAM_NAME": time.strftime("%Y/%m/%d/[$LATEST]") + uuid.uuid4().hex,
        "AWS_LAMBDA_RUNTIME_API": runtime_api,
        "LAMBDA_TASK_ROOT": str(task),
        "LAMBDA_RUNTIME_DIR": str(BOOTSTRAP.parent),
        **server.session_credentials(endpoint, config["Role"], config["FunctionName"]),
    }
    env.update(config.get("Environment", {}).get("Variables", {}))
    return env


def _read_message(pipe: Any, deadline: float) -> dict[str, Any] | None:
    """One JSON line from the runtime, or None at the deadline or if it closed the pipe."""
    remaining = deadline - time.monotonic()
    if remaining <= 0 or not select.select([pipe], [], [], remaining)[0]:
        return None
    line = pipe.readline()
    return json.loads(line) if line else None


def local_packages() -> list[Path]:
    """Every zip make package built (each app's, the rotation function's): the candidates for a function's code."""
    return sorted(PACKAGES.rglob("*.zip"))


def invoke(
    function_name: str,
    event: Any,
    *,
    endpoint: str,
    region: str = "us-east-1",
    code: list[Path] | None = None,
    layer_artifacts: list[Path] | None = None,
    log_dir: Path | None = None,
) -> Invocation:
    """Run the deployed function once with `event`, in a network namespace of its own where the
    machine allows it (scripts/sandbox/isolation.py), else on the host's loopback.

    code: candidate zips (default: every local package); the one whose hash is deployed runs.
    The function's configuration and artifacts are looked up here, before the namespace: the
    process inside runs the execution environment only and never loads the AWS SDK.
    """
    client = server.client(endpoint, "lambda", region)
    config = deployed_function(client, function_name)
    candidates = local_packages() if code is None else code
    code_zip, layer_zips = artifacts_for(client, config, candidates, [LAYER_ZIP] if layer_artifacts is None else layer_artifacts)
    log_dir = LOG_DIR if log_dir is None else log_dir
    request = {"config": config, "event": event, "endpoint": endpoint, "region": region, "log_dir": str(log_dir)}
    request |= {"code": str(code_zip), "layers": [str(p) for p in layer_zips]}
    if not isolation.available():
        return _invoke_here(**request, isolated=False)
    url = urllib.parse.urlsplit(endpoint)
    with tempfile.TemporaryDirectory(prefix="lambda-ns-") as tmp:
        request_file, result_file = Path(tmp) / "request.json", Path(tmp) / "result.json"
        request["socket"] = str(Path(tmp) / "sandbox.sock")
        request_file.write_text(json.dumps(request, default=str))
        with isolation.unix_to_tcp(Path(request["socket"]), url.hostname or "127.0.0.1", url.port or 80):
            inside = subprocess.run(
                isolation.command([sys.executable, "-m", "scripts.sandbox.runner", "--inside", str(request_file)]),
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
            )
        if not result_file.is_file():
            if not server.port_in_use(url.port or 80):
                raise UserError(f"the sandbox at {endpoint} stopped during the invocation; start it again: make deploy")
            lines = (inside.stderr or "no output").strip().splitlines()
            raise UserError(f"the isolated invocation of {function_name} failed ({lines[-1]}); see {log_dir}")
        answer = json.loads(result_file.read_text())
    if "user_error" in answer:
        raise UserError(answer["user_error"])
    return Invocation(**{**answer, "log_path": Path(answer["log_path"]) if answer.get("log_path") else None})


def _inside(request_file: Path) -> int:
    """The namespace's side of invoke(): loopback up, the relay to the sandbox, the invocation, its result."""
    request = json.loads(request_file.read_text())
    result_file = request_file.with_name("result.json")
    isolation.loopback_up()
    listener = isolation.tcp_to_unix(urllib.parse.urlsplit(request["endpoint"]).port or 80, Path(request.pop("socket")))
    try:
        result = _invoke_here(**request, isolated=True)
        answer = {**asdict(result), "log_path": str(result.log_path) if result.log_path else None}
    except UserError as exc:
        answer = {"user_error": str(exc)}
    finally:
        listener.close()
    result_file.write_text(json.dumps(answer))
    return 0


def _invoke_here(
    config: dict[str, Any], event: Any, endpoint: str, region: str, code: str, layers: list[str], log_dir: str, isolated: bool
) -> Invocation:
    """Run the function `config` describes once, from its artifacts, in this process's network namespace."""
    port = int(config.get("Environment", {}).get("Variables", {}).get("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", 2773))
    with contextlib.nullcontext() if isolated else isolation.port_lock(port):
        with ExecutionEnvironment(config, endpoint, region, Path(log_dir), isolated) as environment:
            environment.unpack(Path(code), [Path(p) for p in layers])
            environment.start_extensions()
            if environment.init() and environment.extensions_ready():
                environment.invoke(event)
        return environment.result


class ExecutionEnvironment:
    """One Lambda execution environment, phase by phase: unpack, start the extensions, INIT, INVOKE, SHUTDOWN.

    A phase that fails records the error in `result` and returns False; leaving the `with`
    block shuts everything down (SHUTDOWN to the extensions) and writes Lambda's END and
    REPORT lines. `result.log_tail` holds this invocation's log lines.
    """

    def __init__(self, config: dict[str, Any], endpoint: str, region: str, log_dir: Path, isolated: bool) -> None:
        self.config, self.endpoint, self.region, self.isolated = config, endpoint, region, isolated
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = log_dir / f"{config['FunctionName']}.log"
        self.result = Invocation(request_id=str(uuid.uuid4()), log_path=self.log_path)
        self._stack = contextlib.ExitStack()
        self.processes: list[subprocess.Popen[bytes]] = []
        self.runtime: subprocess.Popen[str] | None = None
        self.control: Any = None
        self.started = 0.0

    def __enter__(self) -> ExecutionEnvironment:
        self._log_start = self.log_path.stat().st_size if self.log_path.exists() else 0
        self.log = self._stack.enter_context(self.log_path.open("a"))
        tmp = Path(self._stack.enter_context(tempfile.TemporaryDirectory(prefix="lambda-")))
        self.task, self.opt = tmp / "task", tmp / "opt"
        self.task.mkdir()
        self.opt.mkdir()
        self.api = ExtensionsApi(self.config["FunctionName"], self.config["Handler"])
        # Every AWS SDK call, the extension emulation's and the function's own, goes to the sandbox.
        self.env = {
            **lambda_environment(self.config, self.region, self.task, self.api.address, self.endpoint),
            "AWS_ENDPOINT_URL": self.endpoint,
        }
        network = "its own network namespace" if self.isolated else "the host's loopback (no user namespaces here)"
        self.log.write(f"START RequestId: {self.result.request_id} Version: $LATEST (sandbox: {network})\n")
        self.log.flush()
        return self

    def unpack(self, code: Path, layers: list[Path]) -> None:
        """The code into the task directory, the layers into /opt, as Lambda lays them out."""
        _unzip(code, self.task)
        for layer in layers:
            _unzip(layer, self.opt)

    def start_extensions(self) -> None:
        """Every executable in /opt/extensions, started with the function's environment."""
        extensions_dir = self.opt / "extensions"
        executables = (
            sorted(p for p in extensions_dir.glob("*") if p.is_file() and p.stat().st_mode & stat.S_IXUSR)
            if extensions_dir.is_dir()
            else []
        )
        # The extension emulation decides the extension path itself; its own lookups are signed with a session of its
        # own (credentials.MACHINERY_ROLE), given to extension processes only: the handler's SDK calls are the function's.
        machinery = server.session_credentials(self.endpoint, credentials.MACHINERY_ROLE, "extension-emulation")
        env = {**self.env, **{credentials.MACHINERY_ENV + name: value for name, value in machinery.items()}}
        self.processes = [
            subprocess.Popen([str(p)], env=env, cwd=self.opt, stdout=self.log, stderr=self.log, stdin=subprocess.DEVNULL)
            for p in executables
        ]

    def init(self) -> bool:
        """Start the runtime and import the handler (INIT); False with the error recorded if it fails."""
        control_r, control_w = os.pipe()
        runtime_paths = [str(self.task), str(self.opt / "python")]
        self.runtime = subprocess.Popen(
            [sys.executable, "-I", str(BOOTSTRAP), str(control_w), *runtime_paths],
            env=self.env,
            cwd=self.task,
            stdin=subprocess.PIPE,
            stdout=self.log,
            stderr=self.log,
            pass_fds=(control_w,),
            text=True,
        )
        os.close(control_w)
        self.control = os.fdopen(control_r)
        self.started = time.monotonic()
        init = _read_message(self.control, self.started + EXTENSION_INIT_TIMEOUT)
        if init is None or "init_error" in init:
            self.result.error = (init or {}).get("init_error") or {
                "errorType": "Runtime.InitError",
                "errorMessage": "the runtime did not finish INIT",
            }
            return False
        self.result.init_ms = init["init_ms"]
        return True

    def extensions_ready(self) -> bool:
        """Every extension registered and waits for its next event (Lambda's INIT ends there)."""
        while not self.api.all_waiting(len(self.processes)):
            dead = [p for p in self.processes if p.poll() is not None]
            if dead or time.monotonic() - self.started > EXTENSION_INIT_TIMEOUT:
                self.result.error = {
                    "errorType": "Extension.InitError",
                    "errorMessage": f"an extension did not register and wait for events; see {self.log_path}",
                }
                return False
            time.sleep(0.01)
        return True

    def invoke(self, event: Any) -> None:
        """INVOKE to the extensions, the event to the handler; the timeout enforced."""
        timeout = int(self.config["Timeout"])
        deadline_ms = int(time.time() * 1000) + timeout * 1000
        invoked_at = time.monotonic()
        arn, request_id = self.config["FunctionArn"], self.result.request_id
        self.api.send({"eventType": "INVOKE", "deadlineMs": deadline_ms, "requestId": request_id, "invokedFunctionArn": arn})
        assert self.runtime is not None and self.runtime.stdin is not None
        message = {"event": event, "request_id": request_id, "deadline_ms": deadline_ms, "function_arn": arn}
        self.runtime.stdin.write(json.dumps(message) + "\n")
        self.runtime.stdin.flush()
        answer = _read_message(self.control, invoked_at + timeout)
        self.result.duration_ms = round((time.monotonic() - invoked_at) * 1000, 1)
        if answer is None:
            self.runtime.kill()
            self.result.error = {"errorType": "Sandbox.Timeout", "errorMessage": f"Task timed out after {timeout:.2f} seconds"}
            return
        self.result.max_memory_mb = answer["max_memory_mb"]
        if "error" in answer:
            self.result.error = answer["error"]
        else:
            self.result.payload = answer["result"]

    def _shutdown(self) -> None:
        """The runtime ends, SHUTDOWN goes to the extensions, and nothing outlives the environment."""
        if self.runtime is not None:
            if self.runtime.stdin:
                self.runtime.stdin.close()
            try:
                self.runtime.wait(timeout=SHUTDOWN_GRACE)
            except subprocess.TimeoutExpired:
                self.runtime.kill()
                self.runtime.wait()
        self.api.send({"eventType": "SHUTDOWN", "shutdownReason": "spindown", "deadlineMs": int(time.time() * 1000) + 2000})
        for process in self.processes:
            try:
                process.wait(timeout=SHUTDOWN_GRACE)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.api.close()
        if self.control is not None:
            self.control.close()

    def __exit__(self, *exc: object) -> None:
        try:
            self._shutdown()
            result, memory = self.result, int(self.config["MemorySize"])
            if result.error is None and result.max_memory_mb > memory:
                result.error = {
                    "errorType": "Runtime.OutOfMemory",
                    "errorMessage": f"used {result.max_memory_mb} MB of {memory} MB",
                }
            self.log.write(f"END RequestId: {result.request_id}\n")
            self.log.write(
                f"REPORT RequestId: {result.request_id}\tDuration: {result.duration_ms} ms\tMemory Size: {memory} MB\t"
                f"Max Memory Used: {result.max_memory_mb} MB\tInit Duration: {result.init_ms} ms\n"
            )
            self.log.flush()
            with self.log_path.open(errors="replace") as log:
                log.seek(self._log_start)
                result.log_tail = log.read()
        finally:
            self._stack.close()


def main() -> int:
    if sys.argv[1:2] == ["--inside"]:  # invoke()'s own re-entry inside the namespace
        return _inside(Path(sys.argv[2]))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("function", help="name of the deployed function")
    parser.add_argument("--event", default="{}", help="the event, as JSON (default {})")
    args = parser.parse_args()
    try:
        event = json.loads(args.event)
    except ValueError as exc:
        raise UserError(f"--event is not JSON ({exc}); e.g. --event '{{\"key\": 1}}'") from None
    outcome = invoke(args.function, event, endpoint=server.require_up())
    say(
        f"duration {outcome.duration_ms} ms, init {outcome.init_ms} ms, "
        f"max memory {outcome.max_memory_mb} MB, log {outcome.log_path}"
    )
    print(json.dumps(outcome.payload if outcome.error is None else {"error": outcome.error}, indent=2))
    return 0 if outcome.error is None else 1


if __name__ == "__main__":
    run_main(main)
