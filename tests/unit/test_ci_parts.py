"""scripts/ci's small parts: the backend file from repository variables, and finding the reviewed plan run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scripts.aws_errors import AwsProblem
from scripts.ci import backend, github, seal
from scripts.common import UserError

EXAMPLE = Path(__file__).resolve().parents[2] / "terraform/envs/aws/dev.backend.hcl.example"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    shutil.copy(EXAMPLE, tmp_path / EXAMPLE.name)
    return tmp_path


def test_the_backend_file_is_the_example_with_the_bucket_and_region(root: Path) -> None:
    """Only bucket (and region) change; the state key, encryption and locking stay as the example says."""
    written = backend.write("dev", "acme-tfstate", "eu-west-1", root=root).read_text()
    assert 'bucket       = "acme-tfstate"' in written and 'region       = "eu-west-1"' in written
    assert written.replace("acme-tfstate", "my-terraform-state-bucket").replace("eu-west-1", "us-east-1") == EXAMPLE.read_text()


@pytest.mark.parametrize("bucket", ["", "my-terraform-state-bucket", "Bad_Name"])
def test_an_empty_example_or_bad_bucket_variable_leaves_no_file(root: Path, bucket: str) -> None:
    """A repository variable left empty, holding the example's name, or not a bucket name: one line, no file."""
    with pytest.raises(UserError):
        backend.write("dev", bucket, root=root)
    assert not (root / "dev.backend.hcl").exists()
    with pytest.raises(AwsProblem) if bucket else pytest.raises(UserError, match="TF_STATE_BUCKET"):
        backend.write("dev", bucket, root=root)


PULL = {"number": 7, "merged_at": "2026-12-01T10:00:00Z", "merge_commit_sha": "m" * 40, "head": {"sha": "h" * 40}}


def test_the_merged_pull_request_is_the_one_merged_as_this_commit() -> None:
    """A pull request that only contains the commit (not merged as it) does not count; none at all is refused."""
    other = {**PULL, "number": 8, "merge_commit_sha": "x" * 40}
    open_one = {**PULL, "number": 9, "merged_at": None}
    assert github.merged_pull([other, open_one, PULL], "m" * 40)["number"] == 7
    with pytest.raises(UserError, match="not merged from a pull request"):
        github.merged_pull([other, open_one], "m" * 40)


def test_the_newest_plan_run_of_the_head_commit_must_have_passed() -> None:
    """An older passed run does not excuse a newer failed one; a run of another commit does not count."""
    runs = [
        {"id": 1, "head_sha": "h" * 40, "created_at": "2026-12-01T08:00:00Z", "conclusion": "success"},
        {"id": 2, "head_sha": "h" * 40, "created_at": "2026-12-01T09:00:00Z", "conclusion": "success"},
        {"id": 3, "head_sha": "o" * 40, "created_at": "2026-12-01T09:30:00Z", "conclusion": "success"},
    ]
    assert github.plan_run(runs, PULL) == 2
    failed = [*runs, {"id": 4, "head_sha": "h" * 40, "created_at": "2026-12-01T09:45:00Z", "conclusion": "failure"}]
    with pytest.raises(UserError, match="did not pass"):
        github.plan_run(failed, PULL)
    with pytest.raises(UserError, match="no plan run"):
        github.plan_run(runs[2:], PULL)


def plan_json(before: str, after: str, **extra: object) -> dict[str, object]:
    change = {"actions": ["update"], "before": {"value": before}, "after": {"value": after}, "after_unknown": {}}
    return {"resource_changes": [{"address": "aws_ssm_parameter.url", "change": change}], "output_changes": {}, **extra}


def test_the_fingerprint_follows_what_the_apply_would_do_and_nothing_else() -> None:
    """A different value before (drift), after, or another output changes it; Terraform's bookkeeping does not."""
    base = seal.fingerprint(plan_json("a", "b"))
    assert seal.fingerprint(plan_json("drifted", "b")) != base
    assert seal.fingerprint(plan_json("a", "c")) != base
    assert seal.fingerprint(plan_json("a", "b") | {"output_changes": {"x": {"actions": ["create"]}}}) != base
    unrelated = plan_json("a", "b", timestamp="2026-12-03T10:00:00Z", terraform_version="1.15.5", prior_state={"serial": 9})
    assert seal.fingerprint(unrelated) == base
    assert (
        seal.changes(plan_json("a", "b"))["aws_ssm_parameter.url"] != seal.changes(plan_json("a", "c"))["aws_ssm_parameter.url"]
    )
