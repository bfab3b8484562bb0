"""Checks of the project's own documentation: the README stays short, links resolve, code fits.

    python -m scripts.docs_check          (make lint runs it)

The README is the first read: at most README_LIMIT bytes, every relative link (README and
docs/) points at a file that exists, and no line of a code block is wider than CODE_WIDTH
columns (GitHub scrolls wider ones sideways).
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from scripts.common import ROOT, run_main

README_LIMIT = 10_000
CODE_WIDTH = 100
LINK = re.compile(r"\[[^\]]*\]\(([^)#\s]+)(?:#[^)]*)?\)")


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
    return found


def main() -> int:
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
    found = problems()
    for line in found:
        print(line)
    print(f"docs: {len(found)} problem(s)")
    return 1 if found else 0


if __name__ == "__main__":
    run_main(main)
