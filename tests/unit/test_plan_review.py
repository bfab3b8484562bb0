"""scripts/plan_review.py on hand-made plan JSON: masking, leaks, layers, IAM, cost, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts import plan_review
from scripts.common import UserError

CANARY = "CANARY-plan-value-1234"


def _rc(address: str, kind: str, actions: list[str], before: dict | None, after: dict | None, **change: object) -> dict:
    return {"address": address, "type": kind, "change": {"actions": actions, "before": before, "after": after, **change}}


def _plan(*changes: dict, **extra: object) -> dict:
    return {
        "format_version": "1.2",
        "terraform_version": "1.15.5",
        "applyable": True,
        "complete": True,
        "resource_changes": list(changes),
        **extra,
    }


def _review(plan: dict) -> plan_review.Review:
    return plan_review.review(plan, "dev", plan_review.load_usage(None))


def test_sensitive_values_never_reach_any_rendering() -> None:
    """A canary in sensitive attributes, outputs and drift is masked in terminal, markdown and JSON."""
    plan = _plan(
        _rc(
            "aws_ssm_parameter.p",
            "aws_ssm_parameter",
            ["update"],
            {"name": "/a/b/c/d", "value": CANARY + "-old"},
            {"name": "/a/b/c/d", "value": CANARY},
            before_sensitive={"value": True},
            after_sensitive={"value": True},
        ),
        output_changes={"db_password": {"actions": ["update"], "before": CANARY, "after": CANARY, "after_sensitive": True}},
    )
    r = _review(plan)
    for text in (plan_review.render_terminal(r, colour=True), plan_review.render_markdown(r), plan_review.render_json(r)):
        assert CANARY not in text
    assert "value: (sensitive) → (sensitive)" in plan_review.render_markdown(r)


def test_secret_looking_environment_variable_is_a_high_risk() -> None:
    """DB_PASSWORD with a value is flagged; names of secrets and the extension's settings are not."""
    variables = {
        "DB_PASSWORD": CANARY,
        "APP_SECRET_IDS": "/p/a/secrets/x",
        "SECRETS_MANAGER_TTL": "300",
        "API_KEY_NAME": "/p/a/secrets/k",
        "STRIPE_TOKEN_ARN": "arn:aws:secretsmanager:...",
    }
    plan = _plan(
        _rc(
            "aws_lambda_function.f",
            "aws_lambda_function",
            ["create"],
            None,
            {"environment": [{"variables": variables}], "layers": []},
            after_sensitive={"environment": [{"variables": {"DB_PASSWORD": True}}]},
        )
    )
    risks = _review(plan).risks
    assert [(r.severity, r.detail.split()[0]) for r in risks] == [("high", "DB_PASSWORD")]
    assert all(CANARY not in r.detail for r in risks)


def test_non_sensitive_secret_output_and_plain_string_secret() -> None:
    """An output named like a secret without sensitive = true, and a String under /secrets/, are flagged."""
    plan = _plan(
        _rc(
            "aws_ssm_parameter.p",
            "aws_ssm_parameter",
            ["create"],
            None,
            {"name": "/prod/app/secrets/db_password", "type": "String"},
        ),
        output_changes={
            "api_token": {"actions": ["create"], "after": "x", "after_sensitive": False},
            "api_token_name": {"actions": ["create"], "after": "/a", "after_sensitive": False},
        },
    )
    titles = sorted((r.severity, r.title, r.address) for r in _review(plan).risks)
    assert titles == [
        ("medium", "String where a SecureString was expected", "aws_ssm_parameter.p"),
        ("medium", "output may expose a secret", "output.api_token"),
    ]


@pytest.mark.parametrize(
    ("layer", "expected"),
    [
        ("arn:aws:lambda:eu-west-1:015030872274:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:101", []),
        (
            "arn:aws:lambda:us-east-1:177933569100:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:99",
            ["extension layer from another region"],
        ),
        (
            "arn:aws:lambda:eu-west-1:015030872274:layer:AWS-Parameters-and-Secrets-Lambda-Extension:101",
            ["extension layer of the wrong architecture"],
        ),
    ],
)
def test_extension_layer_must_match_region_and_architecture(layer: str, expected: list[str]) -> None:
    """The function's region comes from its ARN (or the region variable); its architecture from architectures."""
    after = {"arn": "arn:aws:lambda:eu-west-1:123456789012:function:f", "architectures": ["arm64"], "layers": [layer]}
    plan = _plan(_rc("aws_lambda_function.f", "aws_lambda_function", ["update"], {}, after))
    assert [r.title for r in _review(plan).risks] == expected


def _policy(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def test_iam_wildcard_action_dropped_condition_and_trust_principal() -> None:
    """Each kind of IAM widening is reported with its severity."""
    read = {
        "Effect": "Allow",
        "Action": "kms:Decrypt",
        "Resource": "arn:aws:kms:r:1:key/k",
        "Condition": {"StringEquals": {"kms:ViaService": "ssm.r.amazonaws.com"}},
    }
    plan = _plan(
        _rc(
            "aws_iam_role_policy.p",
            "aws_iam_role_policy",
            ["update"],
            {"policy": _policy(read)},
            {
                "policy": _policy(
                    {**read, "Condition": None}, {"Effect": "Allow", "Action": "ssm:*", "Resource": "arn:aws:kms:r:1:key/k"}
                )
            },
        ),
        _rc(
            "aws_iam_role.r",
            "aws_iam_role",
            ["update"],
            {
                "assume_role_policy": _policy(
                    {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "lambda.amazonaws.com"}}
                )
            },
            {"assume_role_policy": _policy({"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": "*"}})},
        ),
    )
    found = {(r.address, r.title): r.severity for r in _review(plan).risks}
    assert found[("aws_iam_role_policy.p", "IAM: wildcard action added")] == "high"
    assert found[("aws_iam_role_policy.p", "IAM: condition dropped")] == "high"
    assert found[("aws_iam_role.r", "IAM: trust principal changed")] == "high"


