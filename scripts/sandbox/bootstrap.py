"""The runtime side of the local runner: import the handler (INIT), then run one invocation.

Started by scripts/sandbox/runner.py as `python -I bootstrap.py CONTROL_FD PATH...` in the
function's own process, with Lambda's environment. Standard library only. It speaks to the
runner over the control pipe (one JSON line per message) and reads the event from stdin;
the handler's own output (stdout, stderr) goes to the function's log, as on Lambda.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
import traceback


class Context:
    """The subset of Lambda's context object handlers use."""

    def __init__(self, request_id: str, deadline_ms: int, function_arn: str) -> None:
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = int(os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"])
        self.invoked_function_arn = function_arn
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.aws_request_id = request_id
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))


def _error(exc: BaseException) -> dict[str, object]:
    return {
        "errorMessage": str(exc),
        "errorType": type(exc).__name__,
        "stackTrace": traceback.format_tb(exc.__traceback__),
    }


def peak_memory_mb() -> int:
    """This process's peak resident memory (VmHWM: since exec, unlike ru_maxrss)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return 0


def main() -> int:
    control = os.fdopen(int(sys.argv[1]), "w", buffering=1)
    sys.path[:0] = sys.argv[2:]  # task root and layer paths first, as on Lambda

    def send(message: dict[str, object]) -> None:
        control.write(json.dumps(message) + "\n")

    module_name, _, function_name = os.environ["_HANDLER"].rpartition(".")
    started = time.monotonic()
    try:
        handler = getattr(importlib.import_module(module_name), function_name)
    except Exception as exc:  # an INIT error is the function's, reported like Lambda does
        traceback.print_exc()
        send({"init_error": _error(exc)})
        return 1
    send({"init_done": True, "init_ms": round((time.monotonic() - started) * 1000, 1)})

    invoke = json.loads(sys.stdin.readline())
    context = Context(invoke["request_id"], invoke["deadline_ms"], invoke["function_arn"])
    try:
        result = handler(invoke["event"], context)
        send({"result": result, "max_memory_mb": peak_memory_mb()})
    except Exception as exc:
        traceback.print_exc()
        send({"error": _error(exc), "max_memory_mb": peak_memory_mb()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
