"""scripts/docs_check.py: the README stays short and its links resolve."""

from __future__ import annotations

from pathlib import Path

from scripts import docs_check


def test_the_repository_docs_pass() -> None:
    """The README and docs/ as committed: no problem (a link to a missing page would show here)."""
    assert docs_check.problems() == []


def test_each_problem_is_found(tmp_path: Path) -> None:
    """A long README, a broken link and a wide code line are each reported with where they are."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("[ok](../README.md) [gone](missing.md)\n")
    (tmp_path / "README.md").write_text("[a](docs/a.md)\n```\n" + "x" * 101 + "\n```\n" + "y" * 10_000)
    found = docs_check.problems(tmp_path)
    assert any("README.md is" in p for p in found)
    assert any("docs/a.md:1: link to missing.md" in p for p in found)
    assert any("README.md:3: a code line of 101 columns" in p for p in found)
    assert not any("../README.md" in p or "docs/a.md," in p for p in found)


def test_a_merge_conflict_left_in_any_text_file_is_found(tmp_path: Path) -> None:
    """Conflict markers in the README or a tfvars file are reported with their line; a markdown heading rule
    (=======) and the hidden and build folders are not."""
    (tmp_path / "README.md").write_text("Title\n=======\n\n<<<<<<< HEAD\nours\n=======\ntheirs\n>>>>>>> branch\n")
    (tmp_path / "envs").mkdir()
    (tmp_path / "envs" / "dev.tfvars").write_text("a = 1\n>>>>>>> main\n")
    for skipped in (".venv", "build"):
        (tmp_path / skipped).mkdir()
        (tmp_path / skipped / "x.md").write_text("<<<<<<< HEAD\n")
    assert docs_check.conflict_markers(tmp_path) == [
        "README.md:4: a merge conflict marker; resolve the conflict",
        "envs/dev.tfvars:2: a merge conflict marker; resolve the conflict",
    ]
