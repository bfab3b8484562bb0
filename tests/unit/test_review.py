"""scripts/review/ on hand-made plan JSON: masking, leaks, policy analysis, lifecycle, cost, files, bad input.

Each test builds the smallest plan that shows one behaviour. The real plans (and the
end-to-end leak tests) are in tests/functional/test_review_corpus.py.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from scripts import review
from scripts.common import UserError
from scripts.review import changes, cost, policy, post, render
from scripts.review.redact import Redactor

CANARY = "CANARY-plan-value-1234"


def _rc(address: str, kind: str, actions: list[str], before: dict | None, after: dict | None, **change: object) -> dict:
    return {
        "address": address,
        "type": kind,
        "name": address.split(".")[-1],
        "mode": "managed",
        "change": {"actions": actions, "before": before, "after": after, **change},
    }


def _plan(*rcs: dict, **extra: object) -> dict:
    return {
        "format_version": "1.2",
        "terraform_version": "1.11.4",
        "applyable": True,
        "complete": True,
        "resource_changes": list(rcs),
        **extra,
    }


def _review(plan: dict, **kwargs: object) -> review.Review:
    return review.review(plan, "dev", review.load_usage(None), **kwargs)  # type: ignore[arg-type]


def _doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _everything(r: review.Review) -> str:
    return "\n".join(
        [review.render_terminal(r, colour=True), review.render_markdown(r), review.render_json(r), review.render_json(r)]
    )


# --- always safe to post ---------------------------------------------------------------


def test_sensitive_values_never_reach_any_rendering() -> None:
    """A canary in sensitive attributes and outputs is masked in terminal, markdown and JSON."""
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
        output_changes={"db": {"actions": ["update"], "before": CANARY, "after": CANARY, "after_sensitive": True}},
    )
    r = _review(plan)
    assert CANARY not in _everything(r)
    assert "value: (sensitive) → (sensitive)" in review.render_markdown(r)


def test_a_secret_value_is_masked_wherever_it_appears_not_only_where_it_was_found() -> None:
    """A tfvars value of a secret-looking variable is masked in a tag, an output and a policy too."""
    plan = _plan(
        _rc("aws_s3_bucket.b", "aws_s3_bucket", ["update"], {"tags": {"Owner": "x"}}, {"tags": {"Owner": CANARY}}),
        variables={"db_password": {"value": CANARY}},
        output_changes={"owner": {"actions": ["create"], "after": f"owner is {CANARY}"}},
    )
    r = _review(plan)
    assert CANARY not in _everything(r)
    assert [x.title for x in r.risks] == ["secret-looking variable with a value"]


def test_masks_by_environment_variable_name_and_by_regex(monkeypatch: pytest.MonkeyPatch) -> None:
    """--mask env:NAME masks that variable's value; --mask regexp: and the built-in token patterns mask matches."""
    monkeypatch.setenv("BUILD_LABEL", "label-" + CANARY)
    token = "ghp_" + "A" * 36
    plan = _plan(
        _rc(
            "aws_s3_bucket.b",
            "aws_s3_bucket",
            ["update"],
            {"tags": {}},
            {"tags": {"Build": "label-" + CANARY, "Gh": token, "Ticket": "TICKET-98765"}},
        )
    )
    text = _everything(_review(plan, masks=["env:BUILD_LABEL", r"regexp:TICKET-\d+"]))
    assert CANARY not in text and token not in text and "TICKET-98765" not in text
    monkeypatch.setenv("REVIEW_MASKS", r"env:BUILD_LABEL,regexp:TICKET-\d+")
    text = _everything(_review(plan))
    assert CANARY not in text and "TICKET-98765" not in text
    with pytest.raises(UserError, match="env:NAME or regexp:PATTERN"):
        Redactor(["BUILD_LABEL"])


def test_secret_looking_environment_variable_is_high_and_its_value_is_never_shown() -> None:
    """DB_PASSWORD with a value is flagged and masked; names of secrets and the extension's settings are not."""
    variables = {
        "DB_PASSWORD": CANARY,
        "APP_SECRET_IDS": "/p/a/secrets/x",
        "SECRETS_MANAGER_TTL": "300",
        "API_KEY_NAME": "/p/a/secrets/k",
        "STRIPE_TOKEN_ARN": "arn:aws:secretsmanager:us-east-1:1:secret:x",
    }
    plan = _plan(
        _rc("aws_lambda_function.f", "aws_lambda_function", ["create"], None, {"environment": [{"variables": variables}]})
    )
    r = _review(plan)
    assert [(x.severity, x.detail.split()[0]) for x in r.risks] == [("high", "DB_PASSWORD")]
    assert CANARY not in _everything(r)


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
            "api_token": {"actions": ["create"], "after": CANARY, "after_sensitive": False},
            "api_token_name": {"actions": ["create"], "after": "/a", "after_sensitive": False},
        },
    )
    r = _review(plan)
    assert sorted((x.severity, x.title, x.address) for x in r.risks) == [
        ("high", "String where a SecureString was expected", "aws_ssm_parameter.p"),
        ("medium", "output may expose a secret", "output.api_token"),
    ]
    assert CANARY not in _everything(r)


