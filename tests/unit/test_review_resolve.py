"""Values shown as (known after apply) resolved from the configuration (scripts/review/resolve.py) and where sources are.

Each test writes a small root (and modules) to a temporary directory and a hand-made plan of
it; Sources.locate finds the root by its declarations. The resolution is checked against
Terraform itself on the kit's real first deploy in tests/functional/test_review_make_plan.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scripts import review
from scripts.review.policy import grants
from scripts.review.redact import Redactor
from scripts.review.resolve import UNRESOLVED, module_steps, resolved
from scripts.review.sarif import locations
from scripts.review.sources import Sources
from scripts.review.view import PlanView

ACCOUNT = "123456789012"
CALLER = {
    "address": "data.aws_caller_identity.current",
    "mode": "data",
    "type": "aws_caller_identity",
    "name": "current",
    "values": {"account_id": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:user/me"},
}
LOGS_POLICY = """
resource "aws_iam_role_policy" "logs" {
  role = "r"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["logs:PutLogEvents"], Resource = "${aws_cloudwatch_log_group.this.arn}:*" }]
  })
}

resource "aws_cloudwatch_log_group" "this" {
  name = "/aws/lambda/${var.name}"
}

variable "name" { type = string }
"""


def _rc(address: str, kind: str, after: dict, unknown: dict, module: str = "") -> dict:
    rc = {"address": address, "type": kind, "name": address.rsplit(".", 1)[-1].split("[")[0], "mode": "managed"}
    rc["change"] = {"actions": ["create"], "before": None, "after": after, "after_unknown": unknown}
    if module:
        rc["module_address"] = module
    if address.endswith("]"):
        rc["index"] = json.loads(address.rsplit("[", 1)[1][:-1])
    return rc


def _configuration(root: dict) -> dict:
    return {"root_module": root}


def _view(tmp_path: Path, plan: dict) -> PlanView:
    sources = Sources.locate(plan, "dev", base=tmp_path, repository=tmp_path)
    assert sources is not None
    return PlanView(plan, Redactor().collect(plan), sources)


def _root(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def _plan(changes: list[dict], root: dict, variables: dict[str, Any] | None = None, prior: list[dict] | None = None) -> dict:
    return {
        "format_version": "1.2",
        "resource_changes": changes,
        "configuration": _configuration(root),
        "variables": {k: {"value": v} for k, v in (variables or {}).items()},
        "prior_state": {"values": {"root_module": {"resources": prior or [CALLER]}}},
    }


def _logs_root(tmp_path: Path) -> tuple[dict, dict]:
    _root(tmp_path, {"main.tf": LOGS_POLICY})
    root = {
        "resources": [
            {
                "address": "aws_iam_role_policy.logs",
                "expressions": {"policy": {"references": ["aws_cloudwatch_log_group.this.arn"]}},
            },
            {"address": "aws_cloudwatch_log_group.this"},
        ],
        "variables": {"name": {}},
    }
    changes = [
        _rc("aws_iam_role_policy.logs", "aws_iam_role_policy", {"role": "r"}, {"policy": True}),
        _rc("aws_cloudwatch_log_group.this", "aws_cloudwatch_log_group", {"name": "/aws/lambda/fn"}, {"arn": True}),
    ]
    return _plan(changes, root, {"name": "fn", "region": "eu-west-1"}), root


def test_a_policy_naming_a_new_log_groups_arn_resolves_to_its_documented_arn(tmp_path: Path) -> None:
    plan, _ = _logs_root(tmp_path)
    view = _view(tmp_path, plan)
    document = resolved(view, view.changes[0], "policy")
    assert [g.resource for g in grants(document) or []] == [f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:/aws/lambda/fn:*"]


def test_the_review_of_that_plan_has_no_unknown_policy_and_without_sources_it_has(tmp_path: Path) -> None:
    """With the sources: resolved, no risk. Without them (a plan from elsewhere): POL010 as before."""
    plan, _ = _logs_root(tmp_path)
    sources = Sources.locate(plan, "dev", base=tmp_path, repository=tmp_path)
    assert review.review(plan, "dev", review.load_usage(None), sources=sources).risks == []
    (risk,) = review.review(plan, "dev", review.load_usage(None)).risks
    assert (risk.rule, risk.severity) == ("POL010", "medium")


def test_a_resolved_policy_is_still_judged(tmp_path: Path) -> None:
    """Resolution never hides a risk: a public principal written next to an unknown ARN is high."""
    text = LOGS_POLICY.replace('Effect = "Allow", Action', 'Effect = "Allow", Principal = "*", Action').replace(
        "aws_iam_role_policy", "aws_sqs_queue_policy"
    )
    _root(tmp_path, {"main.tf": text.replace('role = "r"', 'queue_url = "q"')})
    root = {
        "resources": [
            {
                "address": "aws_sqs_queue_policy.logs",
                "expressions": {"policy": {"references": ["aws_cloudwatch_log_group.this"]}},
            },
            {"address": "aws_cloudwatch_log_group.this"},
        ],
        "variables": {"name": {}},
    }
    changes = [
        _rc("aws_sqs_queue_policy.logs", "aws_sqs_queue_policy", {}, {"policy": True}),
        _rc("aws_cloudwatch_log_group.this", "aws_cloudwatch_log_group", {"name": "/x"}, {"arn": True}),
    ]
    plan = _plan(changes, root, {"name": "fn"})
    sources = Sources.locate(plan, "dev", base=tmp_path, repository=tmp_path)
    assert [(r.rule, r.severity.value) for r in review.review(plan, "dev", review.load_usage(None), sources=sources).risks] == [
        ("POL001", "high")
    ]


MODULE_ROOT = {
    "main.tf": """
