"""READ002 (scripts/review/rules/access_declared_read_lost.py): a read an app's manifest declares is no longer allowed.

The app's function names its manifest (SECRETS_CLIENT_MANIFEST); every item there, and the
manifest itself, must be readable by the function's role after the change, or the smoke test
(and every request that needs the item) fails once the plan is applied.
"""

from __future__ import annotations

import json

from tests.unit.review_rules._access_plans import app, found, parameter_arn, plan, policy, reads_own, resource, secret_arn

SECRET = 'module.stack["demo"].aws_secretsmanager_secret.this["secrets/api_key"]'
MANIFEST = 'module.stack["demo"].aws_ssm_parameter.this["/e/demo/manifest"]'


def own_without(action: str) -> str:
    """demo's read policy without the statement that grants `action`."""
    own = reads_own("demo")
    return json.dumps({**own, "Statement": [s for s in own["Statement"] if action not in json.dumps(s)]})


def test_a_role_policy_that_stops_granting_a_declared_secret_is_high() -> None:
    [(severity, address, detail)] = found("READ002", plan(app("demo", after=own_without("GetSecretValue"))))
    assert (severity, address) == ("high", SECRET)
    assert detail.startswith('e-demo (demo), the role of module.stack["demo"].aws_lambda_function.this, cannot read')
    assert "demo's secret /e/demo/secrets/api_key" in detail and "smoke test would fail" in detail


def test_the_kits_read_policy_unchanged_a_new_declared_item_and_a_role_that_could_not_read_before_raise_nothing() -> None:
    assert found("READ002", plan(app("demo"))) == []
    new_secret = resource("demo", "aws_secretsmanager_secret", "this", None,
                          {"name": "/e/demo/secrets/new", "arn": secret_arn("/e/demo/secrets/new")},
                          key="secrets/new")  # fmt: skip
    the_app = [c for c in app("demo", secrets=("secrets/api_key", "secrets/new")) if "secrets/new" not in c["address"]]
    assert found("READ002", plan(the_app, new_secret)) == []
    broken = own_without("GetSecretValue")
    assert found("READ002", plan(app("demo", before=broken, after=broken))) == []  # not this change's doing


def test_a_declared_securestring_terraform_does_not_manage_is_checked_from_the_manifest() -> None:
    """make put-secret creates it, so only the manifest names it; the risk points at the manifest."""
    changes = app("demo", securestrings=("secrets/pin",), parameters=(), after=own_without("ssm:GetParameter"))
    risks = sorted(found("READ002", plan(changes)), key=lambda r: r[2])
    assert [(severity, address) for severity, address, _ in risks] == [("high", MANIFEST)] * 2
    assert "demo's SecureString /e/demo/secrets/pin" in risks[0][2]
    assert "demo's parameter /e/demo/manifest" in risks[1][2]
    assert found("READ002", plan(app("demo", securestrings=("secrets/pin",)))) == []


def test_a_deny_on_a_key_known_only_at_request_time_is_medium_not_proved() -> None:
    """aws:SourceVpce is absent from the plan: the Deny applies in the lower bound, not in the upper."""
    deny = {"Effect": "Deny", "Principal": "*", "Action": "secretsmanager:GetSecretValue", "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1234"}}}  # fmt: skip
    values = {"secret_arn": secret_arn("/e/demo/secrets/api_key"), "policy": policy(deny)}
    secret_policy = resource("demo", "aws_secretsmanager_secret_policy", "this", None, values, key="secrets/api_key")
    [(severity, address, detail)] = found("READ002", plan(app("demo"), secret_policy))
    assert (severity, address) == ("medium", SECRET)
    assert "aws:SourceVpce (StringNotEquals)" in detail and "not proved" in detail


def test_a_policy_known_only_after_apply_is_not_judged() -> None:
    """POL010 reports an unknown policy; this rule does not guess what it will say."""
    changes = app("demo", after=own_without("GetSecretValue"))
    role_policy = next(c for c in changes if c["type"] == "aws_iam_role_policy")
    role_policy["change"]["after"]["policy"] = None
    role_policy["change"]["after_unknown"] = {"policy": True}
    assert found("READ002", plan(changes)) == []


def test_a_rotation_function_declares_the_manifest_and_the_secrets_it_rotates_only() -> None:
    """The kit's rotation function reads its manifest, and the secrets whose rotation names it (with the condition)."""
    rotation_arn = "arn:aws:lambda:us-east-1:123456789012:function:e-demo-rotate"

    def rotate_policy(allowed: str) -> str:
        return policy(
            {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": secret_arn("/e/demo/*"),
             "Condition": {"StringEquals": {"secretsmanager:resource/AllowRotationLambdaArn": allowed}}},
            {"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": parameter_arn("/e/demo/manifest")},
        )  # fmt: skip

    def rotation(after: str) -> list[dict]:
        role = {"arn": "arn:aws:iam::123456789012:role/e-demo-rotate", "name": "e-demo-rotate"}
        function = {"function_name": "e-demo-rotate", "arn": rotation_arn, "role": role["arn"],
                    "environment": [{"variables": {"SECRETS_CLIENT_MANIFEST": "/e/demo/manifest"}}]}  # fmt: skip
        return [
            resource("demo", "aws_iam_role", "rotate", role),
            resource(
                "demo",
                "aws_iam_role_policy",
                "rotate",
                {"role": "e-demo-rotate", "policy": rotate_policy(rotation_arn)},
                {"role": "e-demo-rotate", "policy": rotate_policy(after)},
            ),  # fmt: skip
            resource("demo", "aws_lambda_function", "rotate", function),
            resource(
                "demo",
                "aws_lambda_permission",
                "rotate",
                {"function_name": "e-demo-rotate", "principal": "secretsmanager.amazonaws.com"},
            ),
        ]

    created = rotation(rotation_arn)
    for change in created:  # a first deploy of the rotation function: nothing was read before
        change["change"].update(actions=["create"], before=None)
    assert found("READ002", plan(app("demo"), created)) == []  # the app's parameters are not its to read
    schedule = resource("demo", "aws_secretsmanager_secret_rotation", "this",
                        {"secret_id": secret_arn("/e/demo/secrets/api_key"), "rotation_lambda_arn": rotation_arn})  # fmt: skip
    assert found("READ002", plan(app("demo"), rotation(rotation_arn), schedule)) == []  # it reads what it rotates
    [(severity, address, detail)] = found("READ002", plan(app("demo"), rotation(rotation_arn + "-v2"), schedule))
    assert (severity, address) == ("high", SECRET) and detail.startswith("e-demo-rotate (demo)")
