"""The apply workflow's guarantee, with real Terraform against a real moto server: the reviewed plan, or none.

A small root (one SSM parameter, local state) is planned and sealed as the plan job does;
then, as the apply job does, planned afresh and verified. Same configuration and state:
verified, and the reviewed plan file is what gets applied. A changed configuration, a
change made outside Terraform, or a tampered plan file: refused. And when the state moves
after verification, Terraform's own check refuses the saved plan ("Saved plan is stale").
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from scripts import toolchain
from scripts.ci import seal
from scripts.common import UserError, run
from scripts.sandbox import bridge, server
from scripts.terraform import terraform_env
from tests.conftest import moto_server

pytestmark = pytest.mark.functional
ROOT_TF = """
terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}

variable "value" {
  type = string
}

resource "aws_ssm_parameter" "url" {
  name  = "{name}"
  type  = "String"
  value = var.value
}
"""


class Root:
    """A Terraform root in a directory, planned as `make plan` does (plan -out, show -json)."""

    def __init__(self, directory: Path, endpoint: str) -> None:
        self.dir, self.endpoint = directory, endpoint
        self.name = f"/seal/{directory.name[:40]}/config/url"  # one moto server for all: a name per test
        (directory / "main.tf").write_text(ROOT_TF.replace("{name}", self.name))
        (directory / "provider.tf").write_text(bridge.sandbox_provider(endpoint, "us-east-1"))
        self.env = terraform_env(toolchain.CLI_CONFIG, directory / ".tf-data") | server.credentials_env(endpoint)
        self.terraform = toolchain.load().terraform
        self.tf("init", "-input=false", "-no-color")

    def tf(self, *args: str, check: bool = True) -> object:
        return run([self.terraform, f"-chdir={self.dir}", *args], env=self.env, capture=True, check=check, echo=False)

    def plan(self, value: str, where: Path, env: str = "dev") -> None:
        """build/plans/<env>.tfplan and .tfplan.json in `where`, as make plan writes them."""
        where.mkdir(parents=True, exist_ok=True)
        plan = where / f"{env}.tfplan"
        self.tf("plan", "-input=false", "-no-color", f"-var=value={value}", f"-out={plan}")
        (where / f"{env}.tfplan.json").write_text(self.tf("show", "-json", str(plan)).stdout)  # type: ignore[attr-defined]

    def apply(self, plan: Path, check: bool = True) -> object:
        return self.tf("apply", "-input=false", "-no-color", str(plan), check=check)


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with moto_server(tmp_path_factory.mktemp("moto-seal") / "moto.log") as url:
        yield url


def review_then_plan_again(root: Root, tmp_path: Path, reviewed_value: str, now_value: str) -> tuple[Path, Path]:
    """The plan job (plan, seal, artifact) and the apply job's fresh plan; returns (artifact dir, plans dir)."""
    job = tmp_path / "plan-job"
    root.plan(reviewed_value, job)
    seal.seal("dev", job)
    artifact = tmp_path / "reviewed"
    artifact.mkdir()
    for name in ("dev.tfplan", "dev.seal.json"):  # what the plan workflow uploads (never the JSON)
        shutil.copy(job / name, artifact / name)
    fresh = tmp_path / "apply-job"
    root.plan(now_value, fresh)
    return artifact, fresh


def test_the_reviewed_plan_is_verified_and_applied(endpoint: str, tmp_path: Path) -> None:
    """Nothing changed since the review: verify passes, the reviewed file replaces the fresh one, apply works."""
    root = Root(tmp_path, endpoint)
    artifact, fresh = review_then_plan_again(root, tmp_path, "https://a.example.com", "https://a.example.com")
    record = seal.verify("dev", artifact, fresh)
    assert (fresh / "dev.tfplan").read_bytes() == (artifact / "dev.tfplan").read_bytes()
    assert record["changes_sha256"] == seal.fingerprint(json.loads((fresh / "dev.tfplan.json").read_text()))
    root.apply(fresh / "dev.tfplan")
    ssm = boto3.client("ssm", region_name="us-east-1", endpoint_url=endpoint, aws_access_key_id="x", aws_secret_access_key="x")
    assert ssm.get_parameter(Name=root.name)["Parameter"]["Value"] == "https://a.example.com"


def test_a_changed_configuration_is_refused_as_stale(endpoint: str, tmp_path: Path) -> None:
    """The merged commit plans something else than was reviewed: refused, naming the resource, nothing copied."""
    root = Root(tmp_path, endpoint)
    artifact, fresh = review_then_plan_again(root, tmp_path, "https://b.example.com", "https://c.example.com")
    before = (fresh / "dev.tfplan").read_bytes()
    with pytest.raises(UserError, match=r"stale: .*1 change\(s\) differ .*aws_ssm_parameter\.url"):
        seal.verify("dev", artifact, fresh)
    assert (fresh / "dev.tfplan").read_bytes() == before


def test_a_change_made_outside_terraform_is_refused_as_stale(endpoint: str, tmp_path: Path) -> None:
    """Drift between review and apply (the parameter changed by hand) changes what the plan would do: refused."""
    root = Root(tmp_path, endpoint)
    root.plan("https://d.example.com", tmp_path / "base")
    root.apply(tmp_path / "base" / "dev.tfplan")
    job = tmp_path / "plan-job"
    root.plan("https://e.example.com", job)
    seal.seal("dev", job)
    ssm = boto3.client("ssm", region_name="us-east-1", endpoint_url=endpoint, aws_access_key_id="x", aws_secret_access_key="x")
    ssm.put_parameter(Name=root.name, Value="https://by-hand.example.com", Type="String", Overwrite=True)
    fresh = tmp_path / "apply-job"
    root.plan("https://e.example.com", fresh)
    with pytest.raises(UserError, match="stale"):
        seal.verify("dev", job, fresh)


def test_a_tampered_plan_file_is_refused(endpoint: str, tmp_path: Path) -> None:
    """An artifact whose plan is not the sealed one (another plan put in its place) is refused."""
    root = Root(tmp_path, endpoint)
    artifact, fresh = review_then_plan_again(root, tmp_path, "https://f.example.com", "https://f.example.com")
    root.plan("https://g.example.com", tmp_path / "other")
    shutil.copy(tmp_path / "other" / "dev.tfplan", artifact / "dev.tfplan")
    with pytest.raises(UserError, match="not the one its seal describes"):
        seal.verify("dev", artifact, fresh)


def test_terraform_refuses_the_saved_plan_once_the_state_moved(endpoint: str, tmp_path: Path) -> None:
    """The last line of defence: an apply in between (state serial moved) makes Terraform refuse the saved plan."""
    root = Root(tmp_path, endpoint)
    artifact, fresh = review_then_plan_again(root, tmp_path, "https://h.example.com", "https://h.example.com")
    seal.verify("dev", artifact, fresh)
    root.plan("https://i.example.com", tmp_path / "other")
    root.apply(tmp_path / "other" / "dev.tfplan")  # someone else's apply lands first
    result = root.apply(fresh / "dev.tfplan", check=False)
    assert result.returncode != 0 and "Saved plan is stale" in result.stdout + result.stderr  # type: ignore[attr-defined]