variable "apps" {
  type = map(object({ paths = list(string), writer = optional(bool, true) }))
}

module "stack" {
  source   = "./stack"
  for_each = var.apps

  app     = each.key
  paths   = each.value.paths
  writer  = each.value.writer
  key_arn = aws_kms_key.shared.arn
}

resource "aws_kms_key" "shared" {
  description = "shared"
}
""",
    "stack/main.tf": """
variable "app" { type = string }
variable "paths" { type = list(string) }
variable "writer" { type = bool }
variable "key_arn" { type = string }

locals {
  prefix  = "/dev/${var.app}"
  arn     = "arn:aws:ssm:us-east-1:${data.aws_caller_identity.current.account_id}:parameter"
  actions = concat(["ssm:GetParameter"], var.writer ? ["ssm:PutParameter"] : [])
}

data "aws_caller_identity" "current" {}

module "names" {
  source = "./names"
  prefix = local.prefix
  paths  = var.paths
}

resource "aws_iam_role_policy" "read" {
  role = "r"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = local.actions
        Resource = [for p in module.names.full : "${local.arn}${p}/*"]
      },
      { Effect = "Allow", Action = "kms:Decrypt", Resource = [var.key_arn] },
    ]
  })
}
""",
    "stack/names/main.tf": """
variable "prefix" { type = string }
variable "paths" { type = list(string) }

output "full" {
  value = [for p in var.paths : "${var.prefix}/${trimprefix(p, "/")}" if p != ""]
}
""",
}


def _module_plan(tmp_path: Path, writer: bool | None) -> tuple[PlanView, dict]:
    _root(tmp_path, MODULE_ROOT)
    app = {"paths": ["config", "/secrets", ""]} | ({} if writer is None else {"writer": writer})
    root = {
        "variables": {"apps": {}},
        "resources": [{"address": "aws_kms_key.shared"}],
        "module_calls": {
            "stack": {
                "source": "./stack",
                "module": {
                    "resources": [{"address": "aws_iam_role_policy.read"}, {"address": "data.aws_caller_identity.current"}],
                    "module_calls": {"names": {"source": "./names", "module": {}}},
                },
            }
        },
    }
    module = 'module.stack["billing"]'
    caller = {**CALLER, "address": f"{module}.data.aws_caller_identity.current"}
    changes = [
        _rc(f"{module}.aws_iam_role_policy.read", "aws_iam_role_policy", {"role": "r"}, {"policy": True}, module),
        _rc("aws_kms_key.shared", "aws_kms_key", {"description": "shared"}, {"arn": True, "key_id": True}),
    ]
    plan = _plan(changes, root, {"apps": {"billing": app}}, [caller])
    view = _view(tmp_path, plan)
    return view, resolved(view, view.changes[0], "policy")


def test_through_a_for_each_module_its_variables_locals_outputs_and_data(tmp_path: Path) -> None:
    """each.key, each.value, a nested module's output, a for expression with if, concat, a conditional, data read at plan."""
    _, document = _module_plan(tmp_path, writer=True)
    found = sorted(g.text() for g in grants(document) or [])
    assert found == [
        "Allow kms:Decrypt on (known after apply: aws_kms_key.shared.arn)",
        f"Allow ssm:GetParameter on arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/dev/billing/config/*",
        f"Allow ssm:GetParameter on arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/dev/billing/secrets/*",
        f"Allow ssm:PutParameter on arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/dev/billing/config/*",
        f"Allow ssm:PutParameter on arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/dev/billing/secrets/*",
    ]


def test_an_optional_attribute_takes_its_default(tmp_path: Path) -> None:
    """writer left out of the app: optional(bool, true) applies, as Terraform converts it; false given, it is false."""
    _, document = _module_plan(tmp_path, writer=None)
    assert {g.action for g in grants(document) or []} == {"ssm:GetParameter", "ssm:PutParameter", "kms:Decrypt"}
    _, document = _module_plan(tmp_path / "again", writer=False)
    assert {g.action for g in grants(document) or []} == {"ssm:GetParameter", "kms:Decrypt"}


