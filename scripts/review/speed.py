"""The plan review's own speed on a real plan of 500 resources (make bench's review row, and its test).

    python -m scripts.review.speed --endpoint http://127.0.0.1:PORT [--json]

Plans ROOT_TF (100 each of parameters, secrets, roles, role policies and log groups) with
Terraform against the moto server at --endpoint, then times the review of that plan as
`make plan` runs it (write_review: every rendering and file, no checkov), best of three,
twice: with the built-in rules alone (an empty policy folder) and with the team rules of
policy/ added. Wall and CPU seconds are both given: on a shared machine the CPU time of the
process is the steadier of the two.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from scripts import toolchain
from scripts.common import ROOT, run, run_main
from scripts.review.render import render_terminal
from scripts.review.writer import write_review
from scripts.sandbox import bridge, server
from scripts.terraform import terraform_env

GOAL_S = 0.5  # the built-in review of the 500-resource plan
ROOT_TF = """
locals {
  items = range(100)
}

resource "aws_ssm_parameter" "p" {
  count = length(local.items)
  name  = "/speed/app/config/p${count.index}"
  type  = "String"
  value = "value-${count.index}"
}

resource "aws_secretsmanager_secret" "s" {
  count                   = length(local.items)
  name                    = "/speed/app/secrets/s${count.index}"
  recovery_window_in_days = 7
}

resource "aws_iam_role" "r" {
  count = length(local.items)
  name  = "speed-${count.index}"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "lambda.amazonaws.com" } }]
  })
}

resource "aws_iam_role_policy" "rp" {
  count = length(local.items)
  name  = "read"
  role  = "speed-${count.index}"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["ssm:GetParameter", "secretsmanager:GetSecretValue"]
      Resource = ["arn:aws:ssm:us-east-1:123456789012:parameter/speed/app/config/p${count.index}"]
    }]
  })
}

resource "aws_cloudwatch_log_group" "l" {
  count             = length(local.items)
  name              = "/aws/lambda/speed-${count.index}"
  retention_in_days = 7
}
"""


def make_plan(endpoint: str, work: Path) -> Path:
    """ROOT_TF planned against the moto server at `endpoint`; returns the plan's JSON file."""
    root = work / "root"
    root.mkdir(parents=True, exist_ok=True)
    (root / "main.tf").write_text(ROOT_TF)
    (root / "provider.tf").write_text(bridge.sandbox_provider(endpoint, "us-east-1"))
    env = terraform_env(toolchain.CLI_CONFIG, work / "tf-data") | server.credentials_env(endpoint)
    terraform = [toolchain.load().terraform, f"-chdir={root}"]
    plan_file = work / "speed.tfplan"
    run([*terraform, "init", "-input=false", "-no-color"], env=env, capture=True, echo=False)
    run([*terraform, "plan", "-input=false", "-no-color", f"-out={plan_file}"], env=env, capture=True, echo=False)
    shown = run([*terraform, "show", "-json", str(plan_file)], env=env, capture=True, echo=False)
    plan_json = work / "speed.tfplan.json"
    plan_json.write_text(shown.stdout)
    return plan_json


def measure(plan_json: Path, policy: Path, runs: int = 3) -> dict[str, Any]:
    """Best wall and CPU seconds of the review as make plan runs it (files written, terminal rendered), and its result."""
    wall, cpu = float("inf"), float("inf")
    result = None
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = write_review(plan_json, "speed", usage_file=None, scan=False, policy=policy)
        render_terminal(result, colour=False)
        wall, cpu = min(wall, time.perf_counter() - started), min(cpu, time.process_time() - started_cpu)
    assert result is not None
    return {"wall_s": round(wall, 3), "cpu_s": round(cpu, 3), "changes": result.total, "risks": len(result.risks)}


def measure_all(endpoint: str) -> dict[str, Any]:
    """Both timings on one plan: the built-in rules, then the built-in and the team rules of policy/."""
    with tempfile.TemporaryDirectory(prefix="review-speed-") as tmp:
        work = Path(tmp)
        plan_json = make_plan(endpoint, work)
        empty = work / "no-team-rules"
        empty.mkdir()
        return {
            "plan_bytes": plan_json.stat().st_size,
            "built-in rules": measure(plan_json, empty),
            "built-in and team rules (policy/)": measure(plan_json, ROOT / "policy"),
            "goal_s": GOAL_S,
        }


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.review.speed", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--endpoint", required=True, help="a moto server's URL (make bench starts one)")
    parser.add_argument("--json", action="store_true", help="print the timings as JSON")
    args = parser.parse_args()
    timings = measure_all(args.endpoint)
    if args.json:
        print(json.dumps(timings))
    else:
        for name in ("built-in rules", "built-in and team rules (policy/)"):
            t = timings[name]
            print(f"{name}: {t['wall_s']} s wall, {t['cpu_s']} s CPU ({t['changes']} changes, {t['risks']} risks)")
    return 0


if __name__ == "__main__":
    run_main(main)
