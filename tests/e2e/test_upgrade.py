"""An environment deployed by the single-app release upgrades to the apps map and plans no destroy.

The previous release (SINGLE_APP_RELEASE, the last commit with the single-app roots) is taken
out of git history and its sandbox root applied, by its own Terraform files and packages, to a
sandbox this release started (the sandbox now answers only requests signed with the checkout's
credentials: the old root is given them through the environment, its provider block's literal
"sandbox" keys removed; nothing else of it changes). Then the upgrade, as a user makes it: this
release's code over it, with the old state and the user's own single-app tfvars file. `make plan`
refuses the old file with its apps equivalent; `make migrate` converts the file and moves the
state; the next plan destroys and replaces nothing, and a deploy converges with its smoke test.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ALL_PASSED, ROOT, Checkout, ok

SINGLE_APP_RELEASE = "fc0e02c7b525fde31690a4e5f52ccfac6a614029"
SANDBOX_TFVARS = "terraform/envs/sandbox/terraform.tfvars"
STAND_IN = "aws_lambda_layer_version.extension_emulator"  # the sandbox's stand-in for AWS's layer


def _archive(commit: str, target: Path) -> bool:
    """The commit's files at `target` (False when this clone's history lacks the commit)."""
    if subprocess.run(["git", "cat-file", "-e", f"{commit}^{{commit}}"], cwd=ROOT, capture_output=True).returncode:
        return False
    target.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", commit], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    _own_bin(ROOT / ".venv", target / ".venv")
    if (ROOT / ".venv-checkov").is_dir():
        (target / ".venv-checkov").symlink_to(ROOT / ".venv-checkov")
    return True


def _own_bin(shared: Path, target: Path) -> None:
    """The shared environment at `target`, entry by entry, with bin/ a folder of its own.

    The old release's setup writes its terraform shim naming its own path, in place: into the shared
    environment, that would repoint every checkout's terraform at this temporary copy, and a terraform
    another test started meanwhile would fail with "Text file busy"."""
    target.mkdir()
    for entry in shared.iterdir():
        if entry.name != "bin":
            (target / entry.name).symlink_to(entry)
    (target / "bin").mkdir()
    for entry in (shared / "bin").iterdir():
        if entry.name != "terraform-bundled":
            (target / "bin" / entry.name).symlink_to(entry)


def _apply_old_root(old: Checkout, endpoint: str, credentials: dict[str, str]) -> None:
    """The old release's sandbox root, bridged and packaged by its own code, applied to the running sandbox."""
    ok(old.make("package"))
    python = str(old.path / ".venv/bin/python")
    code = "import sys; from scripts.sandbox import bridge; print(bridge.prepare(sys.argv[1], quiet=True))"
    root = Path(
        subprocess.run(
            [python, "-c", code, endpoint], cwd=old.path, env=old.env, capture_output=True, text=True, check=True
        ).stdout.strip()
    )
    provider = root / "provider.tf"
    provider.write_text(re.sub(r'^\s*(access_key|secret_key)\s*=\s*"sandbox"\n', "", provider.read_text(), flags=re.M))
    terraform = json.loads((old.path / "build/toolchain.json").read_text())["terraform"]
    env = {
        **old.env,
        **credentials,
        "TF_CLI_CONFIG_FILE": str(old.path / "build/terraformrc-sandbox"),
        "TF_DATA_DIR": str(old.path / ".sandbox/tf-data"),
        "TF_VAR_sandbox_endpoint": endpoint,
        "TF_IN_AUTOMATION": "1",
    }
    state = old.path / ".sandbox/terraform.tfstate"
    state.parent.mkdir(exist_ok=True)
    for args in (["init", "-input=false", f"-backend-config=path={state}"], ["apply", "-input=false", "-auto-approve"]):
        done = subprocess.run([terraform, f"-chdir={root}", *args, "-no-color"], env=env, capture_output=True, text=True)
        assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]