# --- policy analysis -------------------------------------------------------------------


def _policy_risks(kind: str, attribute: str, before: str | None, after: str | None, actions: list[str]) -> dict:
    rc = _rc(f"{kind}.x", kind, actions, {attribute: before} if before else None, {attribute: after} if after else None)
    return {x.title: x.severity for x in _review(_plan(rc)).risks}


def test_a_new_inline_policy_is_analysed_on_create() -> None:
    """Action * on Resource * in a created policy is high (it used to be checked on update only)."""
    found = _policy_risks(
        "aws_iam_role_policy", "policy", None, _doc({"Effect": "Allow", "Action": "*", "Resource": "*"}), ["create"]
    )
    assert found == {"IAM: wildcard action": "high"}


def test_statements_are_compared_as_grants() -> None:
    """PutSecretValue added beside an existing Resource * is a new grant even though both halves existed."""
    before = _doc(
        {"Effect": "Allow", "Action": "secretsmanager:GetRandomPassword", "Resource": "*"},
        {"Effect": "Allow", "Action": "secretsmanager:PutSecretValue", "Resource": "arn:aws:secretsmanager:r:1:secret:a"},
    )
    after = _doc(
        {"Effect": "Allow", "Action": ["secretsmanager:GetRandomPassword", "secretsmanager:PutSecretValue"], "Resource": "*"},
        {"Effect": "Allow", "Action": "secretsmanager:PutSecretValue", "Resource": "arn:aws:secretsmanager:r:1:secret:a"},
    )
    found = _policy_risks("aws_iam_role_policy", "policy", before, after, ["update"])
    assert found["IAM: write action on every resource"] == "high"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            {"StringEquals": {"kms:ViaService": "ssm.r.amazonaws.com"}},
            {"StringLike": {"kms:ViaService": "*"}},
            "weakened: kms:ViaService: StringEquals loosened to StringLike",
        ),
        (
            {"StringEquals": {"kms:ViaService": "a"}},
            {"StringEqualsIfExists": {"kms:ViaService": "a"}},
            "weakened: IfExists added",
        ),
        ({"StringEquals": {"kms:ViaService": "a"}}, {"StringEquals": {"kms:ViaService": ["a", "b"]}}, "weakened: now also b"),
        (
            {"StringLike": {"aws:SourceArn": "arn:x:1"}},
            {"StringLike": {"aws:SourceArn": "arn:x:*"}},
            "weakened: widened by a wildcard",
        ),
        (
            {"StringNotEquals": {"aws:SourceVpc": ["v1", "v2"]}},
            {"StringNotEquals": {"aws:SourceVpc": "v1"}},
            "weakened: no longer excludes v2",
        ),
        ({"StringEquals": {"kms:ViaService": "a"}}, {}, "removed: StringEquals kms:ViaService"),
        ({"StringEquals": {"kms:ViaService": ["a", "b"]}}, {"StringEquals": {"kms:ViaService": "a"}}, None),
        (
            {"StringLike": {"kms:ViaService": "*"}},
            {"StringEquals": {"kms:ViaService": "a"}},
            "changed: StringLike → StringEquals",
        ),
    ],
)
def test_condition_removed_or_weakened(old: dict, new: dict, expected: str | None) -> None:
    """Operator loosened, IfExists added, a value added or widened, an exclusion dropped: weakened; narrower: nothing."""
    old_c = json.dumps(old, sort_keys=True)
    new_c = json.dumps(new, sort_keys=True) if new else ""
    change = policy.condition_change(old_c, new_c)
    if expected is None:
        assert change is None
    else:
        how, what = expected.split(": ", 1)
        assert change is not None and change[0] == how and what in change[1], change


