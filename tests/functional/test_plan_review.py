"""The plan review (scripts/review/) on real plans made by Terraform against a moto server.

Scenarios, in order, on one state: first create, no-op, in-place update, a forced
replacement of the secret, a widened IAM path, a destroy. Each review's markdown is
compared with the one checked in under tests/functional/plan_reviews/ (regenerate with
UPDATE_REVIEWS=1 and read the diff before committing).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts import review, toolchain
from scripts.common import SANDBOX_DIR, run
from scripts.sandbox import bridge, server
from scripts.terraform import terraform_env
from tests.conftest import ROOT, moto_server

EXPECTED = Path(__file__).parent / "plan_reviews"
SCENARIOS = [  # (name, variables, plan flags, apply afterwards)
    ("create", {}, [], True),
    ("noop", {}, [], False),
    ("update", {"config_value": "https://api.example.com/v2"}, [], True),
    ("replace-secret", {"config_value": "https://api.example.com/v2", "secret_name": "/review/app/secrets/api_key_v2"}, [], True),
    (
        "widen-iam",
        {
            "config_value": "https://api.example.com/v2",
            "secret_name": "/review/app/secrets/api_key_v2",
            "parameter_paths": ["/review/app"],
            "allow_broad_paths": True,
        },
        [],
        True,
    ),
    (
        "destroy",
        {
            "config_value": "https://api.example.com/v2",
            "secret_name": "/review/app/secrets/api_key_v2",
            "parameter_paths": ["/review/app"],
            "allow_broad_paths": True,
        },
        ["-destroy"],
        False,
    ),
]


def normalize(markdown: str) -> str:
    """Drop what differs between machines and runs: Terraform's version, random ARN suffixes."""
    markdown = re.sub(r"Terraform \d+\.\d+\.\d+", "Terraform X.Y.Z", markdown)
    return re.sub(r"(secret:[^` ]+)-[A-Za-z0-9]{6}\b", r"\1-XXXXXX", markdown)


@pytest.fixture(scope="module")
def reviews(tmp_path_factory: pytest.TempPathFactory, own_bridge: Path) -> Iterator[dict[str, review.Review]]:
    with moto_server(tmp_path_factory.mktemp("moto-review") / "moto.log") as endpoint:
        bridge.prepare(endpoint, quiet=True)
        root = bridge.TARGET / "fixtures" / "plan_review"
        # The root alone: the corpus and apps fixtures beside it declare the same module and resource
        # names, and checkov's plan enrichment (skip comments) would read theirs.
        shutil.copytree(ROOT / "tests/fixtures/plan_review", root, ignore=shutil.ignore_patterns("corpus", "apps"))
        (root / "sandbox_override.tf").write_text(bridge.sandbox_provider(endpoint, "us-east-1"))
        env = terraform_env(toolchain.CLI_CONFIG, SANDBOX_DIR / "tf-data-review") | server.credentials_env(endpoint)
        terraform = toolchain.load().terraform
        run([terraform, f"-chdir={root}", "init", "-input=false", "-no-color"], env=env, capture=True, echo=False)
        results = {}
        for name, variables, flags, apply in SCENARIOS:
            var_file = root / "scenario.tfvars.json"
            var_file.write_text(json.dumps(variables))
            plan_file = root / "scenario.tfplan"
            run(
                [
                    terraform,
                    f"-chdir={root}",
                    "plan",
                    "-input=false",
                    "-no-color",
                    f"-var-file={var_file}",
                    f"-out={plan_file}",
                    *flags,
                ],
                env=env,
                capture=True,
                echo=False,
            )
            shown = run([terraform, f"-chdir={root}", "show", "-json", str(plan_file)], env=env, capture=True, echo=False)
            plan_json = tmp_path_factory.mktemp(name) / f"{name}.tfplan.json"
            plan_json.write_text(shown.stdout)
            results[name] = review.review(review.load_plan(plan_json), "sandbox", review.load_usage(None))
            results[name].plan_json = plan_json  # type: ignore[attr-defined]  (kept for the scan test)
            if apply:
                run(
                    [terraform, f"-chdir={root}", "apply", "-input=false", "-no-color", str(plan_file)],
                    env=env,
                    capture=True,
                    echo=False,
                )
        yield results


