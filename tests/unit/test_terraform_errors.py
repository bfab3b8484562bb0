"""scripts/terraform_errors.py and scripts.common's diagnostics, over Terraform's real output.

The fixtures in tests/fixtures/terraform_errors/ are what Terraform 1.11.4 (a terraform on
PATH) and 1.15.5 (the bundled one) printed when each failure was produced for real by
capture.py beside them (a lock held by a live terraform, a truncated state, a stale plan, a
closed endpoint, credentials the endpoint refuses, a corrupt provider, bad tfvars, an error
in a .tf file).
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path

import pytest

from scripts import terraform_errors
from scripts.common import ROOT, diagnostics, first_error
from scripts.sandbox import bridge

FIXTURES = ROOT / "tests" / "fixtures" / "terraform_errors"
VERSIONS = ("1.11.4", "1.15.5")
TFVARS = Path("/repo/terraform.tfvars")  # the captures' tfvars, as the fixtures name it


@pytest.fixture(scope="module", autouse=True)
def _bridged_copy(own_bridge: Path) -> None:
    """A bridged copy of this module's own: the tests read it while other workers may bridge theirs."""
    bridge.prepare("http://127.0.0.1:9", quiet=True)  # the endpoint is only written into provider blocks


def where(tmp_path: Path, state_file: Path | None = None, env: str = "sandbox") -> terraform_errors.Where:
    return terraform_errors.Where(
        env=env,
        tfvars=TFVARS,
        root=bridge.TARGET / "envs" / "sandbox",
        data_dir=tmp_path / "tf-data",
        state_file=state_file,
        unreachable_hint="the sandbox does not answer: make sandbox-status, then make deploy (a restarted sandbox is empty)",
    )


def fixture(case: str, version: str) -> str:
    return (FIXTURES / f"{case}.{version}.txt").read_text()


# case -> (command, cause, phrases the one-line error must hold)
CASES = {
    "lock_held": ("plan", "state_locked", ["locked by another Terraform run", "apply by root@vm", "lock ID ", "wait for"]),
    "state_truncated": ("plan", "state_unreadable", ["could not be parsed as JSON: syntax error at byte offset 5000"]),
    "state_truncated_pull": ("plan", "state_unreadable", ["could not be parsed as JSON: syntax error at byte offset 5000"]),
    "plan_stale": ("apply", "stale_plan", ["Saved plan is stale", "plan again: make plan ENV=sandbox"]),
    "plan_unreadable": ("apply", "stale_plan", ["as a plan file: Error: couldn't load", "zip: not a valid zip file"]),
    "endpoint_closed": ("plan", "unreachable", ["could not reach http://127.0.0.1:4599 (connection refused)", "sandbox-status"]),
    "apply_endpoint_died": ("apply", "unreachable", ["could not reach http://127.0.0.1:4599", "the sandbox does not answer"]),
    "credentials_refused": ("plan", "credentials", ["AWS did not accept the provider's credentials", "status code: 403"]),
    "provider_corrupt": ("plan", "provider", ["Required plugins are not installed", "does not match any of the checksums"]),
    "tfvars_wrong_type": ("plan", "config_values", ["a number is required", "fix it in /repo/terraform.tfvars line 5"]),
    "tfvars_syntax": ("plan", "config_values", ["Expected an attribute value", "fix it in /repo/terraform.tfvars line 39"]),
    "stack_validation": ("plan", "config_values", ["found: /secrets/payment_token", "fix app orders in /repo/terraform.tfvars"]),
    "tf_file_error": ("plan", "config_file", ['An argument named "nmae"', "fix it in terraform/stack/main.tf"]),
}


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_each_real_failure_is_told_by_its_cause(case: str, version: str, tmp_path: Path) -> None:
    """Terraform's real output for each failure maps to its cause, says its fix, and fits on one line."""
    command, cause, phrases = CASES[case]
    problem = terraform_errors.explain(fixture(case, version), command, where(tmp_path, tmp_path / "terraform.tfstate"))
    message = str(problem)
    assert problem.cause == cause, message
    assert message.startswith(f"{command} for ENV=sandbox failed"), message
    for phrase in phrases:
        assert phrase in message, (phrase, message)
    assert "\n" not in message and "\x1b" not in message, message


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_the_tfvars_file_is_named_only_when_the_error_points_there(case: str, version: str, tmp_path: Path) -> None:
    """'fix it in <tfvars>' (or 'fix app X in <tfvars>') only for errors in the values the tfvars file gives."""
    command, cause, _ = CASES[case]
    message = str(terraform_errors.explain(fixture(case, version), command, where(tmp_path, tmp_path / "terraform.tfstate")))
    assert ("terraform.tfvars" in message.split("; ")[-1]) == (cause == "config_values"), message


