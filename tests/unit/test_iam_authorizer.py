"""scripts/iam/authorizer.py: every policy AWS would apply to a function's role session, from plain data and callables."""

from __future__ import annotations

from typing import Any

from scripts.iam import context as iam_context
from scripts.iam.authorizer import Authorizer, Key

ACCOUNT, OTHER = "123456789012", "210987654321"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/prod-app-fn"
SECRET = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:/prod/app/secrets/api-AbC123"
FOREIGN_SECRET = f"arn:aws:secretsmanager:us-east-1:{OTHER}:secret:/shared/api-XyZ789"
PARAMETER = f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/prod/app/secrets/db"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
V = "2012-10-17"
READ = {
    "Version": V,
    "Statement": [
        {"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue", "ssm:GetParameter"], "Resource": "*"},
        {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY},
    ],
}


def authorizer(
    policies: dict[str, Any | None], keys: dict[str, Key] | None = None, **kwargs: Any
) -> tuple[Authorizer, list[str]]:
    calls: list[str] = []

    def resource_policy(arn: str) -> Any:
        calls.append(arn)
        return policies.get(arn)

    def key(key_id: str) -> Key:
        calls.append(key_id)
        return (keys or {})[key_id]

    options: dict[str, Any] = {"identity_policies": [READ], **kwargs}
    return Authorizer(
        role_arn=ROLE, session_name="prod-app-fn", region="us-east-1", resource_policy=resource_policy, key=key, **options
    ), calls


def test_a_deny_in_the_secrets_policy_refuses_and_the_policy_is_fetched_once() -> None:
    """The secret's resource policy applies (an explicit Deny wins); GetResourcePolicy runs once per secret."""
    deny = {"Version": V, "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "secretsmanager:*", "Resource": "*"}]}
    auth, calls = authorizer({SECRET: deny})
    for _ in range(3):
        assert auth.authorize("secretsmanager:GetSecretValue", SECRET).decision == "explicit_deny"
    assert calls == [SECRET]
    assert auth.authorize("ssm:GetParameter", PARAMETER).allowed  # no resource policy for parameters
    auth.forget()
    auth.authorize("secretsmanager:GetSecretValue", SECRET)
    assert calls == [SECRET, SECRET]


def test_cross_account_needs_the_secrets_policy() -> None:
    """A secret in another account: refused on the identity policy alone, allowed once its policy names the role."""
    auth, _ = authorizer({})
    assert auth.authorize("secretsmanager:GetSecretValue", FOREIGN_SECRET).decision == "implicit_deny"
    grant = {
        "Version": V,
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"}
        ],
    }
    auth, _ = authorizer({FOREIGN_SECRET: grant})
    assert auth.authorize("secretsmanager:GetSecretValue", FOREIGN_SECRET).allowed


def test_decrypt_through_the_service_applies_the_key_policy() -> None:
    """kms:Decrypt via Secrets Manager: a key with no policy on record gets KMS's default key policy (delegates to
    IAM: the role's grant suffices); a key policy that names someone else refuses; the AWS managed key needs no
    lookup and allows use through its service."""
    closed = {
        "Version": V,
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/other"}, "Action": "kms:*", "Resource": "*"}
        ],
    }
    auth, calls = authorizer({}, {"k": Key(KEY), "closed": Key(KEY, closed)})
    assert auth.authorize_decrypt("secretsmanager", "k", SECRET, "v1").allowed
    assert auth.authorize_decrypt("secretsmanager", "closed", SECRET, "v1").decision == "implicit_deny"
    assert auth.authorize_decrypt("ssm", None, PARAMETER).allowed
    assert auth.authorize_decrypt("ssm", "alias/aws/ssm", PARAMETER).allowed
    assert calls == ["k", "closed"]
    assert auth.authorize("kms:Decrypt", "k").allowed  # direct call: default key policy + identity grant
    bare, _ = authorizer({}, {"k": Key(KEY)}, identity_policies=[])
    assert bare.authorize_decrypt("secretsmanager", "k", SECRET).decision == "implicit_deny"
    assert bare.authorize_decrypt("secretsmanager", None, SECRET).allowed  # aws/secretsmanager needs no identity grant


def test_the_permission_boundary_and_the_role_tags_apply() -> None:
    """A boundary that does not allow the action refuses it; the role's tags are aws:PrincipalTag/* in conditions."""
    boundary = {"Version": V, "Statement": [{"Effect": "Allow", "Action": "ssm:*", "Resource": "*"}]}
    auth, _ = authorizer({}, permission_boundary=boundary)
    assert auth.authorize("secretsmanager:GetSecretValue", SECRET).decision == "implicit_deny"
    assert auth.authorize("ssm:GetParameter", PARAMETER).allowed
    tagged = {
        "Version": V,
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "ssm:GetParameter",
                "Resource": "arn:aws:ssm:*:*:parameter/prod/${aws:PrincipalTag/app}/*",
            }
        ],
    }
    auth, _ = authorizer({}, identity_policies=[tagged], principal_tags={"app": "app"})
    assert auth.authorize("ssm:GetParameter", PARAMETER).allowed
    auth, _ = authorizer({}, identity_policies=[tagged], principal_tags={"app": "other"})
    assert not auth.authorize("ssm:GetParameter", PARAMETER).allowed


def test_the_session_is_the_principal() -> None:
    """The principal is the role session Lambda creates, named after the function."""
    auth, _ = authorizer({})
    assert auth.principal == iam_context.session_arn(ROLE, "prod-app-fn")
    assert auth.context()["aws:userid"].endswith(":prod-app-fn")


def test_an_aws_managed_key_serves_its_own_account_only() -> None:
    """The aws/secretsmanager key belongs to the secret's account; its policy allows callers of that account only
    (kms:CallerAccount), so another account's secret encrypted with it is refused even when its policy grants the read."""
    grant = {
        "Version": V,
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"}
        ],
    }
    auth, _ = authorizer({FOREIGN_SECRET: grant})
    assert auth.authorize("secretsmanager:GetSecretValue", FOREIGN_SECRET).allowed
    assert auth.key(None, "secretsmanager", OTHER).arn == f"arn:aws:kms:us-east-1:{OTHER}:alias/aws/secretsmanager"
    assert auth.authorize_decrypt("secretsmanager", None, FOREIGN_SECRET).decision == "implicit_deny"
    assert auth.authorize_decrypt("secretsmanager", None, SECRET).allowed
