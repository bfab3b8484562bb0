"""Post the review as one pull-request comment per root, updated in place (never one per push).

    python -m scripts.review.post --env dev --pr 42 [--repo owner/name] [--body FILE]

Finds the comment that carries the review's hidden marker (<!-- plan-review:<env> -->) and
edits it, or creates it if there is none, with the GitHub CLI (`gh api`, authenticated by
GH_TOKEN). The body goes to gh from the file (`-F body=@FILE`), never through argv. The file
is the markdown review, which holds no secret-looking value (docs/plan-review.md).
"""

from __future__ import annotations

import argparse
import os
import shutil
from pathlib import Path

from scripts.common import UserError, run, run_main, say
from scripts.review.render import MARKER
from scripts.review.writer import PLAN_DIR


def find_comment(gh: str, repo: str, pr: int, marker: str) -> str | None:
    """The ID of the pull request's comment that carries `marker`, or None."""
    listed = run(
        [
            gh,
            "api",
            "--paginate",
            f"repos/{repo}/issues/{pr}/comments",
            "--jq",
            f'.[] | select(.body | contains("{marker}")) | .id',
        ],
        capture=True,
    )
    ids = listed.stdout.split()
    return ids[0] if ids else None


def post(gh: str, repo: str, pr: int, env: str, body: Path) -> str:
    """Create or update the review comment; returns "created" or "updated"."""
    if MARKER.format(env=env) not in body.read_text(encoding="utf-8"):
        raise UserError(f"{body} has no review marker for ENV={env}; make it with: make plan ENV={env}")
    comment = find_comment(gh, repo, pr, MARKER.format(env=env))
    if comment:
        run([gh, "api", "-X", "PATCH", f"repos/{repo}/issues/comments/{comment}", "-F", f"body=@{body}"], capture=True)
        return "updated"
    run([gh, "api", f"repos/{repo}/issues/{pr}/comments", "-F", f"body=@{body}"], capture=True)
    return "created"


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.review.post", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--env", default=os.environ.get("ENV", "sandbox"), help="the root's environment (default sandbox)")
    parser.add_argument("--pr", type=int, required=True, help="pull request number")
    parser.add_argument("--repo", default=os.environ.get("GITHUB_REPOSITORY"), help="owner/name (default $GITHUB_REPOSITORY)")
    parser.add_argument("--body", type=Path, help="the markdown review (default build/plans/<env>.review.md)")
    args = parser.parse_args()
    if not args.repo:
        raise UserError("no repository: pass --repo owner/name or set GITHUB_REPOSITORY")
    gh = shutil.which("gh")
    if not gh:
        raise UserError("the GitHub CLI (gh) is not on PATH; install it or use the gh api recipe in docs/plan-review.md")
    body = args.body or PLAN_DIR / f"{args.env}.review.md"
    if not body.is_file():
        raise UserError(f"no review at {body}; make one with: make plan ENV={args.env}")
    say(f"review comment {post(gh, args.repo, args.pr, args.env, body)} on {args.repo}#{args.pr}")
    return 0


if __name__ == "__main__":
    run_main(main)