@pytest.mark.parametrize("version", VERSIONS)
def test_first_error_keeps_the_whole_first_diagnostic(version: str) -> None:
    """The 'Error message:' paragraph and the paragraphs after it survive; so do Lock Info's lines and the location."""
    truncated = first_error(fixture("state_truncated", version))
    assert "Error message: 2 problems:" in truncated
    assert "could not be parsed as JSON: syntax error at byte offset 5000." in truncated
    assert 'does not have a "version" attribute' in truncated
    locked = first_error(fixture("lock_held", version))
    assert "Operation: OperationTypeApply" in locked and "Who: root@vm" in locked
    validation = first_error(fixture("stack_validation", version))
    assert validation.startswith('Error: Invalid value for variable (on main.tf line 41, in module "stack"): app orders:')
    assert "This was checked by the validation rule at ../../stack/variables.tf:76,3-13." in validation
    assert "each.value.secrets" not in validation, "the source lines stay out of the one-line error"


@pytest.mark.parametrize("version", VERSIONS)
def test_a_provider_error_over_several_lines_is_one_summary_with_its_location(version: str) -> None:
    """A summary that runs over several lines (the provider's) is kept whole, and the 'with'/'on' lines are read."""
    found = diagnostics(fixture("endpoint_closed", version))
    assert len(found) == 1
    assert found[0].summary.count("connection refused") == 3
    assert (found[0].file, found[0].line, found[0].context) == ("provider.tf", 4, 'provider "aws"')
    assert found[0].address == 'provider["registry.terraform.io/hashicorp/aws"]'
    died = diagnostics(fixture("apply_endpoint_died", version))
    assert len(died) >= 5 and all(d.address for d in died)


@pytest.mark.parametrize("version", VERSIONS)
def test_a_detail_that_reads_error_is_the_detail_not_another_diagnostic(version: str) -> None:
    """Terraform writes 'Error: <summary>', one blank line, then the detail, which may itself start with 'Error:';
    two diagnostics are two blank lines apart (or boxed)."""
    found = diagnostics(fixture("plan_unreadable", version))
    assert len(found) == 1 and found[0].detail[0].startswith("Error: couldn't load the provided path")
    two = "\nError: A\n\n\nError: B\n\ndetail of B\n\nError: C\n\nError: detail of C\n"
    assert [(d.summary, d.detail) for d in diagnostics(two)] == [
        ("A", ()),
        ("B", ("detail of B",)),
        ("C", ("Error: detail of C",)),
    ]


@pytest.mark.parametrize("version", VERSIONS)
def test_coloured_boxed_output_reads_like_plain(version: str) -> None:
    """Without -no-color Terraform boxes and colours its diagnostics; they read the same."""
    found = diagnostics(fixture("output_without_state", version))
    assert [d.summary for d in found] == ['Output "apps" not found']
    assert found[0].detail[0].startswith("The output variable requested could not be found")
    assert "\x1b" not in first_error(fixture("output_without_state", version))


def test_a_lock_held_on_a_local_state_names_the_process(tmp_path: Path) -> None:
    """The holder of the POSIX lock Terraform's local backend takes is read from /proc/locks (here: this process)."""
    state = tmp_path / "terraform.tfstate"
    state.write_text("{}")
    output = fixture("lock_held", "1.15.5").replace("/repo/.sandbox/terraform.tfstate", str(state))
    with state.open("r+") as handle:
        fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        message = str(terraform_errors.explain(output, "plan", where(tmp_path, state)))
        assert f"pid {os.getpid()} (" in message, message
        assert "since 2026-12-03 13:22:17 UTC" in message
    assert terraform_errors.lock_holder(state) == "", "no lock, no holder"


