"""The plan review of a root in the many-apps shape (module "stack" { for_each = var.apps }), on real plans.

tests/fixtures/plan_review/apps: two apps (billing, demo) and one secret that belongs to no
app, planned and applied by Terraform against a moto server. Scenarios in order: the first
create (applied), no change, then (planned only) a risky change in each group, billing's role
given read on demo's secret by its own policy and by the secret's resource policy, and
billing's role narrowed so it cannot read a parameter its manifest declares. Checked: the
review groups changes, risks and cost by app; the first create raises no risk (the role
policy naming the log group's ARN is resolved from the module's HCL); who can read what
(scripts/review/access.py) on each; and every SARIF location exists and its line declares the
resource or the tfvars entry behind it.
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
DEMO_SECRETS = "arn:aws:secretsmanager:us-east-1:123456789012:secret:/review/demo/*"  # moto's account
BILLING_ROLE = "arn:aws:iam::123456789012:role/review-billing"
READ_BY_IDENTITY = {  # billing's role policy names demo's secrets
    **APPS,
    "billing": {
        **APPS["billing"],
        "extra_statements": json.dumps(
            [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": DEMO_SECRETS}]
        ),
    },
}
READ_BY_RESOURCE_POLICY = {  # demo's secret names billing's role in its resource policy
    **APPS,
    "demo": {
        **APPS["demo"],
        "secret_policy": json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": BILLING_ROLE},
                        "Action": "secretsmanager:GetSecretValue",
                        "Resource": "*",
                    }
                ],
            }
        ),
    },
}
LOSE_READ = {**APPS, "billing": {**APPS["billing"], "read_parameters": False}}  # billing's role no longer reads config/url
SCENARIOS = [  # (name, tfvars, apply afterwards)
    ("create", {"apps": APPS}, True),
    ("noop", {"apps": APPS}, False),
    ("risky", {"apps": RISKY, "shared_secret": False}, False),
    ("read_by_identity", {"apps": READ_BY_IDENTITY}, False),
    ("read_by_resource_policy", {"apps": READ_BY_RESOURCE_POLICY}, False),
    ("lose_read", {"apps": LOSE_READ}, False),
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
    assert r.apps["billing"]["changes"]["create"] == 7 and r.apps["demo"]["changes"]["create"] == 6
    assert r.apps[""]["changes"]["create"] == 1
    costs = {app: summary["cost"]["after_usd"] for app, summary in r.apps.items()}
    assert costs[""] == 0.40  # the shared secret alone
    assert costs["billing"] > 0.40 and costs["demo"] > 0.40
    assert sum(costs.values()) == pytest.approx(r.cost["after_usd"], abs=0.02)
    markdown = review.render_markdown(r)
    assert "| app | changes | risks | monthly cost |" in markdown
    assert re.search(r"\| billing \| 7 to create \| none \| \$0\.00 → \$[\d.]+ \|", markdown)
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
    # billing's secretsmanager:* on * reads demo's new secret: the access analysis says so under demo
    assert ("demo", "READ001", 'module.stack["demo"].module.secret["secrets/api_key_v2"].aws_secretsmanager_secret.this') in found
    assert r.apps["billing"]["risks"]["high"] >= 1 and r.apps["demo"]["risks"]["high"] == 2 and r.apps[""]["risks"]["high"] == 1
    markdown = review.render_markdown(r)
    headings = re.findall(r"^\*\*(billing|demo|\(no app\))\*\*$", markdown.split("#### Notes")[0], re.M)
    assert headings == ["billing", "demo", "(no app)"]
    terminal = review.render_terminal(r, colour=False)
    assert terminal.index("billing: ") < terminal.index("demo: ") < terminal.index("(no app): ")


DEMO_SECRET = 'module.stack["demo"].module.secret["secrets/api_key"].aws_secretsmanager_secret.this'


@pytest.mark.parametrize(
    ("name", "through"),
    [
        ("read_by_identity", 'by its identity policy module.stack["billing"].aws_iam_role_policy.read'),
        (
            "read_by_resource_policy",
            f"by the secret's resource policy {DEMO_SECRET.removesuffix('.aws_secretsmanager_secret.this')}",
        ),
    ],
)
def test_a_second_apps_read_of_the_demo_apps_secret_is_high_naming_both_apps_and_the_item(
    reviewed: dict[str, Any], name: str, through: str
) -> None:
    """Acceptance (issue 22): billing's role given read on demo's secret, by its own policy or by the secret's: READ001, high."""
    r = reviewed[name][0]
    [risk] = [x for x in r.risks if x.rule == "READ001"]
    assert (risk.severity, risk.address, risk.app) == ("high", DEMO_SECRET, "demo")
    assert risk.detail.startswith(
        "demo's secret /review/demo/secrets/api_key: review-billing (billing) can now read it, " + through
    )
    assert review.exit_code(r, "high") == 1
    [row] = [row for row in r.access["items"] if row["item"] == "/review/demo/secrets/api_key"]
    assert row["new"] == ["review-billing (billing)"] and [x["reader"] for x in row["before"]] == ["review-demo (demo)"]
    markdown = review.render_markdown(r)
    assert (
        "| demo | `/review/demo/secrets/api_key` secret, declared | review-demo (demo) "
        "| **➕ review-billing (billing)**, review-demo (demo) |" in markdown
    )


def test_first_create_and_no_change_prove_each_app_reads_what_it_declares_and_nothing_else(reviewed: dict[str, Any]) -> None:
    """The reader matrix of the first plan: each declared item read by its own app's role alone; the same after the apply."""
    for name in ("create", "noop"):
        rows = {row["item"]: row for row in reviewed[name][0].access["items"]}
        assert {item: [x["reader"] for x in row["after"]] for item, row in rows.items()} == {
            "/review/billing/config/url": ["review-billing (billing)"],
            "/review/billing/manifest": ["review-billing (billing)"],
            "/review/billing/secrets/api_key": ["review-billing (billing)"],
            "/review/demo/manifest": ["review-demo (demo)"],
            "/review/demo/secrets/api_key": ["review-demo (demo)"],
            "/review/shared/secrets/token": [],
        }
        assert all(row["declared"] for item, row in rows.items() if "/shared/" not in item)
    billing = review.for_app(reviewed["create"][0], "billing")  # make plan APP=billing: that app's rows only
    assert {row["app"] for row in billing.access["items"]} == {"billing"}


def test_a_declared_read_the_change_removes_is_high(reviewed: dict[str, Any]) -> None:
    """billing's role policy narrowed to its manifest: its function can no longer read config/url, which it declares."""
    r = reviewed["lose_read"][0]
    [risk] = r.risks
    assert (risk.rule, risk.severity, risk.address) == (
        "READ002",
        "high",
        'module.stack["billing"].aws_ssm_parameter.this["config/url"]',
    )
    assert 'review-billing (billing), the role of module.stack["billing"].aws_lambda_function.fn, cannot read' in risk.detail


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
