"""Run Terraform in a prepared working directory: init, plan, show, apply, destroy, output.

A `Workspace` says where and how (root directory, data directory, CLI configuration,
backend arguments, variables); a target (scripts/targets.py) builds it. This module knows
nothing about which environment it runs for.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scripts import toolchain
from scripts.common import UserError, first_error, run
from scripts.terraform_errors import identity

# The environment every Terraform call gets, on top of the caller's.
BASE_ENV = {"CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1", "TF_INPUT": "0"}


def terraform_env(cli_config: Path | None, data_dir: Path | None = None, **variables: str) -> dict[str, str]:
    """The process environment for terraform: BASE_ENV, a CLI configuration, a data directory, TF_VAR_*.

    cli_config None: the user's own CLI configuration if it exists, else none at all (these
    machines export a TF_CLI_CONFIG_FILE that points at a missing file).
    """
    env = {**os.environ, **BASE_ENV}
    if cli_config is not None:
        env["TF_CLI_CONFIG_FILE"] = str(cli_config)
    elif not Path(os.environ.get("TF_CLI_CONFIG_FILE", os.devnull)).is_file():
        env["TF_CLI_CONFIG_FILE"] = os.devnull
    if data_dir is not None:
        env["TF_DATA_DIR"] = str(data_dir)
    env.update({f"TF_VAR_{name}": value for name, value in variables.items()})
    return env


class TerraformFailed(UserError):
    """A terraform command failed; `output` is all it printed, for scripts.terraform_errors.explain."""

    def __init__(self, command: str, output: str) -> None:
        super().__init__(f"terraform {command} failed: {first_error(output)}")
        self.command, self.output = command, output


@dataclass(frozen=True)
class Workspace:
    """A root directory ready for terraform, and how to call terraform there."""

    root: Path
    env: dict[str, str] = field(repr=False)
    init_args: tuple[str, ...] = ()  # backend configuration
    plan_args: tuple[str, ...] = ()  # -var-file=...

    def run(self, *args: str, **kwargs: Any) -> Any:
        """terraform -chdir=<root> ARGS (options as scripts.common.run)."""
        return run([toolchain.load().terraform, f"-chdir={self.root}", *args], env=self.env, **kwargs)

    @property
    def data_dir(self) -> Path:
        return Path(self.env.get("TF_DATA_DIR", self.root / ".terraform"))

    def _init_key(self) -> str:
        """What init depends on: the configuration's files, the lock file and the backend arguments."""
        digest = hashlib.sha256("\0".join(self.init_args).encode())
        for path in sorted(self.root.glob("*.tf")) + sorted(self.root.glob(".terraform.lock.hcl")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
        return digest.hexdigest()

    def init(self) -> bool:
        """terraform init, skipped when nothing it depends on changed since the last one here; True if it ran.

        Local modules are read from disk at every plan, so only the root's files, the lock
        file and the backend arguments decide whether init must run again.
        """
        stamp = self.data_dir / "init.sha256"
        key = self._init_key()
        if stamp.is_file() and stamp.read_text() == key and (self.data_dir / "providers").is_dir():
            return False
        result = self.run("init", "-input=false", "-no-color", "-reconfigure", *self.init_args, capture=True, check=False)
        if result.returncode:
            raise TerraformFailed("init", result.stdout + result.stderr)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        stamp.write_text(self._init_key())  # init may have written the lock file
        return True

    def plan(self, out: Path, *extra: str) -> str | None:
        """terraform plan, saved to `out` (0600 under the commands' umask); None, or the first error as one line."""
        failed = self.plan_output(out, *extra)
        return first_error(failed) if failed is not None else None

    def plan_output(self, out: Path, *extra: str) -> str | None:
        """terraform plan, saved to `out`; None, or everything terraform printed when it failed."""
        result = self.run("plan", "-input=false", "-no-color", f"-out={out}", *self.plan_args, *extra, capture=True, check=False)
        return result.stdout + result.stderr if result.returncode else None

    def state_identity(self, local: Path | None = None) -> dict[str, Any] | None:
        """The state's lineage and serial now (None: no state yet), or TerraformFailed when it cannot be read.

        local: the local state file, read directly (a missing file is no state); when it
        cannot be parsed, `terraform state pull` is run for Terraform's own diagnosis.
        Otherwise the state is pulled from the backend (`terraform state pull`).
        """
        if local is not None:
            if not local.is_file():
                return None
            try:
                return identity(local.read_text()) if local.stat().st_size else None
            except ValueError:
                pass
        result = self.run("state", "pull", capture=True, check=False, echo=False)
        try:
            if result.returncode == 0:
                return identity(result.stdout)
        except ValueError:
            pass
        raise TerraformFailed("state pull", result.stderr or result.stdout)

    def show_json(self, plan: Path) -> str:
        return self.run("show", "-json", str(plan), capture=True, echo=False).stdout

    def output(self, name: str) -> Any | None:
        """One output's value, or None when the state has no such output (nothing deployed); TerraformFailed
        when the state cannot be read at all (damaged, locked elsewhere, unreachable)."""
        result = self.run("output", "-no-color", "-json", name, capture=True, check=False, echo=False)
        if result.returncode == 0:
            return json.loads(result.stdout)
        said = result.stdout + result.stderr
        if f'Output "{name}" not found' in said or "No outputs found" in said:
            return None
        raise TerraformFailed("output", said)
