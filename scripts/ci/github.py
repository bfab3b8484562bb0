"""Which plan run reviewed a merge commit: GitHub's API through the GitHub CLI (`gh api`, GH_TOKEN).

The apply job runs on the merge commit; the plan it may apply was made and reviewed in
the pull request that commit merged. `merged_pull()` finds that pull request (GitHub
associates merge, squash and rebase commits with it); `plan_run()` finds the newest run of
the plan workflow for the pull request's head commit, which must have passed.
"""

from __future__ import annotations

import json
from typing import Any

from scripts.common import UserError, run


def api(gh: str, path: str) -> Any:
    return json.loads(run([gh, "api", path], capture=True).stdout)


def merged_pull(pulls: list[dict[str, Any]], sha: str) -> dict[str, Any]:
    """The pull request merged as `sha`, from GET /repos/{repo}/commits/{sha}/pulls."""
    merged = [p for p in pulls if p.get("merged_at") and p.get("merge_commit_sha") == sha]
    if not merged:
        raise UserError(
            f"commit {sha[:12]} was not merged from a pull request, so no plan of it was reviewed: nothing is applied "
            "(merge through a pull request, or run the plan workflow by hand and apply that run: docs/ci.md)"
        )
    return merged[0]


def plan_run(runs: list[dict[str, Any]], pull: dict[str, Any]) -> int:
    """The id of the newest plan run for the pull request's head commit (GET .../workflows/plan.yml/runs), if it passed."""
    head = pull["head"]["sha"]
    mine = sorted((r for r in runs if r.get("head_sha") == head), key=lambda r: r.get("created_at", ""), reverse=True)
    if not mine:
        raise UserError(f"pull request #{pull['number']} has no plan run for its last commit {head[:12]}: nothing is applied")
    newest = mine[0]
    if newest.get("conclusion") != "success":
        raise UserError(
            f"the last plan of pull request #{pull['number']} ({newest.get('html_url', newest['id'])}) did not pass "
            f"({newest.get('conclusion') or newest.get('status')}): nothing is applied"
        )
    return int(newest["id"])


def reviewed_run(gh: str, repository: str, sha: str, workflow: str = "plan.yml") -> int:
    """The plan run that reviewed the merge commit `sha` of `repository`."""
    pull = merged_pull(api(gh, f"repos/{repository}/commits/{sha}/pulls"), sha)
    runs = api(gh, f"repos/{repository}/actions/workflows/{workflow}/runs?event=pull_request&head_sha={pull['head']['sha']}")
    return plan_run(runs.get("workflow_runs", []), pull)
