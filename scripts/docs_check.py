"""Checks of the project's own documentation: the README stays short, links resolve, code fits, tables are current.

    python -m scripts.docs_check          (make lint runs it)
    python -m scripts.docs_check --write  (rewrite the generated tables)

The README is the first read: at most README_LIMIT bytes, every relative link (README and
docs/) points at a file that exists, and no line of a code block is wider than CODE_WIDTH
columns (GitHub scrolls wider ones sideways). No text file holds a merge's conflict markers (a
README once shipped two versions of a section that way). The table of the plan review's rules in
docs/plan-review.md is generated from the rule registry (scripts/review/rules/) between its
markers and must match it.
"""

from __future__ import annotations

import argparse
import inspect
import os
import re
from pathlib import Path

from scripts.common import ROOT, run_main
from scripts.review.rules import registry

README_LIMIT = 10_000
CODE_WIDTH = 100
LINK = re.compile(r"\[[^\]]*\]\(([^)#\s]+)(?:#[^)]*)?\)")
RULES_PAGE = Path("docs/plan-review.md")
RULES_BEGIN = "<!-- BEGIN_RULES: generated from scripts/review/rules/ by python -m scripts.docs_check --write -->"
RULES_END = "<!-- END_RULES -->"
CONFLICT = re.compile(r"^(<{7}|>{7}) ", re.M)  # the lines git writes around a conflict (not "=======", a heading rule)
TEXT_SUFFIXES = {".md", ".py", ".tf", ".tfvars", ".hcl", ".txt", ".toml", ".cfg", ".yml", ".yaml", ".json", ".csv", ".sh"}
SKIP_DIRS = {"build", "__pycache__", "node_modules"}  # and every hidden folder (.git, .venv, .sandbox)


def rule_table() -> str:
    """The plan review's built-in rules as a markdown table, from the registry."""
    lines = ["| ID | severity | title | finds | why | SARIF ID before |", "| --- | --- | --- | --- | --- | --- |"]
    for rule in registry():
        severity = rule.severity.value + (f" ({rule.severity_note})" if rule.severity_note else "")
        previous = ", ".join(f"`{p}`" for p in rule.previous_ids) or "(new)"
        finds = " ".join((inspect.getdoc(inspect.getmodule(rule)) or "").split()).removeprefix(f"{rule.id}: ")
        cells = [f"`{rule.id}`", severity, rule.title, finds, rule.why, previous]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


def rule_table_problems(root: Path = ROOT) -> list[str]:
    """The rule table in docs/plan-review.md, if that page exists, must be the registry's."""
    page = root / RULES_PAGE
    if not page.is_file():
        return []
    text = page.read_text()
    if RULES_BEGIN not in text or RULES_END not in text:
        return [f"{RULES_PAGE}: no rule table markers; add {RULES_BEGIN} ... {RULES_END}"]
    current = text.split(RULES_BEGIN, 1)[1].split(RULES_END, 1)[0].strip()
    if current != rule_table():
        return [f"{RULES_PAGE}: the rule table differs from scripts/review/rules/; run python -m scripts.docs_check --write"]
    return []


def write_rule_table(root: Path = ROOT) -> None:
    page = root / RULES_PAGE
    text = page.read_text()
    head, rest = text.split(RULES_BEGIN, 1)
    tail = rest.split(RULES_END, 1)[1]
    page.write_text(f"{head}{RULES_BEGIN}\n{rule_table()}\n{RULES_END}{tail}")


def conflict_markers(root: Path = ROOT) -> list[str]:
    """Every text file (README, docs, code, Terraform, data) with a line git writes around a merge conflict."""
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIP_DIRS)
        for name in sorted(files):
            path = Path(folder) / name
            if path.suffix in TEXT_SUFFIXES or name == "Makefile":
                text = path.read_text(errors="replace")
                marker = CONFLICT.search(text)
                if marker:
                    number = text.count("\n", 0, marker.start()) + 1
                    found.append(f"{path.relative_to(root)}:{number}: a merge conflict marker; resolve the conflict")
    return found


def problems(root: Path = ROOT) -> list[str]:
    """Every problem found, one line each (empty: all good)."""
    found = []
    readme = root / "README.md"
    size = readme.stat().st_size
    if size > README_LIMIT:
        found.append(f"README.md is {size} bytes (limit {README_LIMIT}): move detail to docs/")
    for page in [readme, *sorted((root / "docs").glob("*.md"))]:
        in_code = False
        for number, line in enumerate(page.read_text().splitlines(), 1):
            if line.startswith("```"):
                in_code = not in_code
            elif in_code and len(line) > CODE_WIDTH and page == readme:
                found.append(f"{page.relative_to(root)}:{number}: a code line of {len(line)} columns (limit {CODE_WIDTH})")
            for target in LINK.findall(line) if not in_code else []:
                if not target.startswith(("http://", "https://", "mailto:")) and not (page.parent / target).exists():
                    found.append(f"{page.relative_to(root)}:{number}: link to {target}, which does not exist")
    return found + conflict_markers(root) + rule_table_problems(root)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true", help="rewrite the generated tables, then check")
    if parser.parse_args().write:
        write_rule_table()
    found = problems()
    for line in found:
        print(line)
    print(f"docs: {len(found)} problem(s)")
    return 1 if found else 0


if __name__ == "__main__":
    run_main(main)