@pytest.mark.parametrize(
    ("statement", "title", "severity"),
    [
        ({"Principal": "*"}, "public principal", "high"),
        ({"Principal": {"AWS": "*"}}, "public principal", "high"),
        ({"Principal": {"AWS": "arn:aws:iam::999999999999:root"}}, "cross-account principal", "high"),
        (
            {"Principal": "*", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}}},
            "public principal limited by a condition",
            "medium",
        ),
        ({"Principal": {"AWS": "arn:aws:iam::123456789012:role/app"}}, None, None),
    ],
)
def test_resource_policy_principals(statement: dict, title: str | None, severity: str | None) -> None:
    """Public and cross-account principals in a secret policy; this account's own role is fine."""
    doc = _doc({"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*", **statement})
    rc = _rc("aws_secretsmanager_secret_policy.p", "aws_secretsmanager_secret_policy", ["create"], None, {"policy": doc})
    own = _rc(
        "aws_iam_role.r",
        "aws_iam_role",
        ["no-op"],
        {"arn": "arn:aws:iam::123456789012:role/r"},
        {"arn": "arn:aws:iam::123456789012:role/r"},
    )
    found = {x.title: x.severity for x in _review(_plan(rc, own)).risks}
    assert found == ({title: severity} if title else {})


def test_an_account_id_and_its_root_arn_are_the_same_principal() -> None:
    """AWS stores "123456789012" as its root ARN: rewriting one as the other is not a new principal."""
    trust = {"Effect": "Allow", "Action": "sts:AssumeRole"}
    before = _doc({**trust, "Principal": {"AWS": "arn:aws:iam::123456789012:root"}})
    after = _doc({**trust, "Principal": {"AWS": "123456789012"}})
    assert _policy_risks("aws_iam_role", "assume_role_policy", before, after, ["update"]) == {}


