"""A team's own rules, in Rego (OPA's language), evaluated against the plan JSON offline with regopy.

conftest's conventions: every `.rego` file under the policy folder (default `policy/` at the
repository's root, as conftest uses; `--policy DIR` or $REVIEW_POLICY for another) is
loaded; in each package (`main` or any namespace), the rules `deny`, `violation` and `warn`
are queried with the plan's JSON as `input`. A result is a string (the message) or an
object with `msg`; an object may also carry `severity` (high, medium, low), `address`
(the resource it is about) and `id` (a stable rule ID for SARIF). Without a severity,
`deny` and `violation` are high and `warn` is medium. Each result is a risk (source
"rego"), so it counts toward --fail-on like any other.

A file that does not compile is refused with its file, line and message. rego-cpp (regopy)
reports some errors found while evaluating (a function that does not exist, a rule defined
twice) without a location: those are refused with the file and the line of the rule that
failed. regopy prints its own compile errors on the process's standard output; that output
is captured while a module is added, so the review's single line is what a user sees.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts.common import ROOT, UserError
from scripts.review.model import Risk, Severity

DEFAULT_FOLDER = ROOT / "policy"
ENVIRONMENT = "REVIEW_POLICY"
KINDS = {"deny": Severity.HIGH, "violation": Severity.HIGH, "warn": Severity.MEDIUM}
_PACKAGE = re.compile(r"^\s*package\s+([A-Za-z_][\w.]*)", re.M)
_RULE = re.compile(r"^\s*(deny|violation|warn)\b", re.M)
_ERROR = re.compile(r"\(error\s+\d+:(?P<file>[^|]*)\|(?P<offset>\d+)\|\d+\s*\(errormsg\s+\d+:(?P<message>[^\n]*?)\)\s*\n")
_MESSAGE = re.compile(r"\(errormsg\s+\d+:(?P<message>[^\n]*?)\)\s*\n")
_STDOUT = threading.Lock()


def folder(explicit: Path | None = None) -> Path | None:
    """The policy folder: --policy, else $REVIEW_POLICY, else policy/ when it exists; None when there is none."""
    if explicit is not None:
        return explicit
    if os.environ.get(ENVIRONMENT):
        return Path(os.environ[ENVIRONMENT])
    return DEFAULT_FOLDER if DEFAULT_FOLDER.is_dir() else None


@contextmanager
def _quiet_stdout() -> Iterator[None]:
    """File descriptor 1 into a scratch file for the block (regopy prints compile errors there); other output kept."""
    with _STDOUT:
        sys.stdout.flush()
        saved = os.dup(1)
        with tempfile.TemporaryFile() as scratch:
            os.dup2(scratch.fileno(), 1)
            try:
                yield
            finally:
                sys.stdout.flush()
                os.dup2(saved, 1)
                os.close(saved)
                scratch.seek(0)
                printed = scratch.read().decode(errors="replace")
        if printed and "Errors:" not in printed:
            sys.stdout.write(printed)


def _where(path: Path, text: str, offset: int) -> str:
    line = text.encode()[:offset].count(b"\n") + 1
    column = offset - (text.encode()[:offset].rfind(b"\n") + 1) + 1
    return f"{_shown(path)}:{line}:{column}"


def _shown(path: Path) -> str:
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


@dataclass
class TeamRules:
    """The compiled Rego files of one policy folder."""

    folder: Path
    files: dict[Path, str]  # path -> source
    packages: dict[str, list[Path]]  # package -> its files
    interpreter: Any

    @classmethod
    def load(cls, where: Path) -> TeamRules:
        """Every .rego file under `where`, compiled; a file that does not compile is refused with file:line: message."""
        import regopy

        if not where.is_dir():
            raise UserError(f"policy folder {where} does not exist: create it, or point --policy / ${ENVIRONMENT} elsewhere")
        files = {p: p.read_text() for p in sorted(where.rglob("*.rego"))}
        packages: dict[str, list[Path]] = {}
        interpreter = regopy.Interpreter()
        for path, source in files.items():
            package = _PACKAGE.search(source)
            if package is None:
                raise UserError(f"{_shown(path)}:1: no package declaration; start the file with: package main")
            packages.setdefault(package.group(1), []).append(path)
            try:
                with _quiet_stdout():
                    interpreter.add_module(str(path), source)
            except regopy.RegoError as exc:
                raise UserError(_compile_error(path, source, str(exc))) from None
        return cls(where, files, packages, interpreter)

    def evaluate(self, plan_text: str, addresses: list[str]) -> list[Risk]:
        """Every deny, violation and warn result of every package, as risks (`plan_text`: the plan JSON as written)."""
        if not self.files:
            return []
        # As JSON text, not regopy.Input (a third faster): rego-cpp then hands every string back
        # JSON-escaped, input and policy literals alike, which _unescape decodes.
        self.interpreter.set_input_term(plan_text)
        risks = []
        for package, paths in sorted(self.packages.items()):
            kinds = sorted({k for p in paths for k in _RULE.findall(self.files[p])})
            for kind in kinds:
                for result in self._query(package, kind, paths):
                    risks.append(self._risk(package, kind, result, paths, addresses))
        return risks

    def _query(self, package: str, kind: str, paths: list[Path]) -> list[Any]:
        # regopy's Output parses rego-cpp's JSON text, which is not always valid JSON (a string
        # built by sprintf from concat() keeps unescaped quotes), and it cannot report errors:
        # so the query goes through regopy's C bindings and the result is read node by node.
        from regopy import Node, rego_shared

        raw = rego_shared.rego_query(self.interpreter._impl, f"x := data.{package}.{kind}")
        try:
            text = rego_shared.rego_output_string(raw) if rego_shared.rego_output_ok(raw) else "<error>"
            if text == "undefined":
                return []
            if text.startswith("(error") or text == "<error>":
                raise UserError(self._evaluation_error(package, kind, paths, text))
            value = _python(Node(rego_shared.rego_output_binding_at_index(raw, 0, "x")))
        finally:
            rego_shared.rego_free_output(raw)
        if isinstance(value, dict):  # `deny[msg] { ... }` (Rego v0) reads as a partial object: its keys are the messages
            return sorted(value)
        return list(value or [])

    def _risk(self, package: str, kind: str, result: Any, paths: list[Path], addresses: list[str]) -> Risk:
        where = f"{', '.join(_shown(p) for p in paths)} ({package}.{kind})"
        if isinstance(result, dict):
            message = result.get("msg")
            if not isinstance(message, str):
                raise UserError(f'{where}: a result without a msg string ({json.dumps(result)[:80]}); return {{"msg": ...}}')
            level = result.get("severity")
            if level is None:
                severity = KINDS[kind]
            elif str(level).lower() in Severity._value2member_map_:
                severity = Severity(str(level).lower())
            else:
                raise UserError(f"{where}: severity {level!r} is not high, medium or low; fix the rule's result")
            address = str(result.get("address") or _address_in(message, addresses))
            rule = f"rego:{result['id']}" if result.get("id") else f"rego:{package}/{kind}"
        else:
            message, severity = str(result), KINDS[kind]
            address, rule = _address_in(message, addresses), f"rego:{package}/{kind}"
        return Risk(severity, address, f"team rule {package}.{kind}", message, "rego", rule)

    def _evaluation_error(self, package: str, kind: str, paths: list[Path], text: str) -> str:
        found = _MESSAGE.search(text + "\n")
        message = found.group("message") if found else "rego-cpp gave no detail (a rule defined twice, or a conflict)"
        function = re.search(r"Function not found: ([\w.]+)", message)
        needle = re.compile(rf"\b{re.escape(function.group(1))}\s*\(" if function else rf"^\s*{kind}\b", re.M)
        for path in paths:
            match = needle.search(self.files[path])
            if match:
                return f"{_where(path, self.files[path], len(self.files[path][: match.start()].encode()))}: {message}"
        return f"{_shown(paths[0])}: {message} (package {package}, rule {kind})"


def _python(node: Any) -> Any:
    """A regopy Node as Python values (objects, arrays and sets; sets as lists)."""
    from regopy import Node, NodeKind

    kind = node.kind
    if kind in (NodeKind.Term, NodeKind.Scalar):
        return _python(node.at(0))
    if kind in Node.ValueKinds:
        value = node.value
        return _unescape(value) if isinstance(value, str) else value
    if kind == NodeKind.Array:
        return [_python(node.at(i)) for i in range(len(node))]
    if kind == NodeKind.Set:
        return [_python(child) for child in node._children.values()]
    if kind == NodeKind.Object:
        return {_key(key): _python(child) for key, child in node._children.items()}
    raise UserError(f"a team rule returned a {node.kind_name}; return a string or an object with msg")


def _unescape(value: str) -> str:
    """rego-cpp hands strings over JSON-escaped (a quote as \\"), and concat() as a quoted JSON string; decode both.

    What is neither (sprintf of a concat() keeps raw quotes) is kept as it is.
    """
    for text in (value, f'"{value}"'):
        if text.startswith('"') and text.endswith('"') and len(text) > 1:
            try:
                return str(json.loads(text))
            except ValueError:
                continue
    return value


def _key(text: str) -> str:
    try:
        return str(json.loads(text))
    except ValueError:
        return text.strip('"')


def _compile_error(path: Path, source: str, text: str) -> str:
    found = _ERROR.search(text)
    if not found:
        first = _MESSAGE.search(text + "\n")
        return f"{_shown(path)}:1: {first.group('message') if first else 'does not compile'}"
    return f"{_where(path, source, int(found.group('offset')))}: {found.group('message')}"


def _address_in(message: str, addresses: list[str]) -> str:
    """The longest resource address the message names, or "(plan)"."""
    named = [a for a in addresses if a in message]
    return max(named, key=len) if named else "(plan)"
