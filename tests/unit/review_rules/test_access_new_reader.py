"""READ001 (scripts/review/rules/access_new_reader.py): a new reader from outside the item's app, proved by scripts/iam.

Each plan is two apps in the kit's shape (tests/unit/review_rules/_access_plans.py); a change gives
billing's role, another account or anyone a read of demo's items, or does not.
"""

from __future__ import annotations

import json

from tests.unit.review_rules._access_plans import (
    ACCOUNT,
    OTHER,
    app,
    found,
    parameter_arn,
    plan,
    policy,
    reads_own,
    resource,
    role_arn,
    secret_arn,
)

DEMO_KEY = "/e/demo/secrets/api_key"
DEMO_SECRET = 'module.stack["demo"].aws_secretsmanager_secret.this["secrets/api_key"]'
READ = "secretsmanager:GetSecretValue"


def billing_with(*statements: dict) -> list[dict]:
    """billing, its role policy gaining `statements`."""
    own = reads_own("billing")
    return app("billing", after=json.dumps({**own, "Statement": own["Statement"] + list(statements)}))


def secret_policy(*statements: dict, before: str | None = None) -> dict:
    values = {"secret_arn": secret_arn(DEMO_KEY), "policy": policy(*statements)}
    return resource(
        "demo",
        "aws_secretsmanager_secret_policy",
        "this",
        None if before is None else {**values, "policy": before},
        values,
        key="secrets/api_key",
    )


def test_another_apps_role_by_its_identity_policy_is_high_naming_both_apps_and_the_item() -> None:
    the_plan = plan(billing_with({"Effect": "Allow", "Action": READ, "Resource": secret_arn("/e/demo/*")}), app("demo"))
    [(severity, address, detail)] = found("READ001", the_plan)
    assert (severity, address) == ("high", DEMO_SECRET)
    assert detail.startswith(f"demo's secret {DEMO_KEY}: e-billing (billing) can now read it")
    assert 'by its identity policy module.stack["billing"].aws_iam_role_policy.this' in detail


def test_another_apps_role_by_the_secrets_resource_policy_is_high() -> None:
    grant = {"Effect": "Allow", "Principal": {"AWS": role_arn("billing")}, "Action": READ, "Resource": "*"}
    [(severity, address, detail)] = found("READ001", plan(app("billing"), app("demo"), secret_policy(grant)))
    assert (severity, address) == ("high", DEMO_SECRET)
    assert "e-billing (billing) can now read it, by the secret's resource policy" in detail


def test_the_same_app_an_unchanged_reader_and_a_batch_read_alone_are_not_new_readers() -> None:
    """demo reading demo's items is its own; BatchGetSecretValue on * reads nothing without GetSecretValue (AWS)."""
    assert found("READ001", plan(app("billing"), app("demo"))) == []
    batch = billing_with({"Effect": "Allow", "Action": "secretsmanager:BatchGetSecretValue", "Resource": "*"})
    assert found("READ001", plan(batch, app("demo"))) == []
    already = app("billing", before=json.dumps({"Statement": [{"Effect": "Allow", "Action": READ, "Resource": "*"}]}))
    assert found("READ001", plan(already, app("demo"))) == []  # it read every secret before: nothing new here


def test_a_deny_in_the_resource_policy_keeps_the_read_out() -> None:
    grant = billing_with({"Effect": "Allow", "Action": READ, "Resource": "*"})
    deny = {"Effect": "Deny", "Principal": "*", "Action": "secretsmanager:*", "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:PrincipalArn": role_arn("demo")}}}  # fmt: skip
    risks = found("READ001", plan(grant, app("demo"), secret_policy(deny)))
    assert [r for r in risks if r[1] == DEMO_SECRET] == []


