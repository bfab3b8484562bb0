"""The markdown review rendered the way GitHub renders a comment (cmark-gfm, PyPI cmarkgfm), structure checked.

Inputs: the checked-in reviews of real plans (tests/functional/plan_reviews/) and one
review with checkov findings. GitHub's sanitiser keeps <details>, <summary> and tables and
drops HTML comments, which is what the hidden marker relies on.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from scripts import review

cmarkgfm = pytest.importorskip("cmarkgfm")  # requirements: cmarkgfm (docs/plan-review.md, "Dependencies")
from cmarkgfm.cmark import Options  # noqa: E402

REVIEWS = sorted((Path(__file__).parent.parent / "functional" / "plan_reviews").glob("*.md"))
MAX_COLUMNS = 4
MAX_CELL = 100  # characters of prose in one table cell


class Structure(HTMLParser):
    """Headings in order, <details> (open or not) with their summaries, tables' column counts and cells."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[str] = []
        self.details: list[bool] = []
        self.columns: list[int] = []
        self.cells: list[str] = []
        self.depth = 0
        self._in: str | None = None
        self._text = ""
        self._row = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("h3", "h4", "td", "th", "summary"):
            self._in, self._text = tag, ""
        if tag == "details":
            self.details.append(any(name == "open" for name, _ in attrs))
            self.depth += 1
        if tag == "tr":
            self._row = 0
        if tag in ("td", "th"):
            self._row += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h3", "h4") and self._in == tag:
            self.headings.append(self._text.strip())
        if tag in ("td", "th"):
            self.cells.append(self._text.strip())
        if tag == "tr":
            self.columns.append(self._row)
        if tag == "details":
            self.depth -= 1
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in:
            self._text += data


def render(markdown: str) -> tuple[str, Structure]:
    html = cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)
    structure = Structure()
    structure.feed(html)
    return html, structure


@pytest.mark.parametrize("path", REVIEWS, ids=[p.stem for p in REVIEWS])
def test_rendered_review_structure(path: Path) -> None:
    """Headline first (marker hidden), risks before changes, balanced collapsed details, narrow tables."""
    html, s = render(path.read_text())
    marker = re.search(r"<!-- plan-review:([\w-]+) -->", html)  # kept as an HTML comment: invisible once rendered
    assert marker is not None
    assert s.headings[0].startswith(("🔴", "🟠", "🟡", "✅")) and f"ENV={marker.group(1)}" in s.headings[0]
    assert "plan-review:" not in s.headings[0]
    assert s.headings.index("Risks") < s.headings.index("Changes")
    assert s.depth == 0
    assert all(c <= MAX_COLUMNS for c in s.columns)
    assert all(len(cell) <= MAX_CELL for cell in s.cells)
    assert s.details[-1] is False  # the cost table is collapsed


def test_checkov_is_collapsed_and_failures_are_risks_first() -> None:
    """Failed checks are risk lines before the changes; skips sit in a closed <details>."""
    plan = {
        "format_version": "1.2",
        "terraform_version": "1.11.4",
        "applyable": True,
        "complete": True,
        "resource_changes": [
            {"address": "aws_cloudwatch_log_group.l", "type": "aws_cloudwatch_log_group", "name": "l", "mode": "managed",
             "change": {"actions": ["create"], "before": None, "after": {"name": "/l"}}},
        ],
    }  # fmt: skip
    scan = {
        "passed": 3,
        "failed": [{"id": "CKV_AWS_338", "name": "retention of a year", "resource": "aws_cloudwatch_log_group.l"}],
        "skipped": [{"id": "CKV_AWS_158", "resource": "aws_cloudwatch_log_group.l", "reason": "default encryption"}],
    }
    markdown = review.render_markdown(review.review(plan, "dev", review.load_usage(None), scan))
    html, s = render(markdown)
    assert html.index("CKV_AWS_338 (introduced by this change)") < html.index("<h4>Changes</h4>")
    summaries = [line for line in markdown.splitlines() if line.startswith("<details") and "checkov" in line]
    assert summaries and " open" not in summaries[0]
    assert s.depth == 0
