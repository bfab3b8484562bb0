"""Review a saved Terraform plan the way a careful reviewer would, offline, and safe to post.

The package, one job per module: `plan` (read and check the plan JSON), `redact` (find
and mask secret-looking values), `changes` (what changes, by module), `policy` (policy
analysis as grants), `lifecycle` (what is lost), `leaks` and `layers` (values that would
leak, extension layers that do not fit), `risks` (all of it over one plan), `scan`
(checkov's findings as risks), `cost` (before → after), `report` (the review),
`render` and `sarif` (terminal, markdown, JSON, SARIF), `writer` (files, 0600),
`post` (one pull-request comment, updated in place). Run `python -m scripts.review --help`.

The API the Terraform flow uses: `write_review(plan_json, env, usage_file=..., scan=...,
repo_root=...)` returns a `Review` (`.total`, `.scan`, `.risks`), `render_terminal(review,
colour=...)`, `discard_outputs(env)` before planning (a failed plan leaves nothing behind),
`private_umask()` around `terraform plan -out` and `write_private(path, text)` for the JSON.
"""

from scripts.review.cost import load_usage
from scripts.review.model import MASK, SEVERITIES, Review, Risk
from scripts.review.plan import check_fresh, load_plan
from scripts.review.render import headline, render_json, render_markdown, render_terminal
from scripts.review.report import exit_code, review, tripped
from scripts.review.scan import scan_plan
from scripts.review.writer import PLAN_DIR, discard_outputs, private_umask, write_private, write_review

__all__ = [
    "MASK",
    "PLAN_DIR",
    "SEVERITIES",
    "Review",
    "Risk",
    "check_fresh",
    "discard_outputs",
    "exit_code",
    "headline",
    "load_plan",
    "load_usage",
    "private_umask",
    "render_json",
    "render_markdown",
    "render_terminal",
    "review",
    "scan_plan",
    "tripped",
    "write_private",
    "write_review",
]
