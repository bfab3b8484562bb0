"""The review's own time (checkov aside) on a real plan of 500 resources, made by Terraform against moto.

scripts/review/speed.py plans it and times the review as make plan runs it (every rendering
and file), best of three: the built-in rules alone must take under GOAL_S of CPU; the team
rules of policy/ (rego-cpp through regopy) are timed beside it and printed, with no goal.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.review import speed
from tests.conftest import ROOT, moto_server


def test_review_of_500_resources_takes_under_half_a_second(tmp_path: Path) -> None:
    """A real 500-resource plan: the built-in review in under 0.5 s of CPU, best of three; the team rules' cost printed."""
    with moto_server(tmp_path / "moto.log") as endpoint:
        plan_json = speed.make_plan(endpoint, tmp_path)
    empty = tmp_path / "no-team-rules"
    empty.mkdir()
    built_in = speed.measure(plan_json, empty)
    assert built_in["changes"] == 500 and built_in["risks"] == 0
    team = speed.measure(plan_json, ROOT / "policy", runs=1)
    assert team["risks"] == 0  # the example team rules find nothing: default_tags give every secret Project and ManagedBy
    print(f"\nreview of 500 resources ({plan_json.stat().st_size:,} bytes): built-in {built_in}; with policy/ {team}")
    if built_in["cpu_s"] > speed.GOAL_S:
        took = f"{built_in['cpu_s']:.2f} s of CPU (wall {built_in['wall_s']:.2f} s)"
        pytest.fail(f"the built-in review took {took}, goal {speed.GOAL_S} s")
