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
from scripts.package import FUNCTION_ZIP, LAYER_ZIP, lambda_hash
from scripts.sandbox import isolation, server

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


def artifacts_for(client: Any, config: dict[str, Any], code: Path, layer_artifacts: list[Path]) -> tuple[Path, list[Path]]:
    """The local code zip and layer zips, each checked against the deployed hash."""
    if not code.is_file():
        raise UserError(f"{code} is missing; build it with: make package")
    if lambda_hash(code.read_bytes()) != config["CodeSha256"]:
        raise UserError(f"the deployed code of {config['FunctionName']} is not {code}; redeploy with: make deploy")
    by_hash = {lambda_hash(p.read_bytes()): p for p in layer_artifacts if p.is_file()}
    layers = []
    for layer in config.get("Layers", []):
        # arn:aws:lambda:<region>:<account>:layer:<name>:<version> (moto lacks GetLayerVersionByArn)
        name, version = layer["Arn"].split(":")[-2:]
        content = client.get_layer_version(LayerName=name, VersionNumber=int(version))["Content"]
        local = by_hash.get(content["CodeSha256"])
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


def invoke(
    function_name: str,
    event: Any,
    *,
    endpoint: str,
    region: str = "us-east-1",
    code: Path = FUNCTION_ZIP,
    layer_artifacts: list[Path] | None = None,
) -> Invocation:
    """Run the deployed function once with `event`, in a network namespace of its own where the
    machine allows it (scripts/sandbox/isolation.py), else on the host's loopback."""
    layers = [LAYER_ZIP] if layer_artifacts is None else layer_artifacts
    request = {"function": function_name, "event": event, "endpoint": endpoint, "region": region}
    request |= {"code": str(code), "layers": [str(p) for p in layers]}
    if not isolation.available():
        return _invoke_here(**request, isolated=False)
    url = urllib.parse.urlsplit(endpoint)
    with tempfile.TemporaryDirectory(prefix="lambda-ns-") as tmp:
        request_file, result_file = Path(tmp) / "request.json", Path(tmp) / "result.json"
        request["socket"] = str(Path(tmp) / "sandbox.sock")
        request["log_dir"] = str(LOG_DIR)
        request_file.write_text(json.dumps(request))
        with isolation.unix_to_tcp(Path(request["socket"]), url.hostname or "127.0.0.1", url.port or 80):
            inside = subprocess.run(
                isolation.command([sys.executable, "-m", "scripts.sandbox.runner", "--inside", str(request_file)]),
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
            )
        if not result_file.is_file():
            if not server.healthy(url.port or 80):
                raise UserError(f"the sandbox at {endpoint} stopped during the invocation; start it again: make deploy")
            lines = (inside.stderr or "no output").strip().splitlines()
            raise UserError(f"the isolated invocation of {function_name} failed ({lines[-1]}); see {LOG_DIR}")
        answer = json.loads(result_file.read_text())
    if "user_error" in answer:
        raise UserError(answer["user_error"])
    return Invocation(**{**answer, "log_path": Path(answer["log_path"]) if answer.get("log_path") else None})


def _inside(request_file: Path) -> int:
    """The namespace's side of invoke(): loopback up, the relay to the sandbox, the invocation, its result."""
    global LOG_DIR  # the caller's (a test may point it elsewhere)
    request = json.loads(request_file.read_text())
    LOG_DIR = Path(request.pop("log_dir"))
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
    function: str, event: Any, endpoint: str, region: str, code: str, layers: list[str], isolated: bool
) -> Invocation:
    """Run the deployed function once, in this process's network namespace."""
    client = server.client(endpoint, "lambda", region)
    config = deployed_function(client, function)
    port = int(config.get("Environment", {}).get("Variables", {}).get("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", 2773))
    with contextlib.nullcontext() if isolated else isolation.port_lock(port):
        return _run(client, config, event, endpoint, region, Path(code), [Path(p) for p in layers], isolated)