@pytest.mark.parametrize(
    ("expression", "why"),
    [
        ('"${aws_cloudwatch_log_group.this.retention_in_days}"', "a value AWS computes that is no identifier"),
        ('templatefile("p.tftpl", {})', "a function this reader does not evaluate"),
        ("data.aws_iam_policy_document.later.json", "a data source read only during apply"),
    ],
)
def test_what_the_configuration_cannot_say_stays_unresolved(tmp_path: Path, expression: str, why: str) -> None:
    text = LOGS_POLICY.replace("jsonencode({", f"jsonencode({{ Extra = {expression}, ")
    _root(tmp_path, {"main.tf": text})
    plan, _ = _logs_root(tmp_path)
    plan["resource_changes"][1]["change"]["after_unknown"]["retention_in_days"] = True
    (tmp_path / "main.tf").write_text(text)
    view = _view(tmp_path, plan)
    assert resolved(view, view.changes[0], "policy") is UNRESOLVED, why


def test_without_sources_nothing_is_resolved() -> None:
    change = _rc("aws_iam_role_policy.logs", "aws_iam_role_policy", {}, {"policy": True})
    plan = {"format_version": "1.2", "resource_changes": [change]}
    view = PlanView(plan, Redactor())
    assert resolved(view, view.changes[0], "policy") is UNRESOLVED


# --- sources and SARIF locations --------------------------------------------------------------------


def test_the_root_is_found_by_its_declarations_and_locations_follow_modules_and_tfvars(tmp_path: Path) -> None:
    """A declaration line in the module's file; a resource keyed by a tfvars entry points at that entry."""
    view, _ = _module_plan(tmp_path, writer=False)
    assert view.sources is not None and view.sources.root == tmp_path.resolve()
    (tmp_path / "dev.tfvars").write_text('apps = {\n  billing = {\n    paths = ["config"]\n  }\n}\n')
    sources = Sources.locate(view.plan, "dev", base=tmp_path, repository=tmp_path)
    assert sources is not None and sources.tfvars == tmp_path / "dev.tfvars"
    risk = review.Risk("high", 'module.stack["billing"].aws_iam_role_policy.read', "t", "d")
    declared = MODULE_ROOT["stack/main.tf"].splitlines().index('resource "aws_iam_role_policy" "read" {') + 1
    assert locations(risk, sources) == (("dev.tfvars", 2), ("stack/main.tf", declared))
    shared = review.Risk("low", "aws_kms_key.shared", "t", "d")
    assert locations(shared, sources) == (
        ("main.tf", MODULE_ROOT["main.tf"].splitlines().index('resource "aws_kms_key" "shared" {') + 1),
        None,
    )
    assert module_steps('module.a["x.y"].module.b[0].aws_s3_bucket.c') == [("a", "x.y"), ("b", 0)]


def test_a_plan_from_another_root_gets_no_sources(tmp_path: Path) -> None:
    plan, _ = _logs_root(tmp_path)
    plan["configuration"]["root_module"]["resources"].append({"address": "aws_s3_bucket.elsewhere"})
    assert Sources.locate(plan, "dev", base=tmp_path, repository=tmp_path) is None


LAYERED = """
resource "aws_lambda_layer_version" "extension" {
  layer_name = "sandbox-parameters-secrets-extension-emulator"
  filename   = "layer.zip"
}

resource "aws_lambda_function" "fn" {
  function_name = "fn"
  role          = "r"
  layers        = [aws_lambda_layer_version.extension.arn]
}
"""


def test_a_first_plan_prices_the_extension_the_plan_will_attach(tmp_path: Path) -> None:
    """The function's layers are unknown on a first plan: resolved, its cache counts (not 1,000,000 calls)."""
    _root(tmp_path, {"main.tf": LAYERED})
    root = {"resources": [{"address": "aws_lambda_layer_version.extension"}, {"address": "aws_lambda_function.fn"}]}
    environment = [{"variables": {"APP_SECRET_IDS": "/dev/app/secrets/key"}}]
    layer = {"layer_name": "sandbox-parameters-secrets-extension-emulator"}
    changes = [
        _rc("aws_lambda_layer_version.extension", "aws_lambda_layer_version", layer, {"arn": True, "version": True}),
        _rc("aws_lambda_function.fn", "aws_lambda_function", {"environment": environment, "memory_size": 128}, {"layers": True}),
    ]  # fmt: skip
    plan = _plan(changes, root, {"region": "us-east-1"})
    sources = Sources.locate(plan, "dev", base=tmp_path, repository=tmp_path)
    resolved_cost = review.review(plan, "dev", review.load_usage(None), sources=sources).cost
    unresolved_cost = review.review(plan, "dev", review.load_usage(None)).cost
    api = {row["item"]: row for row in resolved_cost["rows"]}["Secrets Manager API"]
    assert "cache on" in api["detail"] and "17,280 calls" in api["detail"]
    assert "no extension" in {row["item"]: row for row in unresolved_cost["rows"]}["Secrets Manager API"]["detail"]
