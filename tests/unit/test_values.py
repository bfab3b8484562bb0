"""scripts/flows/values.py: values come from stdin or a file, never argv; bad values are refused."""

from __future__ import annotations

import io
from pathlib import Path
from types import SimpleNamespace

import pytest

from scripts.common import UserError
from scripts.deployment import Item
from scripts.flows import values as put_value


def test_value_from_file_loses_one_trailing_newline(tmp_path: Path) -> None:
    """A file written by an editor ends in a newline that is not part of the value."""
    path = tmp_path / "v"
    path.write_text("s3cret\n")
    assert put_value.read_value(str(path)) == "s3cret"
    path.write_text("two\n\n")
    assert put_value.read_value(str(path)) == "two\n"


def test_value_from_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    """Piped stdin is the default source."""
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"from-stdin\r\n")))
    assert put_value.read_value(None) == "from-stdin"


def test_empty_value_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty value is a mistake, not a value."""
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"")))
    with pytest.raises(UserError, match="empty"):
        put_value.read_value(None)


def test_unreadable_file_names_the_file(tmp_path: Path) -> None:
    """A missing file gives the path and the fix, not a traceback."""
    with pytest.raises(UserError, match="cannot read FILE="):
        put_value.read_value(str(tmp_path / "missing"))


def test_oversized_values_are_refused_before_any_call() -> None:
    """Sizes are checked against each service's limit before reaching AWS."""
    app = SimpleNamespace(region="us-east-1", function_name="f", kms_key_arn=None)
    secure, secret = Item("a", "c/d", "/a/b/c/d", "secure_parameter"), Item("a", "c/d", "/a/b/c/d", "secret")
    with pytest.raises(UserError, match="at most 4096"):
        put_value.put(None, app, secure, "x" * 4097)  # type: ignore[arg-type]
    with pytest.raises(UserError, match="at most 65536"):
        put_value.put(None, app, secret, "x" * 65537)  # type: ignore[arg-type]


@pytest.mark.parametrize("raw", [b" \n", b"\t \r\n", b"   "])
def test_whitespace_only_value_is_refused(monkeypatch: pytest.MonkeyPatch, raw: bytes) -> None:
    """Blanks are a mistake (a pasted nothing), not a value."""
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(raw)))
    with pytest.raises(UserError, match="only whitespace"):
        put_value.read_value(None)


def test_non_utf8_value_is_refused_without_echoing_it(tmp_path: Path) -> None:
    """Binary input gets one line (where it stopped being text), never a traceback or the bytes."""
    path = tmp_path / "v"
    path.write_bytes(b"CANARY-\xff\xfe-binary")
    with pytest.raises(UserError, match="not UTF-8 text") as caught:
        put_value.read_value(str(path))
    assert "CANARY" not in str(caught.value)
