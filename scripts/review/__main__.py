"""Review a saved Terraform plan: terminal, markdown, JSON and SARIF; exit 1 when a risk reaches --fail-on.

    python -m scripts.review [--env ENV] [--plan-json FILE] [--usage FILE] [--fail-on LEVEL] [--no-scan]
                             [--policy DIR] [--list-rules] [--regenerate-policy-attributes]

Reads the plan's JSON (written by `make plan` to build/plans/<env>.tfplan.json) and writes
<env>.review.md (a pull-request comment), <env>.review.json and <env>.review.sarif beside it,
each mode 0600; prints the review. No secret-looking value is printed anywhere: Terraform's
sensitive leaves, values under secret-looking names (variables, Lambda environment
variables, outputs, attributes), known token patterns, and --mask env:NAME / regexp:RE.
Team rules: every .rego file under --policy (default $REVIEW_POLICY, else policy/), conftest's
deny/warn/violation; a file that does not compile is refused with its file and line.
With --fail-on, a plan older than the sources or the sandbox state is refused (exit 2).
Exit status: 0; 1 when a risk reaches --fail-on; 2 for an unreadable, errored or stale plan
or a team rule that does not compile. See docs/plan-review.md.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from scripts.common import ROOT, colour, run_main, say
from scripts.config import environments
from scripts.review import policy_attributes
from scripts.review.model import FAIL_ON
from scripts.review.plan import check_fresh
from scripts.review.render import render_terminal
from scripts.review.report import tripped
from scripts.review.rules import registry
from scripts.review.scan import parse_overrides
from scripts.review.writer import PLAN_DIR, write_review
from scripts.schema_check import BINDINGS, PROVIDER_VERSION
from scripts.targets import target_for

SOURCES = (ROOT / "terraform", ROOT / "lambda_src")


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.review", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--env", default=os.environ.get("ENV", "sandbox"), help="environment (default sandbox; $ENV)")
    parser.add_argument("--plan-json", type=Path, help="a plan's JSON (default: build/plans/<env>.tfplan.json)")
    parser.add_argument("--usage", type=Path, help="traffic file (default: the environment's usage.toml)")
    parser.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        default=os.environ.get("FAIL_ON", "none"),
        help="exit 1 when a risk is at least this severe (default none; $FAIL_ON; CI: high)",
    )
    parser.add_argument("--no-scan", action="store_true", help="skip the checkov scan")
    parser.add_argument(
        "--mask",
        action="append",
        default=[],
        help="also mask the value of env:NAME or matches of regexp:PATTERN (repeatable; also $REVIEW_MASKS, comma-separated)",
    )
    parser.add_argument(
        "--checkov-severity", action="append", default=[], metavar="ID=LEVEL", help="override a check's severity (repeatable)"
    )
    parser.add_argument(
        "--sources",
        type=Path,
        action="append",
        help="files or directories the plan must be newer than (default: terraform, lambda_src)",
    )
    parser.add_argument("--state", type=Path, help="local state the plan must be newer than (default: the sandbox's)")
    parser.add_argument("--policy", type=Path, help="the team's Rego rules (default: $REVIEW_POLICY, else policy/)")
    parser.add_argument("--list-rules", action="store_true", help="list the built-in rules (ID, severity, title) and exit")
    parser.add_argument(
        "--regenerate-policy-attributes",
        action="store_true",
        help=f"rebuild {policy_attributes.DATA_FILE.name} from the hashicorp/aws {PROVIDER_VERSION} bindings and exit",
    )
    args = parser.parse_args()
    if args.list_rules:
        for rule in registry():
            print(f"{rule.id:<9} {rule.severity.value:<7} {rule.title}")
        return 0
    if args.regenerate_policy_attributes:
        from scripts.schema_check.regenerate import download  # the schema check's wheel cache, loaded only for this

        data = policy_attributes.derive(download(), PROVIDER_VERSION, BINDINGS)
        policy_attributes.DATA_FILE.write_text(policy_attributes.dump(data))
        say(f"wrote {policy_attributes.DATA_FILE.relative_to(ROOT)}: {sum(len(v) for v in data['policies'].values())} attributes")
        return 0
    # A known environment gives the defaults; any other name only labels a review of --plan-json.
    target = target_for(args.env) if args.env in environments() else None
    if target is None and args.plan_json is None:
        target_for(args.env)  # says which environments exist
    plan_json = args.plan_json or PLAN_DIR / f"{args.env}.tfplan.json"
    if args.fail_on != "none" and plan_json.is_file():
        check_fresh(plan_json, args.sources or SOURCES, args.state or (target.state_file if target else None))
    result = write_review(
        plan_json,
        args.env,
        usage_file=args.usage or (target.usage_file if target else None),
        scan=not args.no_scan,
        masks=args.mask,
        checkov_severity=parse_overrides(args.checkov_severity),
        policy=args.policy,
    )
    print(render_terminal(result, colour=colour(sys.stdout)))
    over = tripped(result, args.fail_on)
    if over:
        say(f"--fail-on {args.fail_on}: {len(over)} risk(s) at or above {args.fail_on}:")
        for risk in over:
            say(result.mask(f"  {risk.severity} {risk.title}: {risk.address}"))
        return 1
    return 0


if __name__ == "__main__":
    run_main(main)