@pytest.mark.parametrize("name", [s[0] for s in SCENARIOS])
def test_review_matches_the_checked_in_one(reviews: dict[str, review.Review], name: str) -> None:
    """The markdown review of each real plan is the reviewed, checked-in one."""
    got = normalize(review.render_markdown(reviews[name]))
    expected_file = EXPECTED / f"{name}.md"
    if os.environ.get("UPDATE_REVIEWS"):
        expected_file.write_text(got)
    assert got == expected_file.read_text()


def test_create_noop_update(reviews: dict[str, review.Review]) -> None:
    """Counts and headlines of the first three scenarios."""
    assert reviews["create"].counts["create"] == 5 and reviews["create"].risks == []
    assert reviews["noop"].total == 0 and review.headline(reviews["noop"]) == "OK · ENV=sandbox: no risks found · no changes"
    update = reviews["update"].changes["update"]
    assert [e["address"] for e in update] == ['module.config.aws_ssm_parameter.plain["/review/app/config/url"]']
    assert any(a.startswith("value: (sensitive) → (sensitive)") for a in update[0]["attributes"])


def test_secret_replacement_is_a_high_risk_naming_what_is_lost(reviews: dict[str, review.Review]) -> None:
    """Renaming the secret forces a replacement: flagged high, with the forcing attribute."""
    replace = reviews["replace-secret"].changes["replace"]
    assert [(e["address"], e["forced_by"]) for e in replace] == [
        ("module.secret.aws_secretsmanager_secret.this", ["name: /review/app/secrets/api_key → /review/app/secrets/api_key_v2"])
    ]
    risk = [r for r in reviews["replace-secret"].risks if r.address == "module.secret.aws_secretsmanager_secret.this"]
    assert risk and risk[0].severity == "high" and "version history" in risk[0].detail


def test_widened_iam_path_is_a_high_risk_with_the_statement_diff(reviews: dict[str, review.Review]) -> None:
    """/review/app/config/* → /review/app/* is reported as a broader resource."""
    risks = [r for r in reviews["widen-iam"].risks if r.title == "IAM: broader resource"]
    assert risks and all(r.severity == "high" for r in risks)
    assert any(
        "parameter/review/app/config/* → arn:aws:ssm:us-east-1:123456789012:parameter/review/app/*" in r.detail for r in risks
    )


def test_destroy_flags_every_stateful_resource(reviews: dict[str, review.Review]) -> None:
    """A destroy plan flags the secret (high), the String parameter and the log group (medium)."""
    flagged = {r.address: r.severity for r in reviews["destroy"].risks}
    assert flagged["module.secret.aws_secretsmanager_secret.this"] == "high"
    # a String's value lives in the configuration: its loss is the version history, not the value
    assert flagged['module.config.aws_ssm_parameter.plain["/review/app/config/url"]'] == "medium"
    assert flagged["aws_cloudwatch_log_group.fn"] == "medium"
    assert review.exit_code(reviews["destroy"], "high") == 1 and review.exit_code(reviews["noop"], "low") == 0


def test_checkov_findings_are_folded_in_with_ids_and_skip_reasons(reviews: dict[str, review.Review]) -> None:
    """checkov over the real create plan: failed checks by ID, inline skips with their reasons, in the review."""
    scan = review.scan_plan(reviews["create"].plan_json, bridge.TARGET / "fixtures" / "plan_review")  # type: ignore[attr-defined]
    failed = {(f["id"], f["resource"]) for f in scan["failed"]}
    assert ("CKV_AWS_338", "aws_cloudwatch_log_group.fn") in failed
    skipped = {s["id"]: s["reason"] for s in scan["skipped"]}
    assert "customer-managed key" in skipped["CKV_AWS_149"]
    reviewed = review.review(
        review.load_plan(reviews["create"].plan_json),
        "sandbox",  # type: ignore[attr-defined]
        review.load_usage(None),
        scan,
    )
    markdown = review.render_markdown(reviewed)
    assert "**checkov CKV_AWS_338 (introduced by this change)** `aws_cloudwatch_log_group.fn`" in markdown
    assert "- CKV_AWS_149 on `module.secret.aws_secretsmanager_secret.this`: " in markdown
    assert [r.severity for r in reviewed.risks if r.source == "checkov"] == ["low"] * len(scan["failed"])