def test_a_remote_lock_says_how_to_release_it_only_if_its_run_died(tmp_path: Path) -> None:
    """A remote lock can outlive its run: the fix names force-unlock with the lock's ID, after waiting."""
    message = str(terraform_errors.explain(fixture("lock_held", "1.15.5"), "apply", where(tmp_path, None, env="dev")))
    assert "wait for that run to finish, then make deploy ENV=dev" in message
    assert "force-unlock ffc234b4-c946-5d78-7a38-caa6b24d1c25" in message


def test_an_unreadable_state_names_its_backup_and_how_to_restore_it(tmp_path: Path) -> None:
    """The backup's serial and size are read; the fix is the cp command; without a backup the fix says so."""
    state = tmp_path / "terraform.tfstate"
    output = fixture("state_truncated", "1.15.5")
    no_backup = str(terraform_errors.explain(output, "plan", where(tmp_path, state)))
    assert "no readable backup" in no_backup and f"mv {state} {state}.damaged" in no_backup
    Path(f"{state}.backup").write_text(json.dumps({"version": 4, "serial": 7, "lineage": "x", "resources": [{}, {}]}))
    message = str(terraform_errors.explain(output, "plan", where(tmp_path, state)))
    assert f"{state}.backup (serial 7, 2 resources)" in message
    assert f"cp {state}.backup {state}" in message
    remote = str(terraform_errors.explain(output, "plan", where(tmp_path, None, env="dev")))
    assert "state bucket's object versions" in remote and "dev.backend.hcl" in remote


def test_an_empty_state_file_is_refused_before_terraform_reads_it_as_no_state(tmp_path: Path) -> None:
    state = tmp_path / "terraform.tfstate"
    terraform_errors.check_local_state(state, "plan", where(tmp_path, state))  # no file: no state, fine
    state.write_text("")
    with pytest.raises(terraform_errors.TerraformProblem, match="empty .0 bytes.") as refused:
        terraform_errors.check_local_state(state, "plan", where(tmp_path, state))
    assert refused.value.cause == "state_unreadable"
    state.write_text("{}")
    terraform_errors.check_local_state(state, "plan", where(tmp_path, state))


def test_state_identity_and_the_stale_message(tmp_path: Path) -> None:
    """Lineage and serial are read from the state's JSON; a stale plan says which changed."""
    assert terraform_errors.identity("") is None
    assert terraform_errors.identity('{"version": 4, "serial": 3, "lineage": "a"}') == {"lineage": "a", "serial": 3}
    for bad in ('{"version": 4', "[]", '{"serial": "3", "lineage": "a"}'):
        with pytest.raises(ValueError):
            terraform_errors.identity(bad)
    here = where(tmp_path)
    moved = terraform_errors.stale("apply", here, {"lineage": "a", "serial": 3}, {"lineage": "a", "serial": 5})
    assert moved.cause == "stale_plan" and "serial 3 then, 5 now" in str(moved) and "make plan ENV=sandbox" in str(moved)
    replaced = terraform_errors.stale("apply", here, {"lineage": "a", "serial": 3}, {"lineage": "b", "serial": 1})
    assert "another lineage" in str(replaced)


def test_a_config_error_in_a_rewritten_sandbox_file_names_the_source_and_the_copy(tmp_path: Path) -> None:
    """The sandbox runs a bridged copy: an error there names the repository's file, and the copy's line when they differ."""
    output = fixture("tf_file_error", "1.15.5")
    message = str(terraform_errors.explain(output, "plan", where(tmp_path)))
    same = (bridge.TARGET / "stack" / "main.tf").is_file() and (bridge.TARGET / "stack" / "main.tf").read_bytes() == (
        bridge.SOURCE / "stack" / "main.tf"
    ).read_bytes()
    expected = "terraform/stack/main.tf line 100" if same else "terraform/stack/main.tf (line 100 of its sandbox copy"
    assert expected in message, message


def test_output_that_is_not_a_diagnostic_is_still_one_line(tmp_path: Path) -> None:
    problem = terraform_errors.explain("something odd\nand its last line\n", "destroy", where(tmp_path))
    assert problem.cause == "unknown"
    assert (
        str(problem)
        == "destroy for ENV=sandbox failed: and its last line; fix what Terraform names, then make destroy ENV=sandbox"
    )