def test_a_narrower_policy_is_not_a_risk() -> None:
    """Removing a resource or an action raises nothing."""
    wide = _policy(
        {"Effect": "Allow", "Action": ["ssm:GetParameter", "ssm:GetParameters"], "Resource": ["arn:p/a/*", "arn:p/b/*"]}
    )
    narrow = _policy({"Effect": "Allow", "Action": ["ssm:GetParameter"], "Resource": ["arn:p/a/*"]})
    plan = _plan(_rc("aws_iam_role_policy.p", "aws_iam_role_policy", ["update"], {"policy": wide}, {"policy": narrow}))
    assert _review(plan).risks == []


def test_cost_delta_and_cache_ttl_scenarios() -> None:
    """A new secret with a replica costs 0.80/month, a KMS key 1.00; a longer TTL means fewer billed calls."""
    plan = _plan(
        _rc("aws_secretsmanager_secret.s", "aws_secretsmanager_secret", ["create"], None, {"replica": [{"region": "eu-west-1"}]}),
        _rc("aws_kms_key.k", "aws_kms_key", ["create"], None, {}),
        _rc("aws_secretsmanager_secret.old", "aws_secretsmanager_secret", ["delete"], {"replica": []}, None),
    )
    cost = plan_review.cost(plan, {**plan_review.DEFAULT_USAGE, "cache_ttl_seconds": 300})
    assert cost["monthly_delta_usd"] == pytest.approx(0.80 + 1.00 - 0.40)
    bill = {row["ttl_seconds"]: row for row in cost["api_bill"]}
    assert bill[0]["secrets_calls"] == 1_000_000 and bill[0]["secrets_api_usd"] == 5.00
    assert bill[300]["secrets_calls"] == 2 * 30 * 24 * 3600 // 300 and bill[300]["current"]
    assert bill[60]["secrets_calls"] > bill[300]["secrets_calls"]


def test_moved_imported_and_replace_reason() -> None:
    """Moved and imported resources are listed; a replacement names the forcing attribute and the reason."""
    moved = _rc("aws_ssm_parameter.plain", "aws_ssm_parameter", ["no-op"], {}, {})
    moved["previous_address"] = "aws_ssm_parameter.this"
    imported = _rc("aws_kms_key.k", "aws_kms_key", ["no-op"], {}, {}, importing={"id": "1234"})
    replaced = _rc(
        "aws_secretsmanager_secret.s",
        "aws_secretsmanager_secret",
        ["delete", "create"],
        {"name": "a"},
        {"name": "b"},
        replace_paths=[["name"]],
    )
    replaced["action_reason"] = "replace_because_cannot_update"
    r = _review(_plan(moved, imported, replaced))
    assert r.changes["moved"][0]["from"] == "aws_ssm_parameter.this"
    assert r.changes["imported"][0]["id"] == "1234"
    assert r.changes["replace"][0] == {
        "address": "aws_secretsmanager_secret.s",
        "type": "aws_secretsmanager_secret",
        "order": "destroy before create",
        "forced_by": ["name"],
        "reason": "replace because cannot update",
    }


def test_bad_plans_get_one_line_and_the_fix(tmp_path: Path) -> None:
    """Missing, corrupt, unknown-format and errored plans are refused with the command that fixes them."""
    path = tmp_path / "p.json"
    with pytest.raises(UserError, match="make plan"):
        plan_review.load_plan(path)
    path.write_text("{not json")
    with pytest.raises(UserError, match="not valid JSON"):
        plan_review.load_plan(path)
    path.write_text(json.dumps({"format_version": "2.0", "terraform_version": "2.3.0"}))
    with pytest.raises(UserError, match="format 2.0 .Terraform 2.3.0. is not supported"):
        plan_review.load_plan(path)
    path.write_text(json.dumps({"format_version": "1.2", "errored": True}))
    with pytest.raises(UserError, match="the plan errored"):
        plan_review.load_plan(path)


def test_exit_code_by_threshold() -> None:
    """--fail-on high fails on a high risk only; medium fails on high or medium; none never fails."""
    r = _review(_plan(_rc("aws_cloudwatch_log_group.l", "aws_cloudwatch_log_group", ["delete"], {}, None)))
    assert [r.risks[0].severity] == ["medium"]
    assert (plan_review.exit_code(r, "high"), plan_review.exit_code(r, "medium"), plan_review.exit_code(r, "none")) == (0, 1, 0)


def test_usage_file_errors_name_the_file(tmp_path: Path) -> None:
    """A broken usage file is reported with its path."""
    usage = tmp_path / "usage.toml"
    usage.write_text("invocations_per_month = ")
    with pytest.raises(UserError, match="usage.toml is not valid TOML"):
        plan_review.load_usage(usage)
    usage.write_text("invocations_per_month = 10")
    assert plan_review.load_usage(usage)["invocations_per_month"] == 10


def test_attributes_that_are_json_but_not_policies_are_shown_plainly() -> None:
    """A changed attribute holding "1" or a JSON list is a plain value change, not a policy diff."""
    change = {
        "actions": ["update"],
        "before": {"version": "1", "tags_json": "[1]"},
        "after": {"version": "2", "tags_json": "[2]"},
    }
    assert plan_review.changed_attributes(change) == ["tags_json: [1] → [2]", "version: 1 → 2"]