def _run(
    client: Any,
    config: dict[str, Any],
    event: Any,
    endpoint: str,
    region: str,
    code: Path,
    layer_artifacts: list[Path],
    isolated: bool,
) -> Invocation:
    """One invocation of the function described by `config` (the INIT, INVOKE and SHUTDOWN phases)."""
    function_name = config["FunctionName"]
    code, layers = artifacts_for(client, config, code, layer_artifacts)
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log_path = LOG_DIR / f"{function_name}.log"
    request_id = str(uuid.uuid4())
    result = Invocation(request_id=request_id, log_path=log_path)

    with tempfile.TemporaryDirectory(prefix="lambda-") as tmp, log_path.open("a") as log:
        task, opt = Path(tmp) / "task", Path(tmp) / "opt"
        task.mkdir()
        opt.mkdir()
        _unzip(code, task)
        for layer in layers:
            _unzip(layer, opt)
        api = ExtensionsApi(function_name, config["Handler"])
        # Every AWS SDK call, the extension emulation's and the function's own, goes to the sandbox.
        env = {**lambda_environment(config, region, task, api.address, endpoint), "AWS_ENDPOINT_URL": endpoint}
        extensions_dir = opt / "extensions"
        executables = (
            sorted(p for p in extensions_dir.glob("*") if p.is_file() and p.stat().st_mode & stat.S_IXUSR)
            if extensions_dir.is_dir()
            else []
        )
        network = "its own network namespace" if isolated else "the host's loopback (no user namespaces here)"
        log.write(f"START RequestId: {request_id} Version: $LATEST (sandbox: {network})\n")
        log.flush()
        processes = [
            subprocess.Popen([str(p)], env=env, cwd=opt, stdout=log, stderr=log, stdin=subprocess.DEVNULL) for p in executables
        ]
        control_r, control_w = os.pipe()
        runtime_paths = [str(task), str(opt / "python")]
        runtime = subprocess.Popen(
            [sys.executable, "-I", str(BOOTSTRAP), str(control_w), *runtime_paths],
            env=env,
            cwd=task,
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=log,
            pass_fds=(control_w,),
            text=True,
        )
        os.close(control_w)
        control = os.fdopen(control_r)
        try:
            started = time.monotonic()
            init = _read_message(control, started + EXTENSION_INIT_TIMEOUT)
            if init is None or "init_error" in init:
                result.error = (init or {}).get("init_error") or {
                    "errorType": "Runtime.InitError",
                    "errorMessage": "the runtime did not finish INIT",
                }
                return result
            result.init_ms = init["init_ms"]
            while not api.all_waiting(len(processes)):
                dead = [p for p in processes if p.poll() is not None]
                if dead or time.monotonic() - started > EXTENSION_INIT_TIMEOUT:
                    result.error = {
                        "errorType": "Extension.InitError",
                        "errorMessage": f"an extension did not register and wait for events; see {log_path}",
                    }
                    return result
                time.sleep(0.01)
            deadline_ms = int(time.time() * 1000) + int(config["Timeout"]) * 1000
            invoked_at = time.monotonic()
            api.send(
                {
                    "eventType": "INVOKE",
                    "deadlineMs": deadline_ms,
                    "requestId": request_id,
                    "invokedFunctionArn": config["FunctionArn"],
                }
            )
            runtime.stdin.write(
                json.dumps(
                    {"event": event, "request_id": request_id, "deadline_ms": deadline_ms, "function_arn": config["FunctionArn"]}
                )
                + "\n"
            )
            runtime.stdin.flush()
            message = _read_message(control, invoked_at + int(config["Timeout"]))
            result.duration_ms = round((time.monotonic() - invoked_at) * 1000, 1)
            if message is None:
                runtime.kill()
                result.error = {
                    "errorType": "Sandbox.Timeout",
                    "errorMessage": f"Task timed out after {int(config['Timeout']):.2f} seconds",
                }
            else:
                result.max_memory_mb = message["max_memory_mb"]
                if "error" in message:
                    result.error = message["error"]
                else:
                    result.payload = message["result"]
        finally:
            if runtime.stdin:
                runtime.stdin.close()
            try:
                runtime.wait(timeout=SHUTDOWN_GRACE)
            except subprocess.TimeoutExpired:
                runtime.kill()
                runtime.wait()
            api.send({"eventType": "SHUTDOWN", "shutdownReason": "spindown", "deadlineMs": int(time.time() * 1000) + 2000})
            for process in processes:
                try:
                    process.wait(timeout=SHUTDOWN_GRACE)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            api.close()
            control.close()
        if result.error is None and result.max_memory_mb > int(config["MemorySize"]):
            result.error = {
                "errorType": "Runtime.OutOfMemory",
                "errorMessage": f"used {result.max_memory_mb} MB of {config['MemorySize']} MB",
            }
        log.write(f"END RequestId: {request_id}\n")
        log.write(
            f"REPORT RequestId: {request_id}\tDuration: {result.duration_ms} ms\tMemory Size: {config['MemorySize']} MB\t"
            f"Max Memory Used: {result.max_memory_mb} MB\tInit Duration: {result.init_ms} ms\n"
        )
    return result


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
