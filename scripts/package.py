"""Build the function's zip (and the sandbox's extension layer) reproducibly.

    python -m scripts.package          (make package)

Same sources, same bytes: entries sorted, every timestamp 1980-01-01, modes 0644
(0755 for executables), no caches or compiled files, fixed compression. So an
unchanged function gives an unchanged `source_code_hash` and Terraform plans nothing.

  build/function.zip         lambda_src/ (the handler and its stdlib-only client)
  build/extension-layer.zip  the sandbox's emulation of the extension, laid out as a
                             Lambda extension layer (extensions/<name> is the executable)
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import os
import zipfile
from pathlib import Path

from scripts.common import BUILD, ROOT, detail, run_main, say

FIXED_TIME = (1980, 1, 1, 0, 0, 0)
SKIP_DIRS = {"__pycache__", ".pytest_cache", ".mypy_cache"}
SKIP_SUFFIXES = {".pyc", ".pyo"}

FUNCTION_SOURCE = ROOT / "lambda_src"
FUNCTION_ZIP = BUILD / "function.zip"
LAYER_ZIP = BUILD / "extension-layer.zip"
# The layer: the launcher Lambda would start, and the Python package it runs.
LAYER_FILES = {
    "extensions/parameters-secrets-emulator": ROOT / "scripts/sandbox/extension_launcher",
    "emulator/scripts/__init__.py": ROOT / "scripts/__init__.py",
    "emulator/scripts/sandbox/__init__.py": ROOT / "scripts/sandbox/__init__.py",
    "emulator/scripts/sandbox/extension_emulator.py": ROOT / "scripts/sandbox/extension_emulator.py",
    "emulator/scripts/iam/__init__.py": ROOT / "scripts/iam/__init__.py",
    "emulator/scripts/iam/authorizer.py": ROOT / "scripts/iam/authorizer.py",
    "emulator/scripts/iam/context.py": ROOT / "scripts/iam/context.py",
    "emulator/scripts/iam/policy.py": ROOT / "scripts/iam/policy.py",
    "emulator/scripts/iam/roles.py": ROOT / "scripts/iam/roles.py",
}


def tree_files(source: Path) -> dict[str, Path]:
    """Every file under `source` worth shipping, keyed by its path in the archive."""
    files = {}
    for directory, subdirs, names in os.walk(source):
        subdirs[:] = [d for d in subdirs if d not in SKIP_DIRS and not d.startswith(".")]
        for name in names:
            path = Path(directory) / name
            if path.suffix in SKIP_SUFFIXES or name.startswith("."):
                continue
            files[path.relative_to(source).as_posix()] = path
    return files


def zip_bytes(files: dict[str, Path]) -> bytes:
    """A deterministic zip of `files` (archive name -> source path)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(files):
            path = files[name]
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.create_system = 3  # unix, so the modes below are honoured
            mode = 0o755 if os.access(path, os.X_OK) else 0o644
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes(), compresslevel=9)
    return buffer.getvalue()


def lambda_hash(data: bytes) -> str:
    """The code hash as Lambda reports it (base64 of SHA-256)."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def write_if_changed(target: Path, data: bytes) -> bool:
    """Write `data` to `target` unless it already holds exactly that; True if written."""
    if target.exists() and target.read_bytes() == data:
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.write_bytes(data)
    tmp.replace(target)
    return True


def build() -> dict[Path, str]:
    """Build both archives; return each one's Lambda code hash."""
    hashes = {}
    for target, files in ((FUNCTION_ZIP, tree_files(FUNCTION_SOURCE)), (LAYER_ZIP, LAYER_FILES)):
        data = zip_bytes(files)
        changed = write_if_changed(target, data)
        hashes[target] = lambda_hash(data)
        (say if changed else detail)(
            f"{target.relative_to(ROOT)}: {len(files)} files, {len(data)} bytes, sha256 {hashes[target]} "
            f"({'written' if changed else 'unchanged'})"
        )
    return hashes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.parse_args()
    build()
    return 0


if __name__ == "__main__":
    run_main(main)
