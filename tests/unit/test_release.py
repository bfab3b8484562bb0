"""The release facts: a license, one version, a changelog in Keep a Changelog's format that names it."""

from __future__ import annotations

import re
from pathlib import Path

from scripts import module_docs

ROOT = Path(__file__).resolve().parents[2]
RELEASE = re.compile(r"^## \[(\d+)\.(\d+)\.(\d+)\] - \d{4}-\d{2}-\d{2}$")
KINDS = {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}  # Keep a Changelog 1.1.0's types


def releases(text: str) -> list[tuple[int, int, int]]:
    """The released versions, in the order the changelog lists them."""
    return [tuple(int(n) for n in m.groups()) for line in text.splitlines() if (m := RELEASE.match(line))]  # type: ignore[misc]


def problems(text: str, version: str) -> list[str]:
    """What is wrong with a changelog for the project at `version` (empty: nothing)."""
    found = []
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    if not headings or headings[0] != "## [Unreleased]":
        found.append("the first section must be ## [Unreleased], where the next changes go")
    found += [f"not a release heading: {h}" for h in headings[1:] if not RELEASE.match(h)]
    listed = releases(text)
    if listed != sorted(listed, reverse=True) or len(set(listed)) != len(listed):
        found.append(f"releases not newest first, or repeated: {listed}")
    if not listed or ".".join(map(str, listed[0])) != version:
        found.append(f"VERSION {version} is not the newest release in the changelog")
    found += [
        f"unknown kind of change: {line}" for line in text.splitlines() if line.startswith("### ") and line[4:] not in KINDS
    ]
    return found


def test_the_changelog_follows_the_format_and_names_the_version() -> None:
    """CHANGELOG.md: [Unreleased] first, releases newest first with dates, the newest one is VERSION."""
    assert problems((ROOT / "CHANGELOG.md").read_text(), module_docs.version()) == []


def test_the_changelog_check_can_fail() -> None:
    """Each rule refuses what breaks it."""
    good = "# Changelog\n\n## [Unreleased]\n\n## [0.2.0] - 2026-12-01\n### Added\n- x\n\n## [0.1.0] - 2026-11-29\n"
    assert problems(good, "0.2.0") == []
    assert problems(good, "0.3.0") != []  # VERSION ahead of the changelog
    assert problems(good.replace("## [Unreleased]\n\n", ""), "0.2.0") != []
    assert problems(good.replace("0.2.0] - 2026-12-01", "0.2.0]"), "0.2.0") != []
    assert problems(good.replace("### Added", "### Migration"), "0.2.0") != []
    assert problems(good.replace("[0.2.0]", "[0.0.9]"), "0.0.9") != []  # out of order


def test_every_module_readme_pins_the_version_tag() -> None:
    """Each module README's git:: source names the tag of VERSION (generated: make docs)."""
    tag = f"?ref=v{module_docs.version()}"
    for directory in module_docs.module_dirs():
        readme = (directory / "README.md").read_text()
        sources = re.findall(r'source = "git::([^"]+)"', readme)
        assert sources == [f"{module_docs.REPOSITORY_URL}//{directory.relative_to(ROOT).as_posix()}{tag}"], directory
        assert "| terraform | `>= " in readme and "hashicorp/aws" in readme


def test_the_license_is_the_apache_license_unmodified() -> None:
    """LICENSE is the Apache License 2.0's full text (GitHub and pip tools recognise it only when whole)."""
    text = (ROOT / "LICENSE").read_text()
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text and "9. Accepting Warranty or Additional Liability." in text
    assert len(text.split()) > 1500
