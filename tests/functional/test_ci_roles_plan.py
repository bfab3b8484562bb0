"""The CI roles against the names of a real plan of ENV=dev (the schema check's plan, aws 6.69.1 schema).

The unit test writes the stack's ARNs by hand; here every resource the dev root would
create comes from Terraform's own plan (its types and planned names, the extension layer
it attaches), and each one's needs are decided by the project's evaluator: the plan role
may read it, the apply role may create, change and delete it.
"""

from __future__ import annotations

import json

import pytest

from scripts.ci import roles
from scripts.iam import policy as iam
from scripts.schema_check import check

pytestmark = pytest.mark.functional
ACCOUNT = "123456789012"


def arns(kind: str, after: dict[str, object], region: str) -> list[str]:
    """The ARNs a planned resource of type `kind` will have (AWS's formats), from its planned names."""
    regional = f"arn:aws:{{}}:{region}:{ACCOUNT}"
    if kind == "aws_lambda_function":
        return [regional.format("lambda") + f":function:{after['function_name']}"]
    if kind in ("aws_iam_role", "aws_iam_role_policy"):  # a role policy's role: unknown until apply, its module's role
        return [f"arn:aws:iam::{ACCOUNT}:role/{after['name']}"]
    if kind == "aws_cloudwatch_log_group":
        return [regional.format("logs") + f":log-group:{after['name']}"]
    if kind == "aws_ssm_parameter":
        return [regional.format("ssm") + f":parameter{after['name']}"]
    if kind in ("aws_secretsmanager_secret", "aws_secretsmanager_secret_rotation"):
        return [regional.format("secretsmanager") + f":secret:{after['name']}-Ab12Cd"]
    raise AssertionError(f"no ARN format for {kind}: add one here and its needs in scripts/ci/roles.py")


def test_the_roles_cover_every_resource_of_a_real_dev_plan() -> None:
    """Every resource of the dev plan: its reads allowed to the plan role, its reads and writes to the apply role."""
    outcomes, _ = check.run(["envs/aws"])
    dev = next(o for o in outcomes if o.name == check.REVIEWED)
    assert dev.ok and dev.plan_json is not None, dev.detail
    plan = json.loads(dev.plan_json.read_text())
    region = plan["variables"]["region"]["value"]
    scope = roles.Scope.load("dev", ACCOUNT, "acme-tfstate")
    policies = {role: roles.policy(scope, role) for role in roles.ROLES}
    context = {"aws:PrincipalAccount": ACCOUNT}
    created = [c for c in plan["resource_changes"] if c["mode"] == "managed" and c["change"]["actions"] == ["create"]]
    assert {c["type"] for c in created} >= {
        "aws_lambda_function",
        "aws_iam_role",
        "aws_ssm_parameter",
        "aws_secretsmanager_secret",
    }
    role_of = {c.get("module_address"): c["change"]["after"]["name"] for c in created if c["type"] == "aws_iam_role"}
    secret_of = {
        c.get("module_address"): c["change"]["after"]["name"] for c in created if c["type"] == "aws_secretsmanager_secret"
    }
    wrong = []
    for change in created:
        need, after = roles.NEEDS[change["type"]], change["change"]["after"]
        if change["type"] == "aws_iam_role_policy":
            after = {**after, "name": role_of[change.get("module_address")]}
        if change["type"] == "aws_secretsmanager_secret_rotation":  # its secret's id: unknown until apply, its module's secret
            after = {**after, "name": secret_of[change.get("module_address")]}
        for arn in arns(change["type"], after, region):
            for action in need.reads:
                if iam.evaluate([policies["plan"]], action, arn, context) != "allowed":
                    wrong.append(("plan", action, arn))
            for action in need.reads + need.writes:
                if iam.evaluate([policies["apply"]], action, arn, context) != "allowed":
                    wrong.append(("apply", action, arn))
        for layer in after.get("layers") or []:  # AWS's public layer: its own policy lets every account read it
            public = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "lambda:GetLayerVersion", "Resource": layer}]}
            if iam.evaluate([policies["apply"]], "lambda:GetLayerVersion", layer, context, resource_policy=public) != "allowed":
                wrong.append(("apply", "lambda:GetLayerVersion", layer))
    assert wrong == []
    assert any(after_layers for c in created if (after_layers := c["change"]["after"].get("layers")))
