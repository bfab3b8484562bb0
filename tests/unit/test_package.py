"""scripts/package.py: the same sources give the same zip bytes."""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

import pytest

from scripts import config, package
from scripts.common import UserError

ROOT = Path(__file__).resolve().parents[2]


def _copy_sources(target: Path, mtime: int) -> Path:
    shutil.copytree(ROOT / "lambda_src", target, ignore=shutil.ignore_patterns("__pycache__"))
    for path in target.rglob("*"):
        os.utime(path, (mtime, mtime))
    return target


def test_same_sources_same_bytes_whatever_the_timestamps(tmp_path: Path) -> None:
    """Two copies with different mtimes (and a stray cache) zip to identical bytes."""
    first = _copy_sources(tmp_path / "a", 1_000_000_000)
    second = _copy_sources(tmp_path / "b", 1_700_000_000)
    (second / "__pycache__").mkdir()
    (second / "__pycache__" / "handler.cpython-311.pyc").write_bytes(b"cache")
    (second / "stray.pyc").write_bytes(b"cache")
    assert package.zip_bytes(package.tree_files(first)) == package.zip_bytes(package.tree_files(second))


def test_changed_source_changes_the_hash(tmp_path: Path) -> None:
    """One byte changed in a source file changes the Lambda code hash."""
    source = _copy_sources(tmp_path / "a", 1_000_000_000)
    before = package.lambda_hash(package.zip_bytes(package.tree_files(source)))
    (source / "handler.py").write_text((source / "handler.py").read_text() + "\n")
    assert package.lambda_hash(package.zip_bytes(package.tree_files(source))) != before


def test_entries_sorted_with_fixed_time_and_modes(tmp_path: Path) -> None:
    """Entries are sorted, dated 1980-01-01, 0644 for files and 0755 for executables."""
    (tmp_path / "b.py").write_text("b")
    (tmp_path / "a.py").write_text("a")
    tool = tmp_path / "tool"
    tool.write_text("#!/bin/sh\n")
    tool.chmod(0o755)
    data = package.zip_bytes(package.tree_files(tmp_path))
    out = tmp_path / "out.zip"
    out.write_bytes(data)
    with zipfile.ZipFile(out) as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == ["a.py", "b.py", "tool"]
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert [(i.external_attr >> 16) & 0o777 for i in infos] == [0o644, 0o644, 0o755]


def test_layer_has_the_extension_executable_where_lambda_looks() -> None:
    """The emulation layer puts an executable under extensions/, as Lambda expects."""
    data = package.zip_bytes(package.LAYER_FILES)
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"layer-{os.getpid()}.zip"
    path.write_bytes(data)
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("extensions/parameters-secrets-emulator")
            assert (info.external_attr >> 16) & 0o111
            assert "emulator/scripts/sandbox/extension_emulator.py" in archive.namelist()
    finally:
        path.unlink()


def test_write_if_changed_leaves_identical_file_alone(tmp_path: Path) -> None:
    """Writing the same bytes again does not touch the file."""
    target = tmp_path / "f.zip"
    assert package.write_if_changed(target, b"x") is True
    os.utime(target, (1, 1))
    assert package.write_if_changed(target, b"x") is False
    assert target.stat().st_mtime == 1
    assert package.write_if_changed(target, b"y") is True


def _code(tmp_path: Path, handler: str, text: str) -> config.AppCode:
    source = tmp_path / "apps" / "billing"
    source.mkdir(parents=True, exist_ok=True)
    (source / "main.py").write_text(text)
    return config.AppCode("billing", source, handler)


def test_a_handler_naming_a_missing_file_or_function_is_refused_before_packaging(tmp_path: Path) -> None:
    """handler = "main.hanlder": one line naming the function, the file and the name meant, before any zip is
    written (it would deploy a function that fails at every invocation); a missing file likewise."""
    code = _code(tmp_path, "main.hanlder", "import json\n\n\ndef handler(event, context):\n    return json.dumps(event)\n")
    with pytest.raises(
        UserError, match=r'names hanlder, which .*apps/billing/main.py does not define; did you mean "main.handler"\?'
    ):
        package.app_files(code)
    with pytest.raises(UserError, match=r"needs .*apps/billing/other.py, which is missing"):
        package.app_files(config.AppCode("billing", code.source, "other.handler"))
    with pytest.raises(UserError, match=r"handler 'handler' is not <file>.<function>"):
        package.app_files(config.AppCode("billing", code.source, "handler"))


@pytest.mark.parametrize(
    "text",
    [
        "def handler(event, context):\n    return 1\n",
        "async def handler(event, context):\n    return 1\n",
        "from impl import run as handler\n",
        "import impl\nhandler = impl.make()\n",
        "try:\n    from fast import handler\nexcept ImportError:\n    from slow import handler\n",
        "from impl import *\n",  # cannot be told without running it: not refused
        "def __getattr__(name):\n    return lambda event, context: name\n",  # PEP 562: likewise
        "for name in ('handler',):\n    globals()[name] = print\n",  # bound by globals(): likewise
        "def handler(event, context):\n    match event:\n        case {'a': b}: return b\n    return (x := 1)\n",
        "def f(:\n",  # a syntax this Python does not read (the runtime's may be newer): not refused here
    ],
)
def test_a_handler_bound_any_way_at_top_level_passes(tmp_path: Path, text: str) -> None:
    """def, async def, an import alias, an assignment, inside try: each binds the name; a star import or a file
    this Python cannot parse is let through (Lambda tells at INIT)."""
    assert "main.py" in package.app_files(_code(tmp_path, "main.handler", text))
