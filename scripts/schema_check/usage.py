"""Which AWS resource and data source types the checked Terraform code uses (python-hcl2)."""

from __future__ import annotations

from pathlib import Path

import hcl2

from scripts.common import ROOT

TERRAFORM = ROOT / "terraform"
# The directories the schema check runs: real-AWS roots, modules, the stack, the examples.
CHECKED = (
    "envs/aws",
    "modules/access_policy",
    "modules/function",
    "modules/parameters",
    "modules/secret",
    "stack",
    "examples/complete",
    "examples/minimal",
)


def _unquote(key: str) -> str:
    return key.strip('"')


def types_in(directory: Path) -> dict[str, set[str]]:
    """{"resource": {...}, "data": {...}} for the .tf files of one directory."""
    found: dict[str, set[str]] = {"resource": set(), "data": set()}
    for path in sorted(directory.glob("*.tf")):
        with path.open() as handle:
            parsed = hcl2.load(handle)
        for kind in found:
            for entry in parsed.get(kind, []):
                found[kind].update(_unquote(k) for k in entry if _unquote(k).startswith("aws_"))
    return found


def types_used(base: Path = TERRAFORM, directories: tuple[str, ...] = CHECKED) -> dict[str, list[str]]:
    """The sorted resource and data source types over every checked directory."""
    found: dict[str, set[str]] = {"resource": set(), "data": set()}
    for name in directories:
        for kind, types in types_in(base / name).items():
            found[kind] |= types
    return {kind: sorted(types) for kind, types in found.items()}
