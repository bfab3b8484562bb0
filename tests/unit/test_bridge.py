"""scripts/sandbox/bridge.py: the one place the sandbox departs from the modules."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scripts.common import UserError
from scripts.sandbox import bridge
from scripts.sandbox.bridge import Rewrite, apply_rewrites

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    for part in bridge.COPIED:
        shutil.copytree(ROOT / "terraform" / part, tmp_path / part)
    return tmp_path


def test_rewrites_remove_what_provider_339_lacks(copy: Path) -> None:
    """After the bridge: no architectures argument, runtime python3.8, provider >= 3.39.0."""
    done = apply_rewrites(copy)
    assert len(done) == len(bridge.REWRITES)
    function = (copy / "modules/function/main.tf").read_text()
    assert "architectures" not in function.replace("# sandbox bridge: architectures removed", "")
    assert 'runtime          = "python3.8"' in function
    for versions in copy.glob("*/**/versions.tf"):
        assert '">= 5.88"' not in versions.read_text().split("#")[0]


def test_the_modules_themselves_keep_the_current_provider_arguments() -> None:
    """The bridge works on a copy: the modules still declare architectures and var.runtime."""
    function = (ROOT / "terraform/modules/function/main.tf").read_text()
    assert "architectures    = [var.architecture]" in function
    assert "runtime          = var.runtime" in function


def test_a_rewrite_that_matches_nothing_fails(copy: Path) -> None:
    """A stale rewrite (the modules changed) is an error, not a silent no-op."""
    stale = (Rewrite(files="modules/function/main.tf", pattern="no_such_argument", replacement="", why="stale"),)
    with pytest.raises(UserError, match="matched nothing"):
        apply_rewrites(copy, stale)


def test_only_the_sandbox_root_is_copied() -> None:
    """The real-AWS roots never go through the bridge."""
    assert all(not part.startswith("envs/") or part == "envs/sandbox" for part in bridge.COPIED)


def test_replicas_and_write_only_paths_fail_loudly_in_the_copy(copy: Path) -> None:
    """Replica blocks are gone; each write-only path becomes a precondition that always fails when used."""
    apply_rewrites(copy)
    secret = (copy / "modules/secret/main.tf").read_text()
    parameters = (copy / "modules/parameters/main.tf").read_text()
    assert 'dynamic "replica"' not in secret and "secret_string_wo " not in secret
    assert "condition     = count.index < 0" in secret and "Not in the sandbox: write-only secret values" in secret
    assert "value_wo " not in parameters and 'condition     = each.key == ""' in parameters


def test_prepare_gives_tests_and_examples_the_sandbox_provider(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Module tests get the provider prepended; examples get a sandbox_override.tf; nothing points at AWS."""
    monkeypatch.setattr(bridge, "TARGET", tmp_path / "copy")
    monkeypatch.setattr(bridge, "ROOT_DIR", tmp_path / "copy/envs/sandbox")
    bridge.prepare("http://127.0.0.1:4599", quiet=True)
    test_file = (tmp_path / "copy/modules/secret/tests/secret.tftest.hcl").read_text()
    assert test_file.startswith("# sandbox bridge") and 'secretsmanager = "http://127.0.0.1:4599"' in test_file
    override = (tmp_path / "copy/examples/minimal/sandbox_override.tf").read_text()
    assert 'sts            = "http://127.0.0.1:4599"' in override
    assert (tmp_path / "copy/BRIDGE.txt").read_text().count("\n- ") == len(bridge.REWRITES)


def test_prepare_leaves_an_unchanged_copy_untouched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A second prepare with the same sources rewrites nothing (a reader in another command is safe)."""
    monkeypatch.setattr(bridge, "TARGET", tmp_path / "copy")
    monkeypatch.setattr(bridge, "ROOT_DIR", tmp_path / "copy/envs/sandbox")
    bridge.prepare("http://127.0.0.1:4599", quiet=True)
    marker = tmp_path / "copy/envs/sandbox/.terraform/keep"
    marker.parent.mkdir()
    marker.write_text("x")
    inode = (tmp_path / "copy/stack/main.tf").stat().st_ino
    bridge.prepare("http://127.0.0.1:4599", quiet=True)
    assert (tmp_path / "copy/stack/main.tf").stat().st_ino == inode and marker.exists()
    bridge.prepare("http://127.0.0.1:4600", quiet=True)  # another endpoint: a new copy
    assert 'sts            = "http://127.0.0.1:4600"' in (tmp_path / "copy/examples/minimal/sandbox_override.tf").read_text()
    assert not list(tmp_path.glob("sandbox-tf.*")), "no temporary copy left behind"
