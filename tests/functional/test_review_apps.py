"""The plan review of a root in the many-apps shape (module "stack" { for_each = var.apps }), on real plans.

tests/fixtures/plan_review/apps: two apps (billing, demo) and one secret that belongs to no
app, planned and applied by Terraform against a moto server. Scenarios in order: the first
create (applied), no change, then a risky change in each group (planned only). Checked: the
review groups changes, risks and cost by app; the first create raises no risk (the role
policy naming the log group's ARN is resolved from the module's HCL); and every SARIF
location exists and its line declares the resource or the tfvars entry behind it.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scripts import review, toolchain
from scripts.common import run
from scripts.review.sarif import render_sarif
from scripts.review.sources import Sources
from scripts.sandbox import bridge, server
from scripts.terraform import terraform_env
from tests.conftest import ROOT, moto_server
from tests.functional.test_plan_review import EXPECTED, normalize

APPS = {
    "billing": {
        "secrets": {"secrets/api_key": {"description": "Billing's API key"}},
        "parameters": {"config/url": {"value": "https://billing.example.com"}},
    },
    "demo": {"secrets": {"secrets/api_key": {"description": "Demo's API key"}}},
}
RISKY = {
    "billing": {
        **APPS["billing"],
        "parameters": {**APPS["billing"]["parameters"], "secrets/plain": {"value": "not-a-secret-value"}},
        "extra_statements": json.dumps([{"Effect": "Allow", "Action": "secretsmanager:*", "Resource": "*"}]),
    },
    "demo": {"secrets": {"secrets/api_key_v2": {"description": "Demo's API key"}}},
}
SCENARIOS = [  # (name, tfvars, apply afterwards)
    ("create", {"apps": APPS}, True),
    ("noop", {"apps": APPS}, False),
    ("risky", {"apps": RISKY, "shared_secret": False}, False),
]


def hcl(value: Any, indent: str = "") -> str:
    """A tfvars value written as HCL (keys quoted, one entry a line)."""
    if isinstance(value, dict):
        inner = indent + "  "
        return "{\n" + "".join(f'{inner}"{k}" = {hcl(v, inner)}\n' for k, v in value.items()) + indent + "}"
    if isinstance(value, list):
        return "[" + ", ".join(hcl(v, indent) for v in value) + "]"
    return json.dumps(value)


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, tuple[review.Review, Path, dict[str, Any]]]]:
    work = tmp_path_factory.mktemp("apps")
    root = work / "apps"
    shutil.copytree(ROOT / "tests/fixtures/plan_review/apps", root)
    package = work / "package.zip"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return 'ok'\n")
    package.write_bytes(buffer.getvalue())
    results = {}
    with moto_server(work / "moto.log") as endpoint:
        (root / "apps_override.tf").write_text(bridge.sandbox_provider(endpoint, "us-east-1"))
        env = terraform_env(toolchain.CLI_CONFIG, work / "tf-data") | server.credentials_env(endpoint)
        terraform = toolchain.load().terraform

        def tf(*args: str) -> str:
            done = run([terraform, f"-chdir={root}", *args], env=env, capture=True, echo=False)
            return done.stdout

        tf("init", "-input=false", "-no-color")
        for name, values, apply in SCENARIOS:
            (root / "terraform.tfvars").write_text("".join(f"{k} = {hcl(v)}\n" for k, v in values.items()))
            plan_file = work / f"{name}.tfplan"
            tf("plan", "-input=false", "-no-color", f"-var=package={package}", f"-out={plan_file}")
            plan_json = work / "plans" / f"{name}.tfplan.json"
            plan_json.parent.mkdir(exist_ok=True)
            plan_json.write_text(tf("show", "-json", str(plan_file)))
            plan = review.load_plan(plan_json)
            sources = Sources.locate(plan, "review", base=work, repository=work)
            assert sources is not None and sources.root == root.resolve(), "the fixture's root is found by what it declares"
            reviewed_plan = review.review(plan, "review", review.load_usage(None), sources=sources)
            results[name] = (reviewed_plan, work, json.loads(render_sarif(reviewed_plan, sources)))
            (work / f"{name}.tfvars").write_text((root / "terraform.tfvars").read_text())  # the tfvars behind this plan
            if apply:
                tf("apply", "-input=false", "-no-color", str(plan_file))
    yield results


def test_first_create_is_grouped_by_app_and_raises_no_risk(reviewed: dict[str, Any]) -> None:
    """Changes and cost per app (the key of module.stack[...]); the shared secret in its own group; no false alarm."""
    r = reviewed["create"][0]
    assert r.risks == [], [(x.rule, x.address, x.detail) for x in r.risks]
    assert list(r.apps) == ["billing", "demo", ""]
    assert r.apps["billing"]["changes"]["create"] == 6 and r.apps["demo"]["changes"]["create"] == 5
    assert r.apps[""]["changes"]["create"] == 1
    costs = {app: summary["cost"]["after_usd"] for app, summary in r.apps.items()}
    assert costs[""] == 0.40  # the shared secret alone
    assert costs["billing"] > 0.40 and costs["demo"] > 0.40
    assert sum(costs.values()) == pytest.approx(r.cost["after_usd"], abs=0.02)
    markdown = review.render_markdown(r)
    assert "| app | changes | risks | monthly cost |" in markdown
    assert re.search(r"\| billing \| 6 to create \| none \| \$0\.00 → \$[\d.]+ \|", markdown)
    assert "- **(no app)**\n  - **(root)**\n    - ➕ create `aws_secretsmanager_secret.shared[0]`" in markdown


def test_no_change_plan_is_quiet(reviewed: dict[str, Any]) -> None:
    """After the apply, the same values plan nothing and say nothing."""
    r = reviewed["noop"][0]
    assert r.total == 0 and r.risks == []
    assert r.cost["before_usd"] == r.cost["after_usd"] == reviewed["create"][0].cost["after_usd"]


def test_risks_are_grouped_by_app_with_no_app_last(reviewed: dict[str, Any]) -> None:
    """billing's widened policy and plain String, demo's renamed secret, the shared secret: each in its group."""
    r = reviewed["risky"][0]
    found = {(x.app, x.rule, x.address) for x in r.risks}
    assert ("billing", "IAM002", 'module.stack["billing"].aws_iam_role_policy.read') in found
    assert ("billing", "LEAK002", 'module.stack["billing"].aws_ssm_parameter.this["secrets/plain"]') in found
    assert ("demo", "LIFE001", 'module.stack["demo"].module.secret["secrets/api_key"].aws_secretsmanager_secret.this') in found
    assert ("", "LIFE001", "aws_secretsmanager_secret.shared[0]") in found
    assert r.apps["billing"]["risks"]["high"] >= 1 and r.apps["demo"]["risks"]["high"] == 1 and r.apps[""]["risks"]["high"] == 1
    markdown = review.render_markdown(r)
    headings = re.findall(r"^\*\*(billing|demo|\(no app\))\*\*$", markdown.split("#### Notes")[0], re.M)
    assert headings == ["billing", "demo", "(no app)"]
    terminal = review.render_terminal(r, colour=False)
    assert terminal.index("billing: ") < terminal.index("demo: ") < terminal.index("(no app): ")


def _declares(line: str, result: dict[str, Any]) -> bool:
    """The line declares the result's resource (`resource "type" "name" {`) or one of its instance keys (`"key" =`)."""
    address = result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
    resource = re.search(r"([a-z0-9_]+)\.([a-z0-9_]+)(?:\[[^\]]*\])?$", address)
    assert resource is not None
    if re.match(rf'\s*resource\s+"{resource.group(1)}"\s+"{resource.group(2)}"\s*\{{', line):
        return True
    keys = re.findall(r'\["((?:[^"\\]|\\.)*)"\]', address)
    return any(re.match(rf'\s*(?:"{re.escape(k)}"|{re.escape(k)})\s*=', line) for k in keys)


