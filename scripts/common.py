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
from dataclasses import dataclass
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


# Terraform's diagnostics, as its human-readable output prints them (with -no-color, or boxed
# │ ╷ ╵ and coloured without it): "Error: <summary>" (one line or more), a blank line, then
# where (optional: "  with <address>," and "  on <file> line <n>, in <block>:" followed by the
# source lines and the values involved, all indented), then the detail paragraphs.
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_LOCATION = re.compile(r"^  on (?P<file>.+?) line (?P<line>\d+)(?:, in (?P<context>.+?))?:$")
_ADDRESS = re.compile(r"^  with (?P<address>.+?),$")
_START = re.compile(r"^(?P<severity>Error|Warning): ?(?P<text>.*)$")


@dataclass(frozen=True)
class Diagnostic:
    """One of Terraform's diagnostics: summary, detail paragraphs, and where it points (if it does)."""

    severity: str  # "Error" or "Warning"
    summary: str
    detail: tuple[str, ...] = ()  # paragraphs, each with its line breaks (lists, Lock Info) kept
    file: str | None = None  # as Terraform names it: relative to the root it ran in, or absolute
    line: int | None = None
    context: str | None = None  # 'module "stack"', 'resource "aws_iam_role" "this"'
    address: str | None = None  # the resource or provider instance (runtime errors only)

    @property
    def text(self) -> str:
        """Summary and detail as one string (newlines kept), for searching."""
        return "\n".join([self.summary, *self.detail])

    def one_line(self) -> str:
        """The whole diagnostic on one line: 'Error: <summary> (on <file> line <n>, in <block>): <detail>'.

        The source lines and values Terraform shows under the location are left out; every
        detail paragraph is kept.
        """
        where = ""
        if self.file is not None:
            where = f" (on {self.file} line {self.line}{f', in {self.context}' if self.context else ''})"
        detail = " ".join(" ".join(paragraph.split()) for paragraph in self.detail)
        summary = " ".join(self.summary.split())
        return f"{self.severity}: {summary}{where}" + (f": {detail}" if detail else "")


def _plain_lines(output: str) -> list[str]:
    """Output lines without colour codes and box characters; an opening box (╷) becomes the marker \x01,
    a closing one (╵) \x00."""
    lines = []
    for raw in _ANSI.sub("", output).splitlines():
        line = raw.rstrip()
        if line.startswith("╵"):
            lines.append("\x00")
        elif line.startswith("╷"):
            lines.append("\x01")
        else:
            lines.append(re.sub(r"^│ ?", "", line))
    return lines


def _starts(lines: list[str]) -> list[int]:
    """Where each diagnostic starts. Boxed output: the first line after each opening box. Plain output: each
    'Error:'/'Warning:' line, except one that follows a summary after exactly one blank line: that is the
    detail (Terraform writes "\nError: <summary>\n\n<detail>\n", and a detail may itself read "Error: ...")."""
    if "\x01" in lines:
        return [i + 1 for i, line in enumerate(lines) if line == "\x01" and i + 1 < len(lines) and _START.match(lines[i + 1])]
    starts: list[int] = []
    for i, line in enumerate(lines):
        if not _START.match(line):
            continue
        if starts:
            end = starts[-1]
            while end < len(lines) and lines[end].strip():
                end += 1  # the previous summary's last line + 1
            if i == end + 1 and not lines[end].strip():
                continue
        starts.append(i)
    return starts


def plain_text(output: str | None) -> str:
    """A command's output without colour codes and Terraform's box characters."""
    return "\n".join(line for line in _plain_lines(output or "") if line not in ("\x00", "\x01"))


def diagnostics(output: str | None, severity: str = "Error") -> list[Diagnostic]:
    """Terraform's diagnostics of `severity` in a command's output, in order."""
    lines = _plain_lines(output or "")
    starts = _starts(lines)
    found = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        body = lines[start:end]
        for marker in ("\x00", "\x01"):
            if marker in body:
                body = body[: body.index(marker)]
        match = _START.match(body[0])
        assert match is not None
        if match["severity"] != severity:
            continue
        summary, rest = [match["text"]], body[1:]
        while rest and rest[0].strip():  # a summary may run over several lines (a provider's error)
            summary.append(rest.pop(0))
        fields: dict[str, Any] = {}
        paragraphs: list[list[str]] = [[]]
        in_source = False
        for line in rest:
            address, location = _ADDRESS.match(line), _LOCATION.match(line)
            if address and "file" not in fields:
                fields["address"] = address["address"]
            elif location and "file" not in fields:
                fields.update(file=location["file"], line=int(location["line"]), context=location["context"])
                in_source = True  # the source lines and values below it, up to a blank line
            elif not line.strip():
                in_source = False
                if paragraphs[-1]:
                    paragraphs.append([])
            elif not in_source:
                paragraphs[-1].append(line)
        detail = tuple("\n".join(p).strip() for p in paragraphs if p)
        found.append(Diagnostic(match["severity"], "\n".join(summary).strip(), detail, **fields))
    return found


def first_error(output: str | None) -> str:
    """The first error of a command's output, as one line: Terraform's whole first diagnostic
    (Diagnostic.one_line), else the last line printed."""
    errors = diagnostics(output)
    if errors:
        return errors[0].one_line()
    tail = [line.strip() for line in plain_text(output).splitlines() if line.strip()]
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
