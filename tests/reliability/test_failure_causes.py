"""Every Terraform failure names its real cause: each one produced for real in a fresh checkout.

A state lock held by a live terraform process, a truncated and an emptied state file, a saved
plan made stale by a deploy, the sandbox stopped before and during an apply, a damaged
provider plugin, errors in the tfvars file and in a .tf file. Each is met with the make
target a user runs; the error line must name the cause and a fix that works (the test
follows it where it can). Run alone with: .venv/bin/python -m pytest tests/reliability/test_failure_causes.py
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Checkout, ok


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Checkout]:
    result = Checkout.fresh(tmp_path_factory.mktemp("causes") / "repo", scan=False)
    first = ok(result.make("deploy"))
    assert "checkov: skipped (SCAN=0)" in first  # the scan itself is proved in tests/e2e and tests/functional
    yield result
    result.make("sandbox-down")


def error_line(result: subprocess.CompletedProcess[str]) -> str:
    """The one 'error:' line of a failed make run."""
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert result.returncode != 0 and len(errors) == 1, result.stdout[-2000:] + result.stderr[-3000:]
    return errors[0]


def workspace_env(checkout: Checkout) -> dict[str, str]:
    """How make runs terraform in this checkout: the command, root, environment and var file."""
    code = (
        "import json\n"
        "from scripts import toolchain\n"
        "from scripts.targets import SandboxTarget\n"
        "w = SandboxTarget().workspace()\n"
        "print(json.dumps({'terraform': toolchain.load().terraform, 'root': str(w.root), 'env': w.env,"
        " 'var_file': w.plan_args[0]}))\n"
    )
    result = subprocess.run(
        [str(checkout.path / ".venv/bin/python"), "-c", code], cwd=checkout.path, env=checkout.env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def state(checkout: Checkout) -> Path:
    return checkout.path / ".sandbox" / "terraform.tfstate"


def test_a_lock_held_by_a_live_terraform_names_that_process(checkout: Checkout) -> None:
    """A terraform destroy waiting at its prompt holds the state lock: make plan names it (pid, command, since when)
    and leaves no plan behind; once it ends, make plan passes."""
    found = workspace_env(checkout)
    env = {k: v for k, v in found["env"].items() if k != "TF_INPUT"}
    holder = subprocess.Popen(
        [found["terraform"], f"-chdir={found['root']}", "destroy", "-no-color", found["var_file"]],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        assert holder.stdout is not None
        for line in holder.stdout:
            if "Only 'yes' will be accepted" in line:
                break
        line = error_line(checkout.make("plan"))
        assert "plan for ENV=sandbox failed: the state is locked by another Terraform run" in line, line
        assert f"pid {holder.pid} (" in line and " destroy " in line, line
        assert "wait for that run to finish" in line and "terraform.tfvars" not in line, line
        assert not (checkout.path / "build/plans/sandbox.tfplan").exists()
    finally:
        holder.communicate("no\n", timeout=120)
    ok(checkout.make("plan"))


def test_a_truncated_state_names_the_backup_and_its_restore_works(checkout: Checkout) -> None:
    """A state cut short mid-file (Terraform's own 'could not be parsed as JSON' kept) and one emptied to 0 bytes
    (which Terraform would read as no state) are refused with the backup named; the printed cp restores it."""
    tfvars = checkout.path / "terraform/envs/sandbox/terraform.tfvars"
    original = tfvars.read_text()
    try:  # a change applied: Terraform keeps the deployed state it replaces as the backup
        tfvars.write_text(original.replace("memory_size = 512", "memory_size = 640"))
        ok(checkout.make("deploy"))
    finally:
        tfvars.write_text(original)
    good = state(checkout).read_bytes()
    backup = Path(f"{state(checkout)}.backup")
    assert backup.is_file(), "Terraform keeps a backup of the state it replaces"
    state(checkout).write_bytes(good[: len(good) // 2])
    line = error_line(checkout.make("plan"))
    assert "the state .sandbox/terraform.tfstate cannot be read" in line, line
    assert "could not be parsed as JSON: syntax error at byte offset" in line, line
    assert "cp .sandbox/terraform.tfstate.backup .sandbox/terraform.tfstate" in line, line
    assert "terraform.tfvars" not in line and "Error acquiring the state lock" not in line, line
    smoke = error_line(checkout.make("smoke"))
    assert "could not be parsed as JSON" in smoke and "nothing is deployed" not in smoke, smoke
    state(checkout).write_bytes(b"")
    for target in ("plan", "destroy"):
        line = error_line(checkout.make(target))
        assert "is empty (0 bytes)" in line and ".sandbox/terraform.tfstate.backup (serial" in line, line
    subprocess.run(["cp", ".sandbox/terraform.tfstate.backup", ".sandbox/terraform.tfstate"], cwd=checkout.path, check=True)
    assert "smoke: " in ok(checkout.make("deploy"))


def test_a_stale_saved_plan_is_refused_as_stale_not_as_orphans(checkout: Checkout, tmp_path: Path) -> None:
    """A plan saved, then a deploy, then the old plan applied: refused as stale by the state's serial (before
    any orphan check), with plan again as the fix; nothing is imported or applied."""
    ok(checkout.make("destroy"))
    ok(checkout.make("plan"))
    plans = checkout.path / "build" / "plans"
    kept = {p.name: p.read_bytes() for p in plans.glob("sandbox.tfplan*")}
    assert "sandbox.tfplan.state" in kept
    ok(checkout.make("deploy"))
    serial = json.loads(state(checkout).read_text())["serial"]
    for name, data in kept.items():
        (plans / name).write_bytes(data)
    result = checkout.make("apply")
    line = error_line(result)
    assert "the saved plan is stale: the state changed after the plan was made" in line, line
    assert f"{serial} now" in line and "make plan ENV=sandbox" in line, line
    assert "exist but the state does not record them" not in result.stderr and "adopted" not in result.stderr
    assert json.loads(state(checkout).read_text())["serial"] == serial, "nothing was written"
    assert not (plans / "sandbox.tfplan").exists(), "a stale plan is used up"
    # A plan without that record (saved by an earlier version of the kit) is refused too: plan again.
    for name, data in kept.items():
        if name != "sandbox.tfplan.state":
            (plans / name).write_bytes(data)
    line = error_line(checkout.make("apply"))
    assert "no record of the state it was made against" in line and "make plan ENV=sandbox" in line, line


def test_a_stopped_sandbox_is_named_before_and_during_an_apply(checkout: Checkout) -> None:
    """Stopped before make apply: it says start it. Killed while an apply creates: the apply says the sandbox
    stopped answering (not a generic part-way failure); make deploy brings it back."""
    ok(checkout.make("destroy"))
    ok(checkout.make("plan"))
    ok(checkout.make("sandbox-down"))
    line = error_line(checkout.make("apply"))
    assert "the sandbox is not running" in line and "make sandbox-up" in line, line
    ok(checkout.make("plan"))  # starts it again
    pid = json.loads((checkout.path / ".sandbox" / "moto.pid").read_text())["pid"]
    process = checkout.apply_process()
    assert process.stdout is not None
    seen = []
    for output in process.stdout:
        seen.append(output)
        if "Creation complete" in output:
            os.killpg(pid, signal.SIGKILL)  # the sandbox this checkout started (its own session)
            break
    seen.extend(process.stdout)
    process.wait(timeout=300)
    errors = [s for s in seen if s.startswith("error:")]
    assert process.returncode == 2 and len(errors) == 1, "".join(seen)[-3000:]
    assert "apply for ENV=sandbox failed part-way" in errors[0], errors[0]
    assert "Terraform could not reach http://127.0.0.1:" in errors[0] and "the sandbox does not answer" in errors[0], errors[0]
    assert "terraform.tfvars" not in errors[0]
    assert "smoke: " in ok(checkout.make("deploy"))


def test_a_damaged_provider_plugin_is_named_and_its_fix_works(checkout: Checkout) -> None:
    """The installed provider binary overwritten: make plan names the provider and the folder to remove; removing
    it (the fix) lets the next command reinstall it and pass."""
    providers = checkout.path / ".sandbox" / "tf-data" / "providers"
    binaries = list(providers.rglob("terraform-provider-aws*"))
    assert binaries
    for binary in binaries:
        binary.write_bytes(b"\0" * 64)
    line = error_line(checkout.make("plan"))
    assert "the AWS provider plugin is missing or damaged" in line and "rm -rf .sandbox/tf-data/providers" in line, line
    assert "terraform.tfvars" not in line
    shutil.rmtree(providers)
    assert "smoke: " in ok(checkout.make("smoke"))  # any command that reads the deployment runs init again
    ok(checkout.make("plan"))


def test_configuration_errors_name_the_file_they_are_in(checkout: Checkout) -> None:
    """A wrong type in the tfvars names it with its line (a syntax error is refused before Terraform runs); a
    stack validation names the app; an error in a .tf file names that file (the repository's), never the tfvars."""
    tfvars = checkout.path / "terraform/envs/sandbox/terraform.tfvars"
    stack = checkout.path / "terraform/stack/main.tf"
    original_tfvars, original_stack = tfvars.read_text(), stack.read_text()
    try:
        tfvars.write_text(original_tfvars.replace("memory_size = 512", 'memory_size = "lots"'))  # valid HCL, wrong type
        line = error_line(checkout.make("plan"))
        assert "a number is required" in line and "fix it in terraform/envs/sandbox/terraform.tfvars line " in line, line
        tfvars.write_text(original_tfvars.replace('"secrets/payment_token" = {', '"/secrets/payment_token" = {'))
        line = error_line(checkout.make("plan"))
        assert "app orders: each secrets key" in line and "fix app orders in terraform/envs/sandbox/terraform.tfvars" in line
        tfvars.write_text(original_tfvars)
        stack.write_text(
            original_stack.replace('  source   = "../modules/secret"\n', '  source   = "../modules/secret"\n  nmae = 1\n')
        )
        line = error_line(checkout.make("plan"))
        assert 'An argument named "nmae" is not expected here' in line and "fix it in terraform/stack/main.tf" in line, line
        assert "terraform.tfvars" not in line
    finally:
        tfvars.write_text(original_tfvars)
        stack.write_text(original_stack)
    ok(checkout.make("plan"))
