"""Write (or check) the inputs and outputs tables of each module's README from its declarations.

    python -m scripts.module_docs [--check]

Reads variables.tf and outputs.tf of terraform/modules/* and terraform/stack with
python-hcl2 and replaces the text between `<!-- BEGIN_TF_DOCS -->` and
`<!-- END_TF_DOCS -->` in the README beside them. --check changes nothing and exits 1
if a README is out of date (the tests run it).
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

from scripts.common import ROOT, UserError, run_main, say

BEGIN, END = "<!-- BEGIN_TF_DOCS -->", "<!-- END_TF_DOCS -->"


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
    return f"{head}{BEGIN}\n{tables(directory)}\n{END}{tail}"


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
