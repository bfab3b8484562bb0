"""Run `terraform init`, `validate` and `plan` of the real-AWS roots, every module, the stack and
the examples against the stand-in provider, and the plan review on the dev plan.

Everything runs in a scratch copy (build/schema-check/terraform/): the AWS root once per
environment (envs/aws-<env>, with that environment's <env>.tfvars) and with a local backend
instead of `backend "s3" {}` (schema_check_override.tf), the modules and the
stack get inputs for a plan (PLAN_INPUTS, as schema_check.auto.tfvars.json), and dummy zips
stand in for the packages (every app's, the rotation function's). Lock files are written there,
never in terraform/.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts import config, toolchain
from scripts.common import ROOT, UserError, first_error
from scripts.config import AWS_ROOT, aws_environments, environments
from scripts.schema_check import CAVEAT, mirror
from scripts.schema_check.usage import CHECKED, TERRAFORM
from scripts.terraform import BASE_ENV

SCRATCH = mirror.WORK / "terraform"
PACKAGES = mirror.WORK / "build" / "packages"  # where ../../../build/packages points from the scratch roots
PACKAGE = PACKAGES / "placeholder.zip"  # the modules' and the stack's package_path
BACKEND_OVERRIDE = 'terraform {\n  backend "local" {}\n}\n'
REVIEWED = "envs/aws-dev"
# Directories whose Terraform commands start the installed plugin themselves (go-plugin
# handshake, TLS), as a user's would; the others share one stand-in process (SharedStandIn).
OWN_PLUGIN = ("envs/aws-dev",)
# Inputs for planning a module or the stack on its own (the roots and examples bring their own).
PLAN_INPUTS: dict[str, dict[str, Any]] = {
    "modules/access_policy": {
        "region": "us-east-1",
        "parameter_paths": ["/dev/demo/config"],
        "secret_paths": ["/dev/demo/secrets"],
    },
    "modules/function": {
        "name": "dev-demo",
        "region": "us-east-1",
        "package_path": str(PACKAGE),
        "policy_json": json.dumps({"Version": "2012-10-17", "Statement": []}),
    },
    "modules/parameters": {
        "parameters": {
            "/dev/demo/config/url": {"value": "https://api.example.com"},
            "/dev/demo/secrets/db": {"type": "SecureString", "value_wo_version": 1},
        },
        "secure_values": {"/dev/demo/secrets/db": "placeholder-not-a-secret"},
    },
    "modules/secret": {
        "name": "/dev/demo/secrets/api_key",
        "secret_string_wo": "placeholder-not-a-secret",
        "secret_string_wo_version": 1,
    },
    "stack": {
        "env": "dev",
        "app": "demo",
        "region": "us-east-1",
        "package_path": str(PACKAGE),
        "rotation_package_path": str(PACKAGE),
        "secrets": {
            "secrets/api_key": {"rotation": {"strategy": "generated", "days": 30}},
            "secrets/db": {
                "format": "json",
                "rotation": {"strategy": "generated", "schedule_expression": "rate(10 days)", "fields": ["password"]},
            },
        },
        "parameters": {"config/url": {"value": "https://api.example.com"}},
        "create_kms_key": True,
    },
}


@dataclass
class Outcome:
    """One directory's result."""

    name: str
    ok: bool
    detail: str
    seconds: float
    plan_json: Path | None = None


