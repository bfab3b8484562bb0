"""Review a saved Terraform plan the way a careful reviewer would, offline, and safe to post.

The package, one job per module: `plan` (read and check the plan JSON), `view` (the plan
as rules see it), `sources` (where its configuration lives: files and lines), `resolve`
(values shown as known after apply, resolved from the configuration), `redact` (find and
mask secret-looking values), `changes` (what changes, by module), `policy` and
`policy_attributes` (every policy document as grants, on every type that carries one),
`lifecycle` (what is lost), `rule` and `rules/` (the built-in rules, one module each, and
their registry), `risks` (the registry over one plan), `rego` (the team's own rules),
`scan` (checkov's findings as risks), `cost` (before → after), `report` (the review, by
app), `render` and `sarif` (terminal, markdown, JSON, SARIF), `writer` (files, 0600),
`post` (one pull-request comment, updated in place), `speed` (its own timing on a 500-resource
plan, for make bench). Run `python -m scripts.review --help`.

The API the Terraform flow uses: `write_review(plan_json, env, usage_file=..., scan=...,
repo_root=..., policy=...)` returns a `Review` (`.total`, `.scan`, `.risks`, `.apps`),
`render_terminal(review, colour=...)`, `tripped(review, fail_on)`, `discard_outputs(env)`
before planning (a failed plan leaves nothing behind), `private_umask()` around
`terraform plan -out` and `write_private(path, text)` for the JSON.
"""

from scripts.review.cost import load_usage
from scripts.review.model import FAIL_ON, MASK, SEVERITIES, Review, Risk, Severity
from scripts.review.plan import check_fresh, load_plan
from scripts.review.render import headline, render_json, render_markdown, render_terminal
from scripts.review.report import exit_code, for_app, review, tripped
from scripts.review.scan import scan_plan
from scripts.review.writer import PLAN_DIR, discard_outputs, private_umask, write_private, write_review

__all__ = [
    "FAIL_ON",
    "MASK",
    "PLAN_DIR",
    "SEVERITIES",
    "Review",
    "Risk",
    "Severity",
    "check_fresh",
    "discard_outputs",
    "exit_code",
    "for_app",
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
