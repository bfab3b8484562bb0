"""Build each app's zip, the kit's rotation function and the sandbox's extension layer, reproducibly.

    python -m scripts.package          (make package; ENV says whose apps)

Same sources, same bytes: entries sorted, every timestamp 1980-01-01, modes 0644
(0755 for executables), no caches or compiled files, fixed compression. So an
unchanged app gives an unchanged `source_code_hash`, and changing one app's code
changes only that app's function in the plan.

  build/packages/<env>/<app>.zip  the app's source folder (tfvars `source`, default
                                  apps/<app>) plus the kit's function-side modules
                                  (KIT_FILES) where the folder has no file of that name
  build/packages/rotation.zip     the kit's rotation function (lambda_src/rotation.py)
  build/extension-layer.zip       the sandbox's emulation of the extension, laid out as a
                                  Lambda extension layer (extensions/<name> is the executable)
"""

from __future__ import annotations

import argparse
import ast
import base64
import difflib
import hashlib
import io
import os
import zipfile
from pathlib import Path

from scripts import config
from scripts.common import BUILD, ROOT, UserError, detail, run_main, say

FIXED_TIME = (1980, 1, 1, 0, 0, 0)
SKIP_DIRS = {"__pycache__", ".pytest_cache", ".mypy_cache"}
SKIP_SUFFIXES = {".pyc", ".pyo"}

KIT_SOURCE = ROOT / "lambda_src"
PACKAGES = BUILD / "packages"
ROTATION_ZIP = PACKAGES / "rotation.zip"
LAYER_ZIP = BUILD / "extension-layer.zip"
# What every app's zip gets beside its own code (the client it reads with, the smoke test's probe).
KIT_FILES = {name: KIT_SOURCE / name for name in ("secrets_client.py", "smoke_probe.py")}
ROTATION_FILES = {"rotation.py": KIT_SOURCE / "rotation.py"}
TEST_ONLY = {"secrets_client_testing.py"}  # the client's test kit (lambda_src holds it beside the demo's code): never deployed
# The layer: the launcher Lambda would start, and the Python package it runs.
LAYER_FILES = {
    "extensions/parameters-secrets-emulator": ROOT / "scripts/sandbox/extension_launcher",
    "emulator/scripts/__init__.py": ROOT / "scripts/__init__.py",
    "emulator/scripts/sandbox/__init__.py": ROOT / "scripts/sandbox/__init__.py",
    "emulator/scripts/sandbox/extension_emulator.py": ROOT / "scripts/sandbox/extension_emulator.py",
    "emulator/scripts/sandbox/credentials.py": ROOT / "scripts/sandbox/credentials.py",
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


def app_zip(env: str, app: str) -> Path:
    """Where make package writes an app's zip (the roots' package_path points at it)."""
    return PACKAGES / env / f"{app}.zip"


DYNAMIC_BINDERS = {"globals", "vars", "setattr", "exec"}  # calls that can bind a module's names unseen


def top_level_names(source: str) -> set[str] | None:
    """The names a module binds at its top level (def, class, assignment, import), or None when that cannot be
    told without running it (a star import, a module __getattr__, globals()/vars()/setattr()/exec() at the top
    level, or syntax this Python does not parse: the runtime's may be newer)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    names: set[str] = set()
    for statement in tree.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(statement.name)
            continue
        for node in ast.walk(statement):  # inside if/try/with too: `try: from fast import handler` binds it
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.alias):
                if node.name == "*":
                    return None
                names.add((node.asname or node.name).split(".")[0])
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in DYNAMIC_BINDERS:
                return None
    return None if "__getattr__" in names else names


def app_files(code: config.AppCode) -> dict[str, Path]:
    """An app's files: its source folder, then the kit's modules it does not have itself."""
    module, dot, function = code.handler.rpartition(".")
    if not dot or not module or not function:
        raise UserError(
            f"app {code.name}: handler {code.handler!r} is not <file>.<function> (e.g. handler.handler); "
            f"fix it for {code.name} in the environment's tfvars"
        )
    handler_file = code.source / f"{module}.py"
    where = config.shown(code.source)
    if not handler_file.is_file():
        raise UserError(
            f"app {code.name}: its handler {code.handler} needs {where}/{module}.py, which is missing; "
            f"create it, or set source (and handler) for {code.name} in the environment's tfvars"
        )
    names = top_level_names(handler_file.read_text(errors="replace"))
    if names is not None and function not in names:
        close = difflib.get_close_matches(function, sorted(names), n=1)
        raise UserError(
            f"app {code.name}: its handler {code.handler} names {function}, which {where}/{module}.py does not define; "
            + (f'did you mean "{module}.{close[0]}"? ' if close else "")
            + f"fix handler for {code.name} in the environment's tfvars, or the function's name"
        )
    own = {name: path for name, path in tree_files(code.source).items() if name not in TEST_ONLY}
    return {**KIT_FILES, **own}


def _write(target: Path, files: dict[str, Path]) -> str:
    data = zip_bytes(files)
    changed = write_if_changed(target, data)
    digest = lambda_hash(data)
    state = "written" if changed else "unchanged"
    (say if changed else detail)(f"{target.relative_to(ROOT)}: {len(files)} files, {len(data)} bytes, sha256 {digest} ({state})")
    return digest


def build(env: str = config.SANDBOX) -> dict[Path, str]:
    """Build every archive the environment needs; return each one's Lambda code hash."""
    apps = config.load(env).apps
    archives = {app_zip(env, name): app_files(code) for name, code in sorted(apps.items())}
    archives[ROTATION_ZIP] = ROTATION_FILES
    archives[LAYER_ZIP] = LAYER_FILES  # used by the sandbox only; small, and built the same way everywhere
    hashes = {target: _write(target, files) for target, files in archives.items()}
    for stale in (PACKAGES / env).glob("*.zip"):  # an app no longer declared
        if stale not in archives:
            stale.unlink()
            say(f"{stale.relative_to(ROOT)}: removed (no app {stale.stem} in ENV={env})")
    return hashes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--env", default=os.environ.get("ENV") or config.SANDBOX, help="whose apps (default: ENV, else sandbox)")
    args = parser.parse_args()
    config.require_known(args.env)
    build(args.env)
    return 0


if __name__ == "__main__":
    run_main(main)