def terraform_env(cli_config: Path) -> dict[str, str]:
    """The environment of every Terraform call here: our CLI configuration, no AWS credentials needed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "AWS_"))}
    return {**env, **BASE_ENV, "TF_CLI_CONFIG_FILE": str(cli_config)}


class SharedStandIn:
    """One stand-in process on a Unix socket, attached to Terraform with TF_REATTACH_PROVIDERS.

    validate and plan then cost about a third of the CPU (no provider process started per
    command). init still installs the plugin from the mirror, so the lock file is the same.
    """

    def __init__(self) -> None:
        self.directory = mirror.WORK / "run"
        self.socket = self.directory / "stand-in.sock"
        self.process: subprocess.Popen[str] | None = None

    def __enter__(self) -> SharedStandIn:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.socket.unlink(missing_ok=True)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "scripts.schema_check.provider", "--shared", str(self.socket)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        if self.process.stdout.readline().strip() != "ready":
            self.__exit__()
            raise UserError("the shared schema-check stand-in did not start; run: python -m scripts.schema_check.provider")
        return self

    def reattach(self) -> str:
        """The value of TF_REATTACH_PROVIDERS."""
        assert self.process is not None
        config = {
            "Protocol": "grpc",
            "ProtocolVersion": 6,
            "Pid": self.process.pid,
            "Test": True,  # Terraform neither starts nor stops it
            "Addr": {"Network": "unix", "String": str(self.socket)},
        }
        return json.dumps({"registry.terraform.io/hashicorp/aws": config})

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            assert self.process.stdin is not None
            self.process.stdin.close()  # it stops when its standard input closes
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None
        self.socket.unlink(missing_ok=True)


def scratch_directories(directories: Sequence[str] = CHECKED) -> list[str]:
    """The directories checked in the scratch copy: the AWS root becomes one per environment."""
    aws = str(AWS_ROOT.relative_to(TERRAFORM))
    expanded = [f"{aws}-{env}" for env in aws_environments()]
    return [d for name in directories for d in (expanded if name == aws else [name])]


def prepare_scratch(directories: Sequence[str] = CHECKED, source: Path = TERRAFORM) -> Path:
    """A fresh copy of terraform/ with the overrides the offline check needs."""
    if SCRATCH.exists():
        shutil.rmtree(SCRATCH)
    shutil.copytree(
        source,
        SCRATCH,
        ignore=shutil.ignore_patterns(".terraform", ".terraform.lock.hcl", "*.tfstate*", "*.tfplan", "backend.hcl", "sandbox"),
    )
    aws = SCRATCH / AWS_ROOT.relative_to(TERRAFORM)
    if aws.is_dir():
        for env in aws_environments():
            copy = aws.with_name(f"{aws.name}-{env}")
            shutil.copytree(aws, copy, ignore=shutil.ignore_patterns("*.tfvars", "*.example", "*.toml"))
            (copy / "terraform.tfvars").write_text((aws / f"{env}.tfvars").read_text())
            (copy / "schema_check_env.auto.tfvars.json").write_text(json.dumps({"env": env}) + "\n")
        shutil.rmtree(aws)
    for name in scratch_directories(directories):
        directory = SCRATCH / name
        if any('backend "s3"' in path.read_text() for path in directory.glob("*.tf")):
            (directory / "schema_check_override.tf").write_text(BACKEND_OVERRIDE)
        if name in PLAN_INPUTS:
            (directory / "schema_check.auto.tfvars.json").write_text(json.dumps(PLAN_INPUTS[name], indent=2) + "\n")
    placeholders = [PACKAGE, PACKAGES / "rotation.zip"]
    placeholders += [PACKAGES / env / f"{app}.zip" for env in environments() for app in config.load(env).apps]
    for package in placeholders:
        package.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(package, "w") as archive:
            archive.writestr(
                zipfile.ZipInfo("handler.py", date_time=(1980, 1, 1, 0, 0, 0)), "# schema check: a placeholder package\n"
            )
    return SCRATCH


def _terraform(terraform: str, directory: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [terraform, f"-chdir={directory}", *args], capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL
    )


def check_directory(
    terraform: str, directory: Path, env: dict[str, str], *, want_json: bool = False, reattach: str | None = None
) -> Outcome:
    """init, validate and plan in one directory; the first failure stops it.

    reattach: a TF_REATTACH_PROVIDERS value for the commands after init (a shared stand-in).
    """
    started = time.monotonic()
    name = str(directory.relative_to(SCRATCH))
    steps = (
        ("init", ("init", "-input=false", "-no-color")),
        ("validate", ("validate", "-no-color")),
        ("plan", ("plan", "-input=false", "-no-color", "-lock=false", "-out=schema-check.tfplan")),
    )
    attached = {**env, "TF_REATTACH_PROVIDERS": reattach} if reattach else env
    for step, args in steps:
        result = _terraform(terraform, directory, env if step == "init" else attached, *args)
        if result.returncode != 0:
            return Outcome(name, False, f"{step}: {first_error(result.stderr + result.stdout)}", time.monotonic() - started)
    summary = re.search(r"^Plan: (\d+) to add", result.stdout, re.M)
    detail = f"init, validate, plan: {summary[1] if summary else 0} to add"
    plan_json = None
    if want_json:
        show = _terraform(terraform, directory, attached, "show", "-json", "schema-check.tfplan")
        if show.returncode != 0:
            return Outcome(name, False, f"show: {first_error(show.stderr)}", time.monotonic() - started)
        plan_json = directory / "schema-check.tfplan.json"
        plan_json.touch(mode=0o600)
        plan_json.write_text(show.stdout)
    return Outcome(name, True, detail, time.monotonic() - started, plan_json)


def try_configuration(source: Path, work: Path) -> tuple[str | None, str]:
    """init, validate and plan of a copy of `source` in `work`: (the step that failed or None, its output)."""
    cli_config = mirror.prepare()
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(source, work)
    env = terraform_env(cli_config)
    terraform = toolchain.load().terraform
    for step, args in (
        ("init", ("init", "-input=false", "-no-color")),
        ("validate", ("validate", "-no-color")),
        ("plan", ("plan", "-input=false", "-no-color", "-lock=false")),
    ):
        result = _terraform(terraform, work, env, *args)
        if result.returncode != 0:
            return step, result.stdout + result.stderr
    return None, result.stdout + result.stderr


def review_row(plan_json: Path) -> tuple[str, bool, str]:
    """The plan review (scripts/review) on the dev plan; markdown and JSON beside the plan."""
    from scripts import review

    result = review.write_review(plan_json, "dev", usage_file=AWS_ROOT / "dev.usage.toml", scan=False)
    markdown = plan_json.parent / "schema-check.review.md"
    if markdown.exists():
        markdown.write_text(f"> {CAVEAT[0].upper()}{CAVEAT[1:]}.\n\n" + markdown.read_text())
    worst = result.worst()
    ok = worst != "high"
    risks = f"{len(result.risks)} risk(s), worst {worst}" if worst else "no risk"
    return (f"plan review {REVIEWED} (6.69.1 schema)", ok, f"{review.headline(result)}; {risks}")


def run(directories: Sequence[str] = CHECKED, workers: int = 3) -> tuple[list[Outcome], tuple[str, bool, str] | None]:
    """Check every directory (in parallel); review the dev plan."""
    cli_config = mirror.prepare()
    prepare_scratch(directories)
    terraform = toolchain.load().terraform
    env = terraform_env(cli_config)
    with SharedStandIn() as shared, ThreadPoolExecutor(max_workers=workers) as pool:
        reattach = shared.reattach()
        outcomes = list(
            pool.map(
                lambda name: check_directory(
                    terraform,
                    SCRATCH / name,
                    env,
                    want_json=name == REVIEWED,
                    reattach=None if name in OWN_PLUGIN else reattach,
                ),
                scratch_directories(directories),
            )
        )
    review = None
    reviewed = next((o for o in outcomes if o.name == REVIEWED and o.plan_json), None)
    if reviewed is not None and reviewed.plan_json is not None:
        review = review_row(reviewed.plan_json)
    return outcomes, review


def check_all() -> list[tuple[str, bool, str]]:
    """(name, ok, one-line detail) for each checked directory and the dev plan's review.

    Every result is checked against the hashicorp/aws 6.69.1 schema rebuilt from generated
    bindings, not against the provider itself (CAVEAT): show it with the rows.
    """
    outcomes, review = run()
    rows = [(f"6.69.1 schema: {o.name}", o.ok, o.detail) for o in outcomes]
    if review is not None:
        rows.append(review)
    elif any(o.name == REVIEWED for o in outcomes):
        rows.append((f"plan review {REVIEWED} (6.69.1 schema)", False, "no dev plan to review (its check failed)"))
    return rows
