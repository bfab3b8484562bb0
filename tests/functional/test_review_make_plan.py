"""The plan review of the kit's own sandbox root, through `make plan` in a fresh copy, as a user runs it.

In order, on one sandbox: the first deploy's plan, its apply, a no-change plan, a secret's
description changed, a new config parameter: each reviews with no risk at medium or above
(FAIL_ON=medium exits 0). The first plan's policies, which Terraform shows as known only
after apply, are resolved from the configuration: the resolved grants are checked against
what the apply then wrote (the next plan's prior values, from Terraform itself). The first
plan's cost is the no-change plan's. Then the team rules: the example policies in policy/
(a String under a /secrets/ scope is refused at FAIL_ON=high; required tags, copied with one
more tag required, come out at their own severity), and a Rego file that does not compile
stops `make plan` with its file, line and message and leaves no plan behind. The SARIF of
the risky plan points at files and lines that declare each resource or its tfvars key.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hcl2
import pytest
from hcl2.utils import SerializationOptions

from scripts.review.policy import grants
from scripts.review.redact import Redactor
from scripts.review.resolve import UNRESOLVED, resolved
from scripts.review.sources import Sources
from scripts.review.view import PlanView
from tests.conftest import ROOT, Checkout

PLANS = Path("build/plans")
SEEN: dict[str, Any] = {}  # what an earlier step saw, for a later one (the tests run in order, on one sandbox)


def hcl(value: Any, indent: str = "") -> str:
    """A tfvars value written as HCL (keys quoted)."""
    if isinstance(value, dict):
        inner = indent + "  "
        return "{\n" + "".join(f'{inner}"{k}" = {hcl(v, inner)}\n' for k, v in value.items()) + indent + "}"
    if isinstance(value, list):
        return "[" + ", ".join(hcl(v, indent) for v in value) + "]"
    return json.dumps(value)


class Kit:
    """The fresh copy and its sandbox tfvars, edited in the shape they have (one app, or an apps map)."""

    def __init__(self, checkout: Checkout) -> None:
        self.checkout = checkout
        self.tfvars = checkout.path / "terraform/envs/sandbox/terraform.tfvars"

    def values(self) -> dict[str, Any]:
        loaded = hcl2.loads(self.tfvars.read_text(), serialization_options=SerializationOptions(strip_string_quotes=True))
        return {k: v for k, v in loaded.items() if not k.startswith("__")}

    def app(self, values: dict[str, Any]) -> dict[str, Any]:
        """The demo app's settings: the tfvars themselves (one app), or the first entry of `apps`."""
        return next(iter(values["apps"].values())) if "apps" in values else values

    def edit(self, change: Any) -> None:
        values = self.values()
        change(self.app(values))
        self.tfvars.write_text("".join(f"{k} = {hcl(v)}\n" for k, v in values.items()))

    def plan(self, **env: str) -> subprocess.CompletedProcess[str]:
        return self.checkout.make("plan", env=env, timeout=600)

    def review(self) -> dict[str, Any]:
        return json.loads((self.checkout.path / PLANS / "sandbox.review.json").read_text())


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kit]:
    checkout = Checkout.fresh(tmp_path_factory.mktemp("kit") / "repo")
    yield Kit(checkout)
    checkout.make("sandbox-down")


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    return output


def _medium_or_worse(review: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(r["rule"], r["address"], r["detail"]) for r in review["risks"] if r["severity"] in ("high", "medium")]


def test_first_plan_has_no_risk_at_medium(kit: Kit, tmp_path_factory: pytest.TempPathFactory) -> None:
    """The kit's own first deploy: FAIL_ON=medium passes; the example team rules ran; the plan is kept for the oracle."""
    _ok(kit.plan(FAIL_ON="medium"))
    review = kit.review()
    assert review["total_changes"] > 10 and _medium_or_worse(review) == []
    assert sorted(Path(p).name for p in review["policies"]) == ["no_plain_secrets.rego", "required_tags.rego"]
    SEEN["first plan"] = tmp_path_factory.getbasetemp() / "first.tfplan.json"
    shutil.copy(kit.checkout.path / PLANS / "sandbox.tfplan.json", SEEN["first plan"])
    SEEN["first cost"] = review["cost"]


def test_no_change_plan_after_apply_has_the_first_plans_cost(kit: Kit) -> None:
    """Applied, then planned again: no change, no risk, and the same monthly cost as the first plan said."""
    _ok(kit.checkout.make("apply", timeout=600))
    _ok(kit.plan(FAIL_ON="medium"))
    review = kit.review()
    assert review["total_changes"] == 0 and review["risks"] == []
    first = SEEN["first cost"]
    assert review["cost"]["after_usd"] == first["after_usd"] == review["cost"]["before_usd"]
    assert [row["detail"] for row in review["cost"]["rows"]] == [row["detail"] for row in first["rows"]]


def test_the_first_plans_unknown_policies_resolve_to_what_the_apply_wrote(kit: Kit) -> None:
    """Oracle: Terraform's own applied values (this plan's prior state) against the review's resolution of the first plan."""
    first = json.loads(SEEN["first plan"].read_text())
    after = json.loads((kit.checkout.path / PLANS / "sandbox.tfplan.json").read_text())
    applied = {rc["address"]: rc["change"]["before"] for rc in after["resource_changes"]}
    sources = Sources.locate(first, "sandbox", base=kit.checkout.path / "terraform", repository=kit.checkout.path)
    assert sources is not None
    view = PlanView(first, Redactor(), sources)
    checked = 0
    for change in view.changes:
        for attribute in ("policy", "layers"):
            if not change.unknown(attribute):  # known, or not set by the configuration (AWS's default)
                continue
            value = resolved(view, change, attribute)
            assert value is not UNRESOLVED, (change.address, attribute)
            if attribute == "policy":
                assert grants(value) == grants(applied[change.address]["policy"]), change.address
            else:  # the layer's version is the one part AWS assigns
                assert [v.rsplit(":", 1)[0] for v in value] == [v.rsplit(":", 1)[0] for v in applied[change.address]["layers"]]
            checked += 1
    assert checked >= 4  # both functions' log policies and layers


