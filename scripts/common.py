"""Shared pieces of the project's scripts: paths, the one error type, and echoed commands.

Every script turns a `UserError` into one line on stderr (the cause and the fix) and
exit status 2, via `run_main`. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"
SANDBOX_DIR = ROOT / ".sandbox"
VERBOSE = os.environ.get("VERBOSE", "") not in ("", "0")  # VERBOSE=1: show the plumbing too


class UserError(Exception):
    """A problem the user can fix; the message says the cause and the fix."""


def say(message: str) -> None:
    """Print a progress line for people (stderr, so stdout stays for data)."""
    print(message, file=sys.stderr, flush=True)


def detail(message: str) -> None:
    """Print plumbing (commands run, hashes, rewrites) only with VERBOSE=1."""
    if VERBOSE:
        say(message)


def colour(stream: Any) -> bool:
    """True when `stream` is a terminal and NO_COLOR is unset (https://no-color.org)."""
    return stream.isatty() and not os.environ.get("NO_COLOR")


def step(title: str) -> None:
    """Print a step header."""
    say(f"\n==> {title}")


def run(
    argv: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    capture: bool = False,
    check: bool = True,
    echo: bool | None = None,
    show: Callable[[str], bool] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a command, echoing it first (echo None: only with VERBOSE=1). Never pass secret values in argv.

    capture: keep stdout and stderr (returned); show: with capture, also print the output
    lines for which show(line) is true as they come (progress for long steps).
    """
    if echo or (echo is None and VERBOSE):
        where = f" (in {os.path.relpath(cwd, ROOT)})" if cwd else ""
        say(f"$ {shlex.join(str(a) for a in argv)}{where}")
    if show is not None:
        process = subprocess.Popen(
            [str(a) for a in argv],
            cwd=cwd,
            env=dict(env) if env is not None else None,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        lines = []
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if show(line):
                say("  " + line.rstrip())
        result = subprocess.CompletedProcess(argv, process.wait(), "".join(lines), "".join(lines))
    else:
        result = subprocess.run(
            [str(a) for a in argv],
            cwd=cwd,
            env=dict(env) if env is not None else None,
            text=True,
            stdout=subprocess.PIPE if capture else None,
            stderr=subprocess.PIPE if capture else None,
            stdin=subprocess.DEVNULL,
        )
    if check and result.returncode != 0:
        raise UserError(
            f"command failed ({result.returncode}): {shlex.join(str(a) for a in argv)}"
            + (f": {first_error(result.stderr)}" if capture or show else "")
        )
    return result


def first_error(output: str | None) -> str:
    """The first error of a command's output, as one line: Terraform's summary and its detail.

    Terraform writes a diagnostic as the summary ("Error: ..."), the source lines and values
    involved (indented), then the detail paragraph (not indented); boxes (│ ╷ ╵) in colour mode.
    """
    lines = [re.sub(r"^[│╷╵] ?", "", line.rstrip()) for line in (output or "").splitlines()]
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("Error")), None)
    if start is not None:
        rest = lines[start + 1 :]
        first = next((i for i, line in enumerate(rest) if line and not line[0].isspace() and line[0] not in "├"), None)
        detail = []
        for line in rest[first:] if first is not None and not rest[first].startswith("Error") else []:
            if not line.strip():
                break  # the detail is one paragraph, which Terraform wraps over several lines
            detail.append(line.strip())
        return " ".join([lines[start].strip(), *detail]).strip()
    tail = [line.strip() for line in lines if line.strip()]
    return tail[-1] if tail else "no output"


def copy_repository(target: Path) -> Path:
    """A fresh copy of this repository's files (tracked, and untracked but not ignored) at `target`.

    No build/ or .sandbox/; the virtual environments are linked, not copied (they take minutes to make).
    """
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    for name in filter(None, listed):
        if (ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)
    for venv in (".venv", ".venv-checkov"):
        if (ROOT / venv).is_dir():
            (target / venv).symlink_to(ROOT / venv)
    return target


def run_main(main: Callable[[], int]) -> None:
    """Run a script's main(); a UserError becomes one line on stderr and exit 2.

    Every file the command (or a program it starts, such as terraform) creates is private
    (umask 077): plans, plan JSON, state, logs and reviews can hold values in clear.
    """
    os.umask(0o077)
    try:
        code = main()
    except UserError as exc:
        label = "\033[1;31merror:\033[0m" if colour(sys.stderr) else "error:"
        print(f"{label} {exc}", file=sys.stderr)
        code = 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        code = 130
    sys.exit(code)
