"""The schema check with real Terraform and the stand-in provider: the repository passes, and
each negative fixture is refused with Terraform's own message."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from scripts import toolchain
from scripts.schema_check import check, mirror

pytestmark = pytest.mark.functional

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "schema_check"

# fixture -> (the step that refuses it, lines of Terraform's message)
REFUSED = {
    "misspelt_argument": (
        "validate",
        ["Error: Unsupported argument", 'An argument named "nmae" is not expected here. Did you mean "name"?'],
    ),
    "wrong_type": (
        "validate",
        ["Error: Incorrect attribute value type", 'Inappropriate value for attribute "architectures": list of string'],
    ),
    "missing_required_argument": ("validate", ["Error: Missing required argument", 'The argument "type" is required']),
    "block_as_attribute": (
        "validate",
        ["Error: Unsupported argument", 'An argument named "environment" is not expected here. Did you mean to define'],
    ),
    "ephemeral_into_value": ("validate", ["Error: Invalid use of ephemeral value", 'Ephemeral values are not valid for "value"']),
    "unmarked_sensitive_output": ("plan", ["Error: Output refers to sensitive values"]),
}


def _flat(output: str) -> str:
    """Terraform's boxed diagnostics as plain text (box characters and line wraps removed)."""
    return " ".join(line.strip("│╷╵ ") for line in output.splitlines())


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_negative_fixture_is_refused_with_terraforms_message(case: str, tmp_path: Path) -> None:
    step, messages = REFUSED[case]
    failed, output = check.try_configuration(FIXTURES / case, tmp_path / case)
    assert failed == step, output
    for message in messages:
        assert message in _flat(output), output


def test_the_correct_configuration_is_accepted(tmp_path: Path) -> None:
    failed, output = check.try_configuration(FIXTURES / "accepted", tmp_path / "accepted")
    assert failed is None, output


def test_apply_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    work = tmp_path / "accepted"
    assert check.try_configuration(FIXTURES / "accepted", work)[0] is None
    result = subprocess.run(
        [toolchain.load().terraform, f"-chdir={work}", "apply", "-auto-approve", "-input=false", "-no-color"],
        capture_output=True,
        text=True,
        env=check.terraform_env(mirror.CLI_CONFIG),
    )
    assert result.returncode != 0
    assert "schema-only stand-in for hashicorp/aws 6.69.1: it cannot apply" in _flat(result.stdout + result.stderr)


def test_every_root_module_stack_and_example_passes_and_no_lock_file_lands_in_terraform() -> None:
    locks_before = sorted((ROOT / "terraform").rglob(".terraform.lock.hcl"))
    rows = check.check_all()
    assert [name for name, ok, _ in rows if not ok] == [], rows
    names = [name for name, _, _ in rows]
    assert "6.69.1 schema: envs/aws-dev" in names and "6.69.1 schema: envs/aws-prod" in names
    assert len(names) == 10  # the AWS root for dev and prod, 4 modules, the stack, 2 examples, the dev plan's review
    assert sorted((ROOT / "terraform").rglob(".terraform.lock.hcl")) == locks_before
    lock = (check.SCRATCH / "envs" / "aws-dev" / ".terraform.lock.hcl").read_text()
    assert 'version     = "6.69.1"' in lock


def test_the_committed_files_are_what_the_pinned_wheels_give(tmp_path: Path) -> None:
    """Regenerating from the cached wheels (build/schema-cache/) gives the committed bytes."""
    from scripts.schema_check import DESCRIPTOR_FILE, SCHEMA_FILE, regenerate

    if not (regenerate.CACHE / "cdktn_provider_aws-25.8.1-py3-none-any.whl").is_file():
        pytest.skip("the 71 MB bindings wheel is not cached: run python -m scripts.schema_check --regenerate once")
    assert regenerate.regenerate(tmp_path / "schema.json").read_bytes() == SCHEMA_FILE.read_bytes()
    if (regenerate.CACHE / "pyvider-0.8.1-py3-none-any.whl").is_file():
        assert regenerate.regenerate_descriptor(tmp_path / "tfplugin6.desc").read_bytes() == DESCRIPTOR_FILE.read_bytes()