def test_another_account_reads_only_through_a_customer_managed_key_that_allows_it() -> None:
    """AWS: "you can't use the AWS managed key (aws/secretsmanager) for cross-account access"."""
    grant = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"}, "Action": READ, "Resource": "*"}
    assert found("READ001", plan(app("billing"), app("demo"), secret_policy(grant))) == []  # aws/secretsmanager
    key_arn = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    key_policy = policy(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*", "Resource": "*"},
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"}, "Action": "kms:Decrypt", "Resource": "*"},
    )
    key = resource("demo", "aws_kms_key", "this", {"arn": key_arn, "key_id": key_arn.rsplit("/", 1)[1], "policy": key_policy})
    [(severity, address, detail)] = found(
        "READ001", plan(app("billing"), app("demo", kms_key_id=key_arn), key, secret_policy(grant))
    )
    assert (severity, address) == ("high", DEMO_SECRET)
    assert f"account {OTHER} (any principal there) can now read it" in detail
    assert 'the key policy of module.stack["demo"].aws_kms_key.this' in detail
    narrow = policy({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*", "Resource": "*"})
    key = resource("demo", "aws_kms_key", "this", {"arn": key_arn, "key_id": key_arn.rsplit("/", 1)[1], "policy": narrow})
    assert found("READ001", plan(app("billing"), app("demo", kms_key_id=key_arn), key, secret_policy(grant))) == []


def test_a_public_principal_is_any_principal_here_and_anyone_where_the_key_lets_them() -> None:
    """Principal "*" on a secret under aws/secretsmanager: every principal of this account (the key serves no other)."""
    public = {"Effect": "Allow", "Principal": "*", "Action": READ, "Resource": "*"}
    [(severity, _, detail)] = found("READ001", plan(app("billing"), app("demo"), secret_policy(public)))
    assert severity == "high" and "anyone" not in detail
    assert "any principal of this account (by these policies alone) can now read it" in detail
    assert "e-billing (billing) can now read it" in detail
    key_arn = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/k1"
    open_key = policy({"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"})
    key = resource("demo", "aws_kms_key", "this", {"arn": key_arn, "key_id": "k1", "policy": open_key})
    [(_, _, detail)] = found("READ001", plan(app("billing"), app("demo", kms_key_id=key_arn), key, secret_policy(public)))
    assert 'anyone (Principal "*") can now read it' in detail
    scoped = {**public, "Condition": {"StringEquals": {"aws:PrincipalAccount": ACCOUNT}}}
    [(_, _, detail)] = found("READ001", plan(app("billing"), app("demo", kms_key_id=key_arn), key, secret_policy(scoped)))
    assert "anyone" not in detail and "any principal of this account" in detail


def test_a_condition_known_only_at_request_time_makes_a_may_reader_still_high() -> None:
    """aws:SourceIp is not in the plan: the lower bound refuses (key absent), the upper allows; outside, "may" counts."""
    grant = {"Effect": "Allow", "Principal": {"AWS": role_arn("billing")}, "Action": READ, "Resource": "*",
             "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}  # fmt: skip
    [(severity, _, detail)] = found("READ001", plan(app("billing"), app("demo"), secret_policy(grant)))
    assert severity == "high"
    assert "e-billing (billing) may now read it" in detail and "aws:SourceIp (IpAddress)" in detail


def test_get_parameters_by_path_above_another_apps_parameter_reads_it() -> None:
    """SSM: "If a user has access to a path, then the user can access all levels of that path"."""
    by_path = billing_with({"Effect": "Allow", "Action": "ssm:GetParametersByPath", "Resource": parameter_arn("/e")})
    risks = found("READ001", plan(by_path, app("demo")))
    assert {address for _, address, _ in risks} == {
        'module.stack["demo"].aws_ssm_parameter.this["/e/demo/config/url"]',
        'module.stack["demo"].aws_ssm_parameter.this["/e/demo/manifest"]',
    }
    history = billing_with(
        {"Effect": "Allow", "Action": "ssm:GetParameterHistory", "Resource": parameter_arn("/e/demo/config/url")}
    )
    assert len(found("READ001", plan(history, app("demo")))) == 1


def test_a_securestring_under_a_customer_managed_key_needs_decrypt_too() -> None:
    """The key's default policy delegates to IAM: GetParameter on it without kms:Decrypt reads nothing."""
    key_arn = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/k1"
    key = resource("demo", "aws_kms_key", "this", {"arn": key_arn, "key_id": "k1", "policy": None})
    values = {
        "name": "/e/demo/secrets/pin",
        "type": "SecureString",
        "key_id": key_arn,
        "arn": parameter_arn("/e/demo/secrets/pin"),
    }
    pin = resource("demo", "aws_ssm_parameter", "this", values, key="/e/demo/secrets/pin")
    get = {"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": parameter_arn("/e/demo/secrets/pin")}
    assert found("READ001", plan(billing_with(get), app("demo"), key, pin)) == []
    decrypt = {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key_arn}
    [(severity, address, _)] = found("READ001", plan(billing_with(get, decrypt), app("demo"), key, pin))
    assert (severity, address) == ("high", 'module.stack["demo"].aws_ssm_parameter.this["/e/demo/secrets/pin"]')


def test_an_item_of_no_app_read_by_an_apps_role_is_low() -> None:
    shared = resource(
        None, "aws_secretsmanager_secret", "shared", {"name": "/e/shared/token", "arn": secret_arn("/e/shared/token")}
    )
    grant = billing_with({"Effect": "Allow", "Action": READ, "Resource": secret_arn("/e/shared/*")})
    assert [(s, a) for s, a, _ in found("READ001", plan(grant, shared))] == [("low", "aws_secretsmanager_secret.shared")]


def test_a_resource_policy_naming_one_role_tells_it_from_a_role_with_the_same_policies() -> None:
    """Decisions are shared between readers with the same policies only where no policy names a principal."""
    twin = [c for c in app("billing") if c["type"] in ("aws_iam_role", "aws_iam_role_policy")]
    for change in twin:  # app "audit": billing's policies, another role name
        change["address"] = change["address"].replace('["billing"]', '["audit"]')
        change["module_address"] = 'module.stack["audit"]'
        for side in ("before", "after"):
            values = change["change"][side]
            values.update({k: v.replace("e-billing", "e-audit") for k, v in values.items() if k in ("arn", "name", "role")})
    grant = {"Effect": "Allow", "Principal": {"AWS": role_arn("billing")}, "Action": READ, "Resource": "*"}
    [(_, _, detail)] = found("READ001", plan(app("billing"), twin, app("demo"), secret_policy(grant)))
    assert "e-billing (billing) can now read it" in detail and "e-audit" not in detail


def test_an_attached_policy_of_the_plan_or_an_aws_managed_one_grants_as_an_inline_one() -> None:
    """aws_iam_policy + attachment, and SecretsManagerReadWrite (AWS's reference): reads; AWSLambdaBasicExecutionRole: none."""
    policy_arn = f"arn:aws:iam::{ACCOUNT}:policy/reader"
    managed = resource(None, "aws_iam_policy", "reader", None, {"arn": policy_arn, "name": "reader",
                       "policy": policy({"Effect": "Allow", "Action": READ, "Resource": secret_arn("/e/demo/*")})})  # fmt: skip

    def attach(arn: str) -> dict:
        return resource("billing", "aws_iam_role_policy_attachment", "extra", None, {"role": "e-billing", "policy_arn": arn})

    [(severity, address, detail)] = found("READ001", plan(app("billing"), app("demo"), managed, attach(policy_arn)))
    assert (severity, address) == ("high", DEMO_SECRET)
    assert f'its identity policy module.stack["billing"].aws_iam_role_policy_attachment.extra ({policy_arn})' in detail
    aws = "arn:aws:iam::aws:policy/"
    assert len(found("READ001", plan(app("billing"), app("demo"), attach(aws + "SecretsManagerReadWrite")))) == 1
    assert found("READ001", plan(app("billing"), app("demo"), attach(aws + "service-role/AWSLambdaBasicExecutionRole"))) == []


def test_the_rotation_function_a_secret_names_is_its_rotator_not_a_new_reader() -> None:
    """A user's rotation function outside every app reads the secret it rotates; any other secret is still a new reader."""
    rotator_arn = f"arn:aws:iam::{ACCOUNT}:role/e-rotate-token"
    function_arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:e-rotate-token"
    grant = {"Effect": "Allow", "Action": READ, "Resource": secret_arn("/e/demo/*")}
    rotator = [
        resource(None, "aws_iam_role", "rotator", None, {"arn": rotator_arn, "name": "e-rotate-token", "tags": {}}),
        resource(None, "aws_iam_role_policy", "rotator", None, {"role": "e-rotate-token", "policy": policy(grant)}),
        resource(
            None,
            "aws_lambda_function",
            "rotator",
            None,
            {"function_name": "e-rotate-token", "arn": function_arn, "role": rotator_arn, "environment": []},
        ),  # fmt: skip
    ]  # created by this change, as the sandbox's user_rotation.tf does
    demo = app("demo", secrets=("secrets/api_key", "secrets/other"))
    for change in demo:
        if change["address"] == DEMO_SECRET:
            change["change"]["after"] = {**change["change"]["after"], "rotation_lambda_arn": function_arn}
    [(severity, address, detail)] = found("READ001", plan(rotator, demo))
    assert (severity, address) == ("high", DEMO_SECRET.replace("api_key", "other"))
    assert "e-rotate-token (no app) can now read it" in detail
    for change in demo:  # no secret names it: both are new reads
        change["change"]["after"].pop("rotation_lambda_arn", None)
    assert len(found("READ001", plan(rotator, demo))) == 2
    for change in demo:  # the app's manifest names it (the sandbox, whose secrets have no rotation resource)
        if change["address"].endswith('["/e/demo/manifest"]'):
            manifest = json.loads(change["change"]["after"]["value"])
            manifest["rotation"] = {"secrets/api_key": {"strategy": "lambda", "lambda_arn": function_arn}}
            change["change"]["after"] = {**change["change"]["after"], "value": json.dumps(manifest)}
    assert [address for _, address, _ in found("READ001", plan(rotator, demo))] == [DEMO_SECRET.replace("api_key", "other")]