@pytest.fixture(scope="module")
def upgraded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Checkout, dict]]:
    base = tmp_path_factory.mktemp("upgrade")
    new = Checkout.fresh(base / "new", scan=False)
    old = Checkout(base / "old", new.env)
    if not _archive(SINGLE_APP_RELEASE, old.path):
        pytest.skip(f"this clone's history lacks {SINGLE_APP_RELEASE[:7]} (a shallow clone): nothing to upgrade from")
    try:
        ok(new.make("sandbox-up"))
        endpoint = f"http://127.0.0.1:{new.env['SANDBOX_PORT']}"
        keys = json.loads((new.path / ".sandbox/credentials.json").read_text())
        _apply_old_root(
            old, endpoint, {"AWS_ACCESS_KEY_ID": keys["access_key_id"], "AWS_SECRET_ACCESS_KEY": keys["secret_access_key"]}
        )
        assert str(old.path) in (old.path / ".venv/bin/terraform-bundled").read_text()
        assert str(old.path) not in (ROOT / ".venv/bin/terraform-bundled").read_text(), "the old release rewrote the shared shim"
        # The upgrade: this release's code, the old state, and the user's own single-app tfvars file.
        shutil.copy(old.path / ".sandbox/terraform.tfstate", new.path / ".sandbox/terraform.tfstate")
        (new.path / SANDBOX_TFVARS).write_text((old.path / SANDBOX_TFVARS).read_text())
        refused = new.make("plan")
        migrated = ok(new.make("migrate"))
        plan_output = ok(new.make("plan"))
        plan = json.loads((new.path / "build/plans/sandbox.tfplan.json").read_text())
        yield new, {"refused": refused, "migrated": migrated, "plan_output": plan_output, "plan": plan}
    finally:
        new.make("sandbox-down")


def test_the_old_file_is_refused_with_its_apps_equivalent(upgraded: tuple[Checkout, dict]) -> None:
    """Before migrating: one line naming make migrate, and the apps text the file would become."""
    refused = upgraded[1]["refused"]
    output = refused.stdout + refused.stderr
    assert refused.returncode == 2 and "single-app shape" in output and "make migrate ENV=sandbox" in output
    assert "apps = {\n  demo = {" in output


def test_migrate_converts_the_file_and_moves_the_state(upgraded: tuple[Checkout, dict]) -> None:
    """The file becomes apps = { demo = ... } (the old text kept in build/migrate/); module.stack moves under its key."""
    checkout, seen = upgraded
    assert 'moved to module.stack["demo"]' in seen["migrated"]
    assert "apps = {" in (checkout.path / SANDBOX_TFVARS).read_text()
    assert (checkout.path / "build/migrate/sandbox.tfvars.single-app").read_text().startswith("# The demo app.")


def test_the_plan_after_migrating_destroys_and_replaces_nothing(upgraded: tuple[Checkout, dict]) -> None:
    """No delete, no replacement: what was deployed stays (the old stand-ins for another app are only forgotten).

    The one exception is the sandbox's own stand-in for AWS's extension layer: replaced whenever its code
    changed (a new layer version, as AWS publishes one); it holds no data and is not the user's."""
    changes = {rc["address"]: rc["change"]["actions"] for rc in upgraded[1]["plan"]["resource_changes"]}
    destroyed = {address: actions for address, actions in changes.items() if "delete" in actions and address != STAND_IN}
    assert not destroyed, destroyed
    created = sorted(address for address, actions in changes.items() if actions == ["create"])
    assert created == ['module.stack["demo"].module.parameters.aws_ssm_parameter.plain["/sandbox/demo/manifest"]'], created
    kept = [a for a, actions in changes.items() if a.startswith('module.stack["demo"]') and actions in (["no-op"], ["update"])]
    assert 'module.stack["demo"].module.function.aws_lambda_function.this' in kept
    assert 'module.stack["demo"].module.secret["secrets/api_key"].aws_secretsmanager_secret.this' in kept


def test_a_deploy_after_migrating_converges_and_passes_the_smoke_test(upgraded: tuple[Checkout, dict]) -> None:
    """The migrated environment deploys and its smoke test passes."""
    output = ok(upgraded[0].make("deploy"))
    assert ALL_PASSED.search(output) and "FAIL" not in output, output[-2000:]