def test_not_action_wildcards_and_permission_management() -> None:
    """Allow with NotAction; service-wide; iam:PassRole on *; a partial wildcard is low."""
    doc = _doc(
        {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
        {"Effect": "Allow", "Action": "ssm:*", "Resource": "arn:aws:ssm:r:1:parameter/a/*"},
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"},
        {"Effect": "Allow", "Action": "ssm:GetParam*", "Resource": "arn:aws:ssm:r:1:parameter/a/*"},
    )
    found = _policy_risks("aws_iam_policy", "policy", None, doc, ["create"])
    assert found == {
        "IAM: Allow with NotAction/NotResource/NotPrincipal": "high",
        "IAM: service-wide action": "high",
        "IAM: permission-management action": "high",
        "IAM: partial wildcard action": "low",
    }


def test_a_narrower_policy_a_removed_grant_and_an_added_deny_are_not_risks() -> None:
    """Removing a resource or an action, or adding a Deny, raises nothing; removing a Deny does."""
    wide = _doc({"Effect": "Allow", "Action": ["ssm:GetParameter", "ssm:GetParameters"], "Resource": ["arn:p/a/*", "arn:p/b/*"]})
    narrow = _doc({"Effect": "Allow", "Action": ["ssm:GetParameter"], "Resource": ["arn:p/a/*"]})
    deny = {"Effect": "Deny", "Action": "ssm:DeleteParameter", "Resource": "*"}
    assert _policy_risks("aws_iam_role_policy", "policy", wide, narrow, ["update"]) == {}
    with_deny = _doc(json.loads(narrow)["Statement"][0], deny)
    assert _policy_risks("aws_iam_role_policy", "policy", narrow, with_deny, ["update"]) == {}
    assert _policy_risks("aws_iam_role_policy", "policy", with_deny, narrow, ["update"]) == {"Deny statement removed": "medium"}


def test_policy_unknown_until_apply_is_medium_only_when_configured() -> None:
    """A configured policy that is (known after apply) is medium; an unset computed one is AWS's default, not a risk."""
    rc = _rc("aws_kms_key.k", "aws_kms_key", ["create"], None, {}, after_unknown={"policy": True})
    references = {"references": ["aws_iam_role.late[0].arn", "aws_iam_role.late[0]", "aws_iam_role.late"]}
    configured = {"root_module": {"resources": [{"address": "aws_kms_key.k", "expressions": {"policy": references}}]}}
    unset = {"root_module": {"resources": [{"address": "aws_kms_key.k", "expressions": {"description": {}}}]}}
    (risk,) = _review(_plan(rc, configuration=configured)).risks
    assert (risk.severity, risk.title) == ("medium", "policy unknown until apply")
    assert "it depends on aws_iam_role.late[0].arn)" in risk.detail
    assert _review(_plan(rc, configuration=unset)).risks == []


def test_managed_policy_attachments_and_lambda_permissions() -> None:
    """AdministratorAccess is high, *FullAccess medium; a service principal without a source is medium, * high."""
    admin = _rc("aws_iam_role_policy_attachment.a", "aws_iam_role_policy_attachment", ["create"], None,
                {"policy_arn": "arn:aws:iam::aws:policy/AdministratorAccess"})  # fmt: skip
    full = _rc("aws_iam_role_policy_attachment.f", "aws_iam_role_policy_attachment", ["create"], None,
               {"policy_arn": "arn:aws:iam::aws:policy/AmazonS3FullAccess"})  # fmt: skip
    s3 = _rc("aws_lambda_permission.s3", "aws_lambda_permission", ["create"], None, {"principal": "s3.amazonaws.com"})
    scoped = _rc("aws_lambda_permission.ok", "aws_lambda_permission", ["create"], None,
                 {"principal": "s3.amazonaws.com", "source_arn": "arn:aws:s3:::b"})  # fmt: skip
    public = _rc("aws_lambda_permission.pub", "aws_lambda_permission", ["create"], None, {"principal": "*"})
    found = {x.address: (x.severity, x.title) for x in _review(_plan(admin, full, s3, scoped, public)).risks}
    assert found == {
        "aws_iam_role_policy_attachment.a": ("high", "admin managed policy attached"),
        "aws_iam_role_policy_attachment.f": ("medium", "full-access managed policy attached"),
        "aws_lambda_permission.s3": ("medium", "Lambda permission without source ARN or account"),
        "aws_lambda_permission.pub": ("high", "public Lambda permission"),
    }


# --- lifecycle -------------------------------------------------------------------------


def test_recovery_window_kms_deletion_and_securestring_to_string() -> None:
    """30 → 0 is high; a key deletion names its window and that it can be cancelled; SecureString → String is high."""
    window = _rc("aws_secretsmanager_secret.s", "aws_secretsmanager_secret", ["update"],
                 {"recovery_window_in_days": 30}, {"recovery_window_in_days": 0})  # fmt: skip
    key = _rc("aws_kms_key.k", "aws_kms_key", ["delete"], {"deletion_window_in_days": 7}, None)
    param = _rc("aws_ssm_parameter.p", "aws_ssm_parameter", ["update"], {"type": "SecureString", "name": "/a/b"},
                {"type": "String", "name": "/a/b"})  # fmt: skip
    risks = {x.address: x for x in _review(_plan(window, key, param)).risks}
    assert (risks["aws_secretsmanager_secret.s"].severity, risks["aws_secretsmanager_secret.s"].title) == (
        "high",
        "recovery window removed",
    )
    assert "after 7 days" in risks["aws_kms_key.k"].detail and "cancel-key-deletion" in risks["aws_kms_key.k"].detail
    assert risks["aws_ssm_parameter.p"].title == "SecureString becomes a String"


def test_a_string_parameter_value_in_the_configuration_is_not_value_lost() -> None:
    """A replaced String comes back with its value from tfvars (low); a replaced SecureString loses it (high)."""
    plain = _rc("aws_ssm_parameter.a", "aws_ssm_parameter", ["delete", "create"], {"type": "String", "name": "/a"},
                {"type": "String", "name": "/b"}, replace_paths=[["name"]])  # fmt: skip
    secure = _rc("aws_ssm_parameter.b", "aws_ssm_parameter", ["delete", "create"], {"type": "SecureString", "name": "/c"},
                 {"type": "SecureString", "name": "/d"}, replace_paths=[["name"]])  # fmt: skip
    found = {x.address: (x.severity, x.title) for x in _review(_plan(plain, secure)).risks}
    assert found == {
        "aws_ssm_parameter.a": ("low", "parameter replaced"),
        "aws_ssm_parameter.b": ("high", "SecureString replaced"),
    }


def test_moved_imported_replacement_and_rename_note() -> None:
    """Moved and imported are listed; a replacement shows old → new of the forcing attribute; delete + create is a rename."""
    moved = _rc("aws_ssm_parameter.plain", "aws_ssm_parameter", ["no-op"], {}, {})
    moved["previous_address"] = "aws_ssm_parameter.this"
    imported = _rc("aws_kms_key.k", "aws_kms_key", ["no-op"], {}, {}, importing={"id": "1234"})
    replaced = _rc("aws_secretsmanager_secret.s", "aws_secretsmanager_secret", ["delete", "create"], {"name": "a"}, {"name": "b"},
                   replace_paths=[["name"]])  # fmt: skip
    replaced["action_reason"] = "replace_because_cannot_update"
    gone = _rc("aws_secretsmanager_secret.old", "aws_secretsmanager_secret", ["delete"], {"name": "/x/old"}, None)
    new = _rc("aws_secretsmanager_secret.old", "aws_secretsmanager_secret", ["create"], None, {"name": "/x/new"})
    new["address"] = 'aws_secretsmanager_secret.old["new"]'
    r = _review(_plan(moved, imported, replaced, gone, new))
    assert r.changes["moved"][0]["from"] == "aws_ssm_parameter.this"
    assert r.changes["imported"][0]["id"] == "1234"
    entry = r.changes["replace"][0]
    assert (entry["forced_by"], entry["order"], entry["reason"]) == (
        ["name: a → b"],
        "destroy before create",
        "replace because cannot update",
    )
    assert any("looks like a rename" in n and "make put-secret" in n for n in r.notes)


# --- cost ------------------------------------------------------------------------------


def _function(env: dict, memory: int = 128, arch: str = "x86_64") -> dict:
    layer = "arn:aws:lambda:us-east-1:177933569100:layer:AWS-Parameters-and-Secrets-Lambda-Extension:12"
    return {"environment": [{"variables": env}], "memory_size": memory, "architectures": [arch], "layers": [layer]}


def test_cost_reads_the_function_configuration_from_the_plan() -> None:
    """Reads per invocation from APP_SECRET_IDS; TTL 0 or the cache off means one call per read; CMK secrets add KMS."""
    usage = {**cost.DEFAULT_USAGE, "invocations_per_month": 1_000_000, "warm_environments": 2}
    secrets = [
        ("aws_secretsmanager_secret", {"name": "/e/a/s/one", "kms_key_id": "arn:k"}),
        ("aws_secretsmanager_secret", {"name": "/e/a/s/two"}),
    ]
    reads = {"APP_SECRET_IDS": "/e/a/s/one,/e/a/s/two"}
    cached = cost.side_cost([*secrets, ("aws_lambda_function", _function({**reads, "SECRETS_MANAGER_TTL": "300"}))], usage)
    ttl0 = cost.side_cost([*secrets, ("aws_lambda_function", _function({**reads, "SECRETS_MANAGER_TTL": "0"}))], usage)
    off = cost.side_cost(
        [*secrets, ("aws_lambda_function", _function({**reads, "PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED": "FALSE"}))], usage
    )
    per_secret = 2 * 30 * 24 * 3600 / 300  # two warm environments, one refresh per TTL
    assert cached["Secrets Manager API"]["usd"] == round(2 * per_secret / 10_000 * 0.05, 2)
    assert ttl0["Secrets Manager API"]["usd"] == off["Secrets Manager API"]["usd"] == 2 * 1_000_000 / 10_000 * 0.05
    assert ttl0["KMS requests"]["usd"] == 1_000_000 / 10_000 * 0.03  # only the secret under a customer key
    assert cached["Secrets Manager secrets"]["usd"] == 0.80


def test_cost_lambda_by_architecture_and_memory_and_advanced_parameters() -> None:
    """GB-seconds by memory and architecture; advanced parameters cost per month and per API call."""
    usage = {**cost.DEFAULT_USAGE, "invocations_per_month": 1_000_000, "average_duration_ms": 100}
    env = {"APP_PARAMETER_NAMES": "/e/a/c/adv,/e/a/c/std", "SSM_PARAMETER_STORE_TTL": "0"}
    resources = [
        ("aws_ssm_parameter", {"name": "/e/a/c/adv", "tier": "Advanced"}),
        ("aws_ssm_parameter", {"name": "/e/a/c/std", "tier": "Standard"}),
        ("aws_lambda_function", _function(env, memory=1024, arch="arm64")),
    ]
    c = cost.side_cost(resources, usage)
    assert c["Lambda duration"]["usd"] == round(1_000_000 * 0.1 * 1 * 0.0000133334, 2)
    assert c["Lambda requests"]["usd"] == 0.20
    assert c["SSM advanced parameters"]["usd"] == 0.05
    assert c["SSM API"]["usd"] == 1_000_000 / 10_000 * 0.05  # only the advanced one is billed


def test_cost_kms_requests_for_securestrings_under_a_customer_key() -> None:
    """A SecureString under a customer key costs a KMS request per SSM read; under aws/ssm it does not."""
    usage = {**cost.DEFAULT_USAGE, "invocations_per_month": 100_000}
    env = {"APP_PARAMETER_NAMES": "/e/a/s/cmk,/e/a/s/aws", "SSM_PARAMETER_STORE_TTL": "0"}
    resources = [
        ("aws_ssm_parameter", {"name": "/e/a/s/cmk", "type": "SecureString", "key_id": "arn:aws:kms:r:1:key/k"}),
        ("aws_ssm_parameter", {"name": "/e/a/s/aws", "type": "SecureString", "key_id": "alias/aws/ssm"}),
        ("aws_lambda_function", _function(env)),
    ]
    assert cost.side_cost(resources, usage)["KMS requests"]["usd"] == 100_000 / 10_000 * 0.03


def test_cost_headline_in_infracost_shape() -> None:
    """monthly estimate $X → $Y, +Z%; a new stack says new."""
    assert cost.headline(10.0, 12.5) == "monthly estimate $10.00 → $12.50, +25%"
    assert cost.headline(0.0, 3.0) == "monthly estimate $0.00 → $3.00, new"


def test_usage_file_errors_name_the_file_and_unknown_keys(tmp_path: Path) -> None:
    """A broken usage file, or one with keys the plan now provides, is reported with its path and the keys."""
    usage = tmp_path / "usage.toml"
    usage.write_text("invocations_per_month = ")
    with pytest.raises(UserError, match="usage.toml is not valid TOML"):
        review.load_usage(usage)
    usage.write_text("secret_reads_per_invocation = 1")
    with pytest.raises(UserError, match="unknown key.s. secret_reads_per_invocation"):
        review.load_usage(usage)
    usage.write_text("invocations_per_month = 10")
    assert review.load_usage(usage)["invocations_per_month"] == 10


# --- renderings and the pull-request workflow ------------------------------------------


def test_first_line_has_worst_severity_counts_and_the_marker() -> None:
    """The markdown's first line: severity icon, counts, change counts, hidden marker; risks before changes."""
    plan = _plan(_rc("aws_cloudwatch_log_group.l", "aws_cloudwatch_log_group", ["delete"], {}, None))
    markdown = review.render_markdown(_review(plan))
    first = markdown.splitlines()[0]
    assert first == "### 🟠 MEDIUM risk · ENV=dev: 1 medium · 1 to destroy <!-- plan-review:dev -->"
    assert markdown.index("#### Risks") < markdown.index("#### Changes")


def test_changes_risks_and_cost_are_grouped_by_app_with_no_app_last() -> None:
    """The key of module.stack[...] is the app; a root resource is in "(no app)"; the markdown has a row per app."""
    billing = _rc('module.stack["billing"].aws_kms_key.k', "aws_kms_key", ["delete"], {}, None)
    billing["module_address"] = 'module.stack["billing"]'
    demo = _rc(
        'module.stack["demo"].aws_secretsmanager_secret.s', "aws_secretsmanager_secret", ["create"], None, {"name": "/d/a/s/k"}
    )
    demo["module_address"] = 'module.stack["demo"]'
    shared = _rc("aws_cloudwatch_log_group.l", "aws_cloudwatch_log_group", ["delete"], {}, None)
    r = _review(_plan(billing, demo, shared))
    assert list(r.apps) == ["billing", "demo", ""]
    assert r.apps["billing"]["risks"]["high"] == 1 and r.apps[""]["risks"]["medium"] == 1
    assert r.apps["demo"]["changes"]["create"] == 1 and r.apps["demo"]["cost"]["after_usd"] == 0.40
    markdown = review.render_markdown(r)
    assert markdown.index("**billing**") < markdown.index("**(no app)**")
    assert "| demo | 1 to create | none | $0.00 → $0.40 |" in markdown
    assert _review(_plan(shared)).apps == {}  # no app in the plan: no table


def test_app_filters_the_view_only() -> None:
    """make plan APP=billing: billing's changes and risks are shown, the others' not; counts and FAIL_ON still see all."""
    billing = _rc('module.stack["billing"].aws_kms_key.k', "aws_kms_key", ["delete"], {}, None)
    billing["module_address"] = 'module.stack["billing"]'
    demo = _rc('module.stack["demo"].aws_cloudwatch_log_group.l', "aws_cloudwatch_log_group", ["delete"], {}, None)
    demo["module_address"] = 'module.stack["demo"]'
    r = _review(_plan(billing, demo))
    view = review.for_app(r, "billing")
    shown = [c["address"] for entries in view.changes.values() for c in entries]
    assert shown == ['module.stack["billing"].aws_kms_key.k'] and [x.address for x in view.risks] == [shown[0]]
    assert "APP=billing: showing that app only" in view.notes[-1] and view.counts == r.counts
    assert len(review.tripped(r, "medium")) == 2  # FAIL_ON reads the whole review, not the view
    unknown = review.for_app(r, "orders")
    assert unknown.risks == r.risks and "APP=orders has no change or risk in this plan" in unknown.notes[-1]


def test_changes_are_grouped_by_module_with_key_attributes_and_policies_in_full() -> None:
    """A tree by module; a created resource shows its key attributes; its policy in full."""
    doc = _doc({"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": "arn:aws:ssm:r:1:parameter/a/*"})
    rc = _rc("module.fn.aws_iam_role_policy.read", "aws_iam_role_policy", ["create"], None, {"name": "read", "policy": doc})
    rc["module_address"] = "module.fn"
    markdown = review.render_markdown(_review(_plan(rc)))
    assert "- **module.fn**\n  - ➕ create `aws_iam_role_policy.read`\n    - `name = read`" in markdown
    assert '"Action": "ssm:GetParameter"' in markdown


def test_size_guard_truncates_with_a_pointer_and_closes_blocks() -> None:
    """Over 65,536 characters: cut at a line, open <details> and code fences closed, a pointer at the end."""
    body = (
        "### head\n\n<details><summary>x</summary>\n\n```json\n"
        + "\n".join(f"line {i}" for i in range(20_000))
        + "\n```\n</details>\n"
    )
    cut = render.guard_size(body, "See the artifact.")
    assert len(cut) <= render.GITHUB_LIMIT
    assert cut.rstrip().endswith("See the artifact.")
    assert cut.count("```") % 2 == 0 and cut.count("<details") == cut.count("</details>")
    assert render.guard_size("short", "x") == "short"


def test_a_review_too_long_for_a_comment_is_cut_and_kept_in_full_beside_it(tmp_path: Path) -> None:
    """<env>.review.md fits GitHub's limit and points to <env>.review.full.md, which has everything."""
    rcs = [
        _rc(
            f"aws_ssm_parameter.p{i}",
            "aws_ssm_parameter",
            ["create"],
            None,
            {"name": f"/e/a/config/{'x' * 60}{i}", "type": "String"},
        )
        for i in range(800)
    ]
    plan_json = tmp_path / "dev.tfplan.json"
    plan_json.write_text(json.dumps(_plan(*rcs)))
    review.write_review(plan_json, "dev", usage_file=None, scan=False)
    comment, full = (tmp_path / "dev.review.md").read_text(), (tmp_path / "dev.review.full.md").read_text()
    assert len(comment) <= render.GITHUB_LIMIT < len(full)
    assert "dev.review.full.md" in comment and f"/e/a/config/{'x' * 60}799" in full
    plan_json.write_text(json.dumps(_plan(*rcs[:2])))
    review.write_review(plan_json, "dev", usage_file=None, scan=False)
    assert not (tmp_path / "dev.review.full.md").exists()  # no stale full review next to a short one


def test_middle_truncation_of_long_addresses() -> None:
    """infracost's rule: 64 characters, cut in the middle."""
    address = "module.stack.module.rotation_function[0].aws_iam_role_policy.logs_and_more"
    cut = render.middle(address)
    assert len(cut) == 64 and cut.startswith("module.stack.") and cut.endswith("policy.logs_and_more") and "…" in cut


def test_sarif_has_one_result_per_risk_with_levels_and_rule_ids_from_the_registry() -> None:
    """SARIF 2.1.0: high → error, medium → warning; rule IDs are the registry's, the address a logical location."""
    from scripts.review.sarif import render_sarif

    plan = _plan(
        _rc("aws_cloudwatch_log_group.l", "aws_cloudwatch_log_group", ["delete"], {}, None),
        _rc("aws_kms_key.k", "aws_kms_key", ["delete"], {}, None),
    )
    sarif = json.loads(render_sarif(_review(plan), None))
    results = sarif["runs"][0]["results"]
    assert sarif["version"] == "2.1.0"
    assert [(x["ruleId"], x["level"], x["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]) for x in results] == [
        ("LIFE005", "error", "aws_kms_key.k"),
        ("LIFE015", "warning", "aws_cloudwatch_log_group.l"),
    ]
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert all(rules[x["ruleIndex"]]["id"] == x["ruleId"] for x in results)


# --- files --------------------------------------------------------------------------------


def test_review_files_are_0600_from_creation_and_an_errored_plan_removes_everything(tmp_path: Path) -> None:
    """Files are created 0600 (even over an older 0644 file); an errored plan removes the plan, its JSON and the reviews."""
    plan_json = tmp_path / "dev.tfplan.json"
    plan_json.write_text(json.dumps(_plan()))
    old = tmp_path / "dev.review.md"
    old.write_text("old review")
    old.chmod(0o644)
    review.write_review(plan_json, "dev", usage_file=None, scan=False)
    for suffix in (".review.md", ".review.json", ".review.sarif"):
        assert stat.S_IMODE((tmp_path / f"dev{suffix}").stat().st_mode) == 0o600
    assert "old review" not in old.read_text()
    (tmp_path / "dev.tfplan").write_text("binary plan")
    plan_json.write_text(json.dumps({**_plan(), "errored": True}))
    with pytest.raises(UserError, match="the plan errored"):
        review.write_review(plan_json, "dev", usage_file=None, scan=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_step_summary_commit_and_run_link(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In GitHub Actions: the review is appended to $GITHUB_STEP_SUMMARY; the commit and the run link are in it."""
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_SHA", "0123456789abcdef0123")
    monkeypatch.setenv("GITHUB_REPOSITORY", "o/r")
    monkeypatch.setenv("GITHUB_RUN_ID", "42")
    plan_json = tmp_path / "dev.tfplan.json"
    plan_json.write_text(json.dumps(_plan()))
    review.write_review(plan_json, "dev", usage_file=None, scan=False)
    text = summary.read_text()
    assert text.startswith("earlier step\n### ✅ OK · ENV=dev")
    assert "commit 0123456789ab" in text and "[CI run](https://github.com/o/r/actions/runs/42)" in text


def test_write_private_never_creates_a_readable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The mode is set at creation (os.open with 0600 under umask 077), not by a chmod afterwards."""
    calls = []
    real_open = os.open
    monkeypatch.setattr(os, "open", lambda path, flags, mode=0o777: calls.append(mode) or real_open(path, flags, mode))
    monkeypatch.setattr(os, "chmod", lambda *a, **k: pytest.fail("chmod after the fact"))
    review.write_private(tmp_path / "x.json", "{}")
    assert calls == [0o600] and stat.S_IMODE((tmp_path / "x.json").stat().st_mode) == 0o600


def test_discard_outputs_removes_plan_json_and_reviews(tmp_path: Path) -> None:
    """The lead's flow calls this when a plan fails: nothing of an older plan survives."""
    kinds = (".tfplan", ".tfplan.json", ".review.md", ".review.full.md", ".review.json", ".review.sarif")
    names = [f"dev{s}" for s in kinds] + ["prod.tfplan"]
    for name in names:
        (tmp_path / name).write_text("x")
    removed = review.discard_outputs("dev", tmp_path)
    assert sorted(p.name for p in removed) == sorted(names[:-1])
    assert [p.name for p in tmp_path.iterdir()] == ["prod.tfplan"]


def test_a_plan_older_than_a_source_or_the_state_is_refused(tmp_path: Path) -> None:
    """--fail-on must not trust a stale plan: the message names the newer file and the fix."""
    plan_json, source, state = tmp_path / "dev.tfplan.json", tmp_path / "main.tf", tmp_path / "terraform.tfstate"
    for path in (source, state, plan_json):
        path.write_text("{}")
    os.utime(source, (1000, 1000))
    os.utime(state, (1000, 1000))
    os.utime(plan_json, (2000, 2000))
    review.check_fresh(plan_json, [tmp_path / "main.tf"], state)
    os.utime(state, (3000, 3000))
    with pytest.raises(UserError, match=r"older than .*terraform.tfstate.*make plan"):
        review.check_fresh(plan_json, [source], state)
    os.utime(source, (3000, 3000))
    with pytest.raises(UserError, match="older than .*main.tf"):
        review.check_fresh(plan_json, [tmp_path], None)


def test_bad_plans_get_one_line_and_the_fix(tmp_path: Path) -> None:
    """Missing, corrupt, unknown-format and errored plans are refused with the command that fixes them."""
    path = tmp_path / "p.json"
    with pytest.raises(UserError, match="make plan"):
        review.load_plan(path)
    path.write_text("{not json")
    with pytest.raises(UserError, match="not valid JSON"):
        review.load_plan(path)
    path.write_text(json.dumps({"format_version": "2.0", "terraform_version": "2.3.0"}))
    with pytest.raises(UserError, match="format 2.0 .Terraform 2.3.0. is not supported"):
        review.load_plan(path)


def test_attributes_that_are_json_but_not_policies_are_shown_plainly() -> None:
    """A changed attribute holding "1" or a JSON list is a plain value change, not a policy diff."""
    change = {
        "actions": ["update"],
        "before": {"version": "1", "tags_json": "[1]"},
        "after": {"version": "2", "tags_json": "[2]"},
    }
    assert changes.changed_attributes(change, Redactor()) == ["tags_json: [1] → [2]", "version: 1 → 2"]


def test_post_updates_the_marked_comment_or_creates_one(tmp_path: Path) -> None:
    """With a fake gh on PATH: an existing marked comment is PATCHed; without one, a comment is created; body by file."""
    log = tmp_path / "gh.log"
    gh = tmp_path / "gh"
    gh.write_text(f'#!/bin/sh\necho "$@" >> {log}\ncase "$*" in *--paginate*) echo "$GH_FAKE_ID";; esac\n')
    gh.chmod(0o755)
    body = tmp_path / "dev.review.md"
    body.write_text("### OK <!-- plan-review:dev -->\n")
    os.environ["GH_FAKE_ID"] = "77"
    try:
        assert post.post(str(gh), "o/r", 5, "dev", body) == "updated"
        os.environ["GH_FAKE_ID"] = ""
        assert post.post(str(gh), "o/r", 5, "dev", body) == "created"
    finally:
        del os.environ["GH_FAKE_ID"]
    calls = log.read_text().splitlines()
    assert calls[1] == f"api -X PATCH repos/o/r/issues/comments/77 -F body=@{body}"
    assert calls[3] == f"api repos/o/r/issues/5/comments -F body=@{body}"
    with pytest.raises(UserError, match="no review marker for ENV=prod"):
        post.post(str(gh), "o/r", 5, "prod", body)