def test_a_description_change_has_no_risk_at_medium(kit: Kit) -> None:
    def describe(app: dict[str, Any]) -> None:
        secret = next(iter(app["secrets"].values()))
        secret["description"] = secret.get("description", "") + " (reworded)"

    kit.edit(describe)
    _ok(kit.plan(FAIL_ON="medium"))
    review = kit.review()
    assert review["counts"]["update"] >= 1 and _medium_or_worse(review) == []


def test_a_new_config_parameter_has_no_risk_at_medium(kit: Kit) -> None:
    def add(app: dict[str, Any]) -> None:
        app.setdefault("parameters", {})["config/feature_flag"] = {"type": "String", "value": "on", "description": "a flag"}

    kit.edit(add)
    _ok(kit.plan(FAIL_ON="medium"))
    review = kit.review()
    assert review["counts"]["create"] == 1 and _medium_or_worse(review) == []


def _declares(line: str, address: str) -> bool:
    resource = re.search(r"([a-z0-9_]+)\.([a-z0-9_]+)(?:\[[^\]]*\])?$", address)
    assert resource is not None
    if re.match(rf'\s*resource\s+"{resource.group(1)}"\s+"{resource.group(2)}"\s*\{{', line):
        return True
    return any(re.match(rf'\s*(?:"{re.escape(k)}"|{re.escape(k)})\s*=', line) for k in re.findall(r'\["([^"]*)"\]', address))


def test_a_string_under_secrets_is_refused_by_the_example_rule_and_sarif_points_at_declarations(kit: Kit) -> None:
    """policy/no_plain_secrets.rego (deny, high) and the built-in LEAK002 (high) both find it; FAIL_ON=high fails."""

    def plain(app: dict[str, Any]) -> None:
        app.setdefault("parameters", {})["secrets/plain_token_name"] = {"type": "String", "value": "not-a-secret"}

    kit.edit(plain)
    result = kit.plan(FAIL_ON="high")
    assert result.returncode != 0, (result.stdout + result.stderr)[-2000:]  # the command exits 1, make then 2
    review = kit.review()
    rules = {(r["rule"], r["severity"]) for r in review["risks"]}
    assert ("rego:kit.parameters/deny", "high") in rules and ("LEAK002", "high") in rules
    assert "FAIL_ON=high: high team rule kit.parameters.deny" in result.stderr
    sarif = json.loads((kit.checkout.path / PLANS / "sandbox.review.sarif").read_text())
    results = sarif["runs"][0]["results"]
    assert results
    for item in results:
        address = item["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
        place = item["locations"][0]["physicalLocation"]
        uri, line = place["artifactLocation"]["uri"], place["region"]["startLine"]
        assert uri.startswith("terraform/") and (kit.checkout.path / uri).is_file(), uri
        text = (kit.checkout.path / uri).read_text().splitlines()[line - 1]
        assert _declares(text, address), (uri, line, text)
        assert not uri.startswith("terraform/envs/sandbox/") or uri.endswith(("main.tf", "terraform.tfvars")), uri

    kit.edit(lambda app: app["parameters"].pop("secrets/plain_token_name"))


def test_required_tags_come_out_at_the_severity_the_rule_gives(kit: Kit, tmp_path: Path) -> None:
    """The example required_tags.rego, copied with CostCenter also required: medium (its severity field), not deny's high."""
    folder = tmp_path / "team"
    folder.mkdir()
    example = (ROOT / "policy/required_tags.rego").read_text()
    assert '{"Project", "ManagedBy"}' in example
    (folder / "required_tags.rego").write_text(
        example.replace('{"Project", "ManagedBy"}', '{"Project", "ManagedBy", "CostCenter"}')
    )
    result = kit.plan(FAIL_ON="medium", REVIEW_POLICY=str(folder))
    assert result.returncode != 0 and "FAIL_ON=medium: medium team rule main.deny" in result.stderr
    found = [r for r in kit.review()["risks"] if r["source"] == "rego"]
    assert found and all(r["severity"] == "medium" and "has no CostCenter tag" in r["detail"] for r in found)
    assert all(r["rule"] == "rego:required-tags-on-secrets" for r in found)
    _ok(kit.plan(FAIL_ON="high", REVIEW_POLICY=str(folder)))


def test_a_rego_file_that_does_not_compile_stops_make_plan_with_file_and_line(kit: Kit, tmp_path: Path) -> None:
    """One line naming the file, line and column and rego's message; no plan, JSON or review left behind."""
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "broken.rego").write_text("package main\n\nimport rego.v1\n\ndeny contains msg if {\n  input.x == \n}\n")
    result = kit.plan(REVIEW_POLICY=str(folder))
    assert result.returncode != 0
    assert re.search(r"broken\.rego:6:\d+: Invalid boolean operator", result.stderr), result.stderr[-2000:]
    assert "Errors:" not in result.stdout + result.stderr  # regopy's own multi-line print is not shown
    assert not any((kit.checkout.path / PLANS).glob("sandbox.*"))