def test_every_sarif_location_exists_and_declares_its_resource_or_key(reviewed: dict[str, Any]) -> None:
    """Each result points at a file that exists and a line declaring the resource, or the tfvars entry behind it."""
    _, work, sarif = reviewed["risky"]
    results = sarif["runs"][0]["results"]
    assert len(results) >= 4
    tfvars = (work / "risky.tfvars").read_text().splitlines()
    for result in results:
        places = [result["locations"][0]["physicalLocation"]] + [
            x["physicalLocation"] for x in result.get("relatedLocations", [])
        ]
        for place in places:
            uri, line = place["artifactLocation"]["uri"], place["region"]["startLine"]
            path = work / uri
            assert path.is_file(), uri
            text = (tfvars if uri.endswith("terraform.tfvars") else path.read_text().splitlines())[line - 1]
            assert _declares(text, result), (uri, line, text, result["ruleId"])
    where = {r["ruleId"] + " " + r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]:
             r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}  # fmt: skip
    assert where['LEAK002 module.stack["billing"].aws_ssm_parameter.this["secrets/plain"]'] == "apps/terraform.tfvars"
    assert where['LIFE001 module.stack["demo"].module.secret["secrets/api_key"].aws_secretsmanager_secret.this'] == (
        "apps/stack/secret/main.tf"  # the key is gone from the tfvars: the declaration
    )
    assert where["LIFE001 aws_secretsmanager_secret.shared[0]"] == "apps/main.tf"


def test_the_sarif_is_valid_against_the_oasis_schema_when_it_is_given(reviewed: dict[str, Any]) -> None:
    """SARIF_SCHEMA=<the OASIS sarif-schema-2.1.0.json> validates every SARIF written here (not shipped: OASIS's file)."""
    schema_file = os.environ.get("SARIF_SCHEMA")
    if not schema_file:
        pytest.skip("set SARIF_SCHEMA to OASIS's sarif-schema-2.1.0.json (github.com/oasis-tcs/sarif-spec) to validate")
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft4Validator(json.loads(Path(schema_file).read_text()), format_checker=jsonschema.FormatChecker())
    for name, (_, _, sarif) in reviewed.items():
        assert [e.message for e in validator.iter_errors(sarif)] == [], name


@pytest.mark.parametrize("name", ["create", "risky"])
def test_the_markdown_is_the_checked_in_one(reviewed: dict[str, Any], name: str) -> None:
    """The review as a pull request shows it (also rendered by GitHub's renderer in tests/unit/test_review_markdown.py)."""
    got = normalize(review.render_markdown(reviewed[name][0]))
    expected_file = EXPECTED / f"apps-{name}.md"
    if os.environ.get("UPDATE_REVIEWS"):
        expected_file.write_text(got)
    assert got == expected_file.read_text()
