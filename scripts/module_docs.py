"""Write (or check) the generated part of each module's README from its declarations.

    python -m scripts.module_docs [--check]

Reads versions.tf, variables.tf and outputs.tf of terraform/modules/* and terraform/stack
with python-hcl2, and the project's version from VERSION, and replaces the text between
`<!-- BEGIN_TF_DOCS -->` and `<!-- END_TF_DOCS -->` in the README beside them with: the
requirements (Terraform, providers), a `git::` source pinned to the version's tag, what
changes between versions, and the inputs and outputs tables. --check changes nothing and
exits 1 if a README is out of date (the tests run it).
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

from scripts.common import ROOT, UserError, run_main, say

BEGIN, END = "<!-- BEGIN_TF_DOCS -->", "<!-- END_TF_DOCS -->"
VERSION_FILE = ROOT / "VERSION"  # the project's version, stated once; release tags are v<VERSION>
# A placeholder: the project has no public home, so each README says to put your copy's Git URL here.
REPOSITORY_URL = "https://github.com/your-org/lambda-secrets-kit.git"


def module_dirs() -> list[Path]:
    return sorted(p.parent for p in (ROOT / "terraform").glob("modules/*/variables.tf")) + [ROOT / "terraform" / "stack"]


def _text(value: Any) -> str:
    """An HCL value as python-hcl2 returns it, as the text a reader would write."""
    if isinstance(value, str):
        if value.startswith('"') and value.endswith('"'):
            try:
                value = json.loads(value, strict=False)
            except ValueError:
                value = value[1:-1]
        if value.startswith("<<"):  # heredoc: drop the markers
            return "\n".join(value.splitlines()[1:-1])
        if value.startswith("${") and value.endswith("}"):
            return value[2:-1]
        return value
    return json.dumps(value, separators=(", ", " = ")).replace('"', "") if isinstance(value, dict) else json.dumps(value)


def _cell(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().replace("|", "\\|")


def _blocks(path: Path, kind: str) -> list[tuple[str, dict[str, Any]]]:
    import hcl2

    with path.open() as handle:
        parsed = hcl2.load(handle)
    return [(json.loads(name), body) for block in parsed.get(kind, []) for name, body in block.items()]


def version() -> str:
    """The project's version (VERSION), checked to be MAJOR.MINOR.PATCH."""
    text = VERSION_FILE.read_text().strip()
    if not re.fullmatch(r"\d+\.\d+\.\d+", text):
        raise UserError(f"VERSION holds {text!r}, not MAJOR.MINOR.PATCH (semantic versioning); fix it")
    return text


def _module_path(directory: Path) -> str:
    """The module's directory inside the repository (a copy elsewhere is named as its original)."""
    if directory.is_relative_to(ROOT):
        return directory.relative_to(ROOT).as_posix()
    return "terraform/stack" if directory.name == "stack" else f"terraform/modules/{directory.name}"


def requirements(directory: Path) -> list[tuple[str, str]]:
    """(name, version constraint) of Terraform and each provider, from the module's versions.tf."""
    import hcl2

    with (directory / "versions.tf").open() as handle:
        blocks = hcl2.load(handle).get("terraform", [])
    found = []
    for block in blocks:
        if "required_version" in block:
            found.append(("terraform", _text(block["required_version"])))
        for providers in block.get("required_providers", []):
            for name, spec in providers.items():
                if isinstance(spec, dict):
                    found.append((_text(spec.get("source", f'"hashicorp/{name}"')), _text(spec.get("version", '"any"'))))
    return found


def usage(directory: Path) -> str:
    """Requirements, the pinned git:: source and what changes between versions, for one module."""
    path, tag = _module_path(directory), f"v{version()}"
    up = "/".join([".."] * len(Path(path).parts))
    lines = ["## Requirements", "", "| name | version |", "| --- | --- |"]
    for name, constraint in requirements(directory):
        shown = name if name == "terraform" else f"[{name}](https://registry.terraform.io/providers/{name})"
        lines.append(f"| {shown} | `{_cell(constraint)}` |")
    name = directory.name
    lines += [
        "",
        "## Using it from another repository",
        "",
        "```hcl",
        f'module "{name}" {{',
        f'  source = "git::{REPOSITORY_URL}//{path}?ref={tag}"',
        "  # the inputs below",
        "}",
        "```",
        "",
        f"`{REPOSITORY_URL.removeprefix('https://')}` is a placeholder: the project has no public home, so put",
        "the Git URL your organization keeps its copy at (`git::ssh://git@git.example.com/platform/lambda-secrets-kit.git`",
        f"works the same). `//{path}` is this module's directory in the repository (Terraform fetches the",
        f"whole repository, so the module's own relative sources resolve) and `?ref={tag}` pins the release tag",
        f"of version {version()} ([VERSION]({up}/VERSION)).",
        "",
        "## Versions",
        "",
        f"Releases follow semantic versioning; each one's changes are in [CHANGELOG.md]({up}/CHANGELOG.md).",
        "A patch release fixes without touching inputs, outputs or resource addresses; a minor release",
        "adds optional inputs or outputs; a major release may remove or rename one, change a default",
        "that changes what is deployed, or move a resource address (with a `moved` block where Terraform",
        "can follow it, else the `terraform state mv` commands in the changelog). While the major",
        "version is 0, a minor release may also break, and says so under its version with the steps.",
        "To upgrade: read the changelog between your `ref` and the new one, change `?ref=`, run",
        "`terraform init`, and review the plan before applying it.",
    ]
    return "\n".join(lines)


def tables(directory: Path) -> str:
    """The markdown tables for one module."""
    lines = ["## Inputs", "", "| name | type | default | description |", "| --- | --- | --- | --- |"]
    for name, body in _blocks(directory / "variables.tf", "variable"):
        default = "required" if "default" not in body else f"`{_cell(_text(body['default']))}`"
        extra = " (sensitive, ephemeral)" if body.get("ephemeral") else " (sensitive)" if body.get("sensitive") else ""
        lines.append(
            f"| `{name}` | `{_cell(_text(body.get('type', 'any')))}` | {default} | "
            f"{_cell(_text(body.get('description', '')))}{extra} |"
        )
    lines += ["", "## Outputs", "", "| name | description |", "| --- | --- |"]
    for name, body in _blocks(directory / "outputs.tf", "output"):
        lines.append(f"| `{name}` | {_cell(_text(body.get('description', '')))} |")
    return "\n".join(lines)


def render(readme: str, directory: Path) -> str:
    """The README with its generated section replaced."""
    if BEGIN not in readme or END not in readme:
        raise UserError(f"{directory.relative_to(ROOT)}/README.md has no {BEGIN} ... {END} section")
    head, rest = readme.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{usage(directory)}\n\n{tables(directory)}\n{END}{tail}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a README is out of date")
    args = parser.parse_args()
    stale = []
    for directory in module_dirs():
        readme = directory / "README.md"
        current = readme.read_text()
        wanted = render(current, directory)
        if wanted != current:
            stale.append(str(readme.relative_to(ROOT)))
            if not args.check:
                readme.write_text(wanted)
    if args.check and stale:
        raise UserError(f"out of date: {', '.join(stale)}; regenerate with: make docs")
    say(f"module READMEs: {len(stale)} {'stale' if args.check else 'updated'} of {len(module_dirs())}")
    return 0


if __name__ == "__main__":
    run_main(main)
