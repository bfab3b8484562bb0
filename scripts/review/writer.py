"""Write the review files beside the plan, private from creation; discard them when a plan fails.

Every file is created with mode 0600 under umask 077 (never widened, never chmod-ed after
the fact) and moved into place atomically. A plan that failed or errored must not leave an
older plan, its JSON or its reviews behind for a later apply or --fail-on to trust, so
`discard_outputs` removes them all, and `write_review` does the same for an errored plan.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

from scripts.common import BUILD, ROOT, UserError
from scripts.review import cost, rego, render, sarif
from scripts.review.model import Review
from scripts.review.plan import load_plan
from scripts.review.report import review
from scripts.review.scan import scan_plan
from scripts.review.sources import Sources

PLAN_DIR = BUILD / "plans"
SUFFIXES = (".tfplan", ".tfplan.json", ".review.md", ".review.full.md", ".review.json", ".review.sarif")


@contextlib.contextmanager
def private_umask() -> Iterator[None]:
    """umask 077 for the files created inside the block."""
    old = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(old)


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path`, mode 0600 from creation, replacing any older file atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with private_umask():
        temporary.unlink(missing_ok=True)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
    os.replace(temporary, path)


def discard_outputs(env: str, plan_dir: Path = PLAN_DIR) -> list[Path]:
    """Remove the saved plan, its JSON and its reviews for `env` (call it when a plan fails); returns what was removed."""
    return _discard(plan_dir, env)


def _discard(directory: Path, stem: str) -> list[Path]:
    removed = []
    for suffix in SUFFIXES:
        path = directory / f"{stem}{suffix}"
        if path.exists():
            path.unlink()
            removed.append(path)
    return removed


def stem_of(plan_json: Path) -> str:
    return plan_json.name.removesuffix(".tfplan.json").removesuffix(".json")


def context() -> dict[str, str]:
    """The commit and, in GitHub Actions, the run's link."""
    found = {}
    commit = os.environ.get("GITHUB_SHA")
    if not commit:
        result = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False)
        commit = result.stdout.strip() if result.returncode == 0 else ""
    if commit:
        found["commit"] = commit
    if os.environ.get("GITHUB_RUN_ID") and os.environ.get("GITHUB_REPOSITORY"):
        server = os.environ.get("GITHUB_SERVER_URL", "https://github.com")
        found["run_url"] = f"{server}/{os.environ['GITHUB_REPOSITORY']}/actions/runs/{os.environ['GITHUB_RUN_ID']}"
    return found


def write_review(
    plan_json: Path,
    env: str,
    *,
    usage_file: Path | None,
    scan: bool,
    repo_root: Path | None = None,
    masks: list[str] | tuple[str, ...] = (),
    checkov_severity: dict[str, str] | None = None,
    policy: Path | None = None,
) -> Review:
    """Review a plan JSON file; write the markdown, JSON and SARIF reviews beside it (0600); return the review.

    `policy`: the team's Rego folder (default: $REVIEW_POLICY, else policy/ when it exists).
    An unreadable or errored plan, or a team rule that does not compile, removes the plan,
    its JSON and any older reviews, then raises.
    """
    stem = stem_of(plan_json)
    try:
        plan = load_plan(plan_json)
        where = rego.folder(policy)
        team_rules = rego.TeamRules.load(where) if where is not None else None
    except UserError:
        _discard(plan_json.parent, stem)
        raise
    sources = Sources.locate(plan, env)
    scanned = scan_plan(plan_json, repo_root or ROOT / "terraform") if scan else None
    try:
        result = review(
            plan,
            env,
            cost.load_usage(usage_file),
            scanned,
            masks=masks,
            checkov_severity=checkov_severity,
            context=context(),
            sources=sources,
            team_rules=team_rules,
            plan_text=plan_json.read_text() if team_rules else None,
        )
    except UserError:
        _discard(plan_json.parent, stem)
        raise
    markdown = render.render_markdown(result)
    full_file = plan_json.parent / f"{stem}.review.full.md"
    pointer = f"The full review is {full_file.name} (and {stem}.review.json) in the job's artifacts."
    comment = render.guard_size(markdown, pointer)
    write_private(plan_json.parent / f"{stem}.review.md", comment)  # what a pull request gets: fits a comment
    if comment != markdown:
        write_private(full_file, markdown)
    else:
        full_file.unlink(missing_ok=True)
    write_private(plan_json.parent / f"{stem}.review.json", render.render_json(result))
    write_private(plan_json.parent / f"{stem}.review.sarif", sarif.render_sarif(result, sources))
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as handle:  # the runner's own file: append, keep its mode
            handle.write(render.guard_size(markdown, pointer, limit=1024 * 1024) + "\n")
    return result
