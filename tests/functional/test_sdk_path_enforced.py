"""The SDK path is held to IAM in the sandbox: a function's own boto3 calls, signed with its role session, are
decided by the front (scripts/sandbox/enforce.py) with every policy AWS would apply, before moto sees them.

Real HTTP through the real front with moto behind it (front.serve); the calls are signed with session
credentials minted for the role, exactly as the local runner gives them to a function. Each case quotes the
AWS sentence it follows (IAM User Guide, "Policy evaluation logic"; KMS Developer Guide, "Key policies").
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from scripts.sandbox import credentials, front
from tests.conftest import free_port

ACCOUNT = "123456789012"
OTHER_ACCOUNT = "210987654321"
REGION = "us-east-1"


@dataclass
class Sandbox:
    url: str
    keys: credentials.Keys

    def tooling(self, service: str) -> Any:
        """A client signed with the checkout's own key pair (the tooling's; never decided)."""
        return _client(self.url, service, self.keys.access_key_id, self.keys.secret_access_key)

    def function(self, service: str, role: str, session: str = "fn") -> Any:
        """A client signed with a session of `role` (a function's execution environment's credentials)."""
        minted = credentials.mint_session(self.keys, role, session)
        return _client(self.url, service, minted.access_key_id, minted.secret_access_key, minted.session_token)


def _client(url: str, service: str, key_id: str, secret: str, token: str | None = None) -> Any:
    return boto3.client(
        service,
        region_name=REGION,
        endpoint_url=url,
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        aws_session_token=token,
    )


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    keys = credentials.new_keys()
    port = free_port()
    httpd = front.serve(port, keys)  # the default hook: enforce.Enforcer
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield Sandbox(f"http://127.0.0.1:{port}", keys)
    finally:
        httpd.shutdown()
        httpd.server_close()


def _role(sandbox: Sandbox, extra: list[dict[str, Any]] | None = None) -> tuple[str, str]:
    """A role (in this account) allowed to read its own path (and `extra`); its ARN and that path."""
    name = f"fn-{uuid.uuid4().hex[:10]}"
    prefix = f"/sdk/{name}"
    iam = sandbox.tooling("iam")
    trust = {"Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    policy = {"Version": "2012-10-17", "Statement": _reads(prefix) + (extra or [])}
    iam.put_role_policy(RoleName=name, PolicyName="permissions", PolicyDocument=json.dumps(policy))
    return arn, prefix


def _reads(prefix: str) -> list[dict[str, Any]]:
    return [
        {
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": f"arn:aws:secretsmanager:*:*:secret:{prefix}/*",
        },
        {
            "Effect": "Allow",
            "Action": ["ssm:GetParameter", "ssm:GetParameters"],
            "Resource": f"arn:aws:ssm:*:*:parameter{prefix}/*",
        },
        {"Effect": "Allow", "Action": "secretsmanager:BatchGetSecretValue", "Resource": "*"},
    ]


def _refused(call: Any) -> str:
    """The refusal's message; its code is AWS's for the protocol (JSON services AccessDeniedException, IAM AccessDenied)."""
    with pytest.raises(ClientError) as caught:
        call()
    assert caught.value.response["Error"]["Code"] in ("AccessDeniedException", "AccessDenied"), caught.value.response
    return caught.value.response["Error"]["Message"]


def test_the_role_reads_its_own_items_and_is_refused_the_others(sandbox: Sandbox) -> None:
    """An Allow on its own path grants; "By default, all requests are implicitly denied": another path is refused."""
    role, prefix = _role(sandbox)
    sm, ssm = sandbox.tooling("secretsmanager"), sandbox.tooling("ssm")
    sm.create_secret(Name=f"{prefix}/secrets/own", SecretString="CANARY-own")
    sm.create_secret(Name=f"/sdk/other-{prefix[-10:]}/secrets/key", SecretString="CANARY-other")
    ssm.put_parameter(Name=f"{prefix}/config/url", Value="https://own", Type="String")
    as_function = sandbox.function("secretsmanager", role)
    assert as_function.get_secret_value(SecretId=f"{prefix}/secrets/own")["SecretString"] == "CANARY-own"
    assert sandbox.function("ssm", role).get_parameter(Name=f"{prefix}/config/url")["Parameter"]["Value"] == "https://own"
    message = _refused(lambda: as_function.get_secret_value(SecretId=f"/sdk/other-{prefix[-10:]}/secrets/key"))
    assert "not authorized to perform secretsmanager:GetSecretValue" in message and "implicit deny" in message
    assert "CANARY" not in message
    assert sandbox.function("sts", role).get_caller_identity()["Account"] == ACCOUNT  # needs no permission


def test_a_deny_in_the_secrets_resource_policy_refuses_the_sdk_read(sandbox: Sandbox) -> None:
    """ "An explicit deny in any policy overrides any allows": the role may read its path; the secret's own policy denies."""
    role, prefix = _role(sandbox)
    sm = sandbox.tooling("secretsmanager")
    name = f"{prefix}/secrets/denied"
    sm.create_secret(Name=name, SecretString="CANARY-denied")
    as_function = sandbox.function("secretsmanager", role)
    assert as_function.get_secret_value(SecretId=name)["SecretString"] == "CANARY-denied"
    deny = {"Effect": "Deny", "Principal": {"AWS": role}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"}
    sm.put_resource_policy(SecretId=name, ResourcePolicy=json.dumps({"Version": "2012-10-17", "Statement": [deny]}))
    fresh = sandbox.function("secretsmanager", role, "fn-2")  # a new execution environment reads the policies anew
    assert "explicit deny" in _refused(lambda: fresh.get_secret_value(SecretId=name))
    assert "explicit deny" in _refused(lambda: fresh.batch_get_secret_value(SecretIdList=[name]))


def test_a_key_policy_that_does_not_allow_the_account_refuses_the_decryption(sandbox: Sandbox) -> None:
    """KMS: "no principal ... has any permissions to a KMS key unless they are explicitly allowed ... in a key policy".
    The role allows kms:Decrypt; the key policy names only another account: the read through Secrets Manager fails."""
    role, prefix = _role(sandbox, [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}])
    kms, sm, ssm = sandbox.tooling("kms"), sandbox.tooling("secretsmanager"), sandbox.tooling("ssm")
    other_only = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"}, "Action": "kms:*", "Resource": "*"}
        ],
    }
    key = kms.create_key(Policy=json.dumps(other_only))["KeyMetadata"]["Arn"]
    sm.create_secret(Name=f"{prefix}/secrets/cmk", SecretString="CANARY-cmk", KmsKeyId=key)
    ssm.put_parameter(Name=f"{prefix}/secrets/param", Value="CANARY-param", Type="SecureString", KeyId=key)
    message = _refused(lambda: sandbox.function("secretsmanager", role).get_secret_value(SecretId=f"{prefix}/secrets/cmk"))
    assert "kms:Decrypt" in message and "through secretsmanager" in message
    as_ssm = sandbox.function("ssm", role)
    assert "through ssm" in _refused(lambda: as_ssm.get_parameter(Name=f"{prefix}/secrets/param", WithDecryption=True))
    assert as_ssm.get_parameter(Name=f"{prefix}/secrets/param", WithDecryption=False)["Parameter"]["Type"] == "SecureString"
    # KMS's default key policy (the account's IAM policies decide) lets the same role read the same way.
    default = kms.create_key()["KeyMetadata"]["Arn"]
    sm.create_secret(Name=f"{prefix}/secrets/default", SecretString="CANARY-default", KmsKeyId=default)
    read = sandbox.function("secretsmanager", role).get_secret_value(SecretId=f"{prefix}/secrets/default")
    assert read["SecretString"] == "CANARY-default"


def test_a_role_from_another_account_needs_the_secrets_resource_policy(sandbox: Sandbox) -> None:
    """IAM User Guide: "the resource-based policy in AccountB must allow the requester in AccountA"; the role's own
    Allow is not enough."""
    local, prefix = _role(sandbox, [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}])  # a key of another
    name = local.rsplit("/", 1)[1]  # account also needs the caller's own policy to allow it (KMS: "cross-account access")
    foreign = f"arn:aws:iam::{OTHER_ACCOUNT}:role/{name}"  # the same permissions, held by a role of another account
    sm = sandbox.tooling("secretsmanager")
    secret = f"{prefix}/secrets/shared"
    sm.create_secret(Name=secret, SecretString="CANARY-shared")
    assert "implicit deny" in _refused(lambda: sandbox.function("secretsmanager", foreign).get_secret_value(SecretId=secret))
    allow = {"Effect": "Allow", "Principal": {"AWS": foreign}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"}
    sm.put_resource_policy(SecretId=secret, ResourcePolicy=json.dumps({"Version": "2012-10-17", "Statement": [allow]}))
    # Secrets Manager: a secret read from another account must be encrypted with a customer managed key ("you can't use
    # the AWS managed key aws/secretsmanager"): with the resource policy, the decryption is now what refuses.
    message = _refused(lambda: sandbox.function("secretsmanager", foreign, "fn-3").get_secret_value(SecretId=secret))
    assert "kms:Decrypt on aws/secretsmanager" in message
    both = {
        "Effect": "Allow",
        "Principal": {"AWS": [f"arn:aws:iam::{ACCOUNT}:root", foreign]},
        "Action": "kms:*",
        "Resource": "*",
    }
    key = sandbox.tooling("kms").create_key(Policy=json.dumps({"Version": "2012-10-17", "Statement": [both]}))["KeyMetadata"][
        "Arn"
    ]
    shared = f"{prefix}/secrets/shared-cmk"
    sm.create_secret(Name=shared, SecretString="CANARY-shared", KmsKeyId=key)
    sm.put_resource_policy(SecretId=shared, ResourcePolicy=json.dumps({"Version": "2012-10-17", "Statement": [allow]}))
    read = sandbox.function("secretsmanager", foreign, "fn-4").get_secret_value(SecretId=shared)
    assert read["SecretString"] == "CANARY-shared"


def test_a_batch_needs_getsecretvalue_on_every_secret_and_getparameters_is_refused_as_a_whole(sandbox: Sandbox) -> None:
    """BatchGetSecretValue: "you must have permissions for both ... BatchGetSecretValue and ... GetSecretValue for each
    secret"; GetParameters with one name outside the path is refused (the sandbox refuses the whole batch: docs)."""
    role, prefix = _role(sandbox)
    sm, ssm = sandbox.tooling("secretsmanager"), sandbox.tooling("ssm")
    for n in ("a", "b"):
        sm.create_secret(Name=f"{prefix}/secrets/{n}", SecretString=f"CANARY-{n}")
        ssm.put_parameter(Name=f"{prefix}/config/{n}", Value=n, Type="String")
    sm.create_secret(Name=f"/sdk/elsewhere-{prefix[-10:]}/x", SecretString="CANARY-x")
    as_function = sandbox.function("secretsmanager", role)
    values = as_function.batch_get_secret_value(SecretIdList=[f"{prefix}/secrets/a", f"{prefix}/secrets/b"])["SecretValues"]
    assert sorted(v["SecretString"] for v in values) == ["CANARY-a", "CANARY-b"]
    assert "GetSecretValue" in _refused(
        lambda: as_function.batch_get_secret_value(SecretIdList=[f"{prefix}/secrets/a", f"/sdk/elsewhere-{prefix[-10:]}/x"])
    )
    as_ssm = sandbox.function("ssm", role)
    assert len(as_ssm.get_parameters(Names=[f"{prefix}/config/a", f"{prefix}/config/b"])["Parameters"]) == 2
    assert "ssm:GetParameters" in _refused(lambda: as_ssm.get_parameters(Names=[f"{prefix}/config/a", "/sdk/nope/config/z"]))


def test_the_tooling_and_the_emulations_own_session_are_not_decided(sandbox: Sandbox) -> None:
    """The checkout's key pair (Terraform, make) and the extension emulation's session (its own lookups) pass:
    they are not a function's calls. A function session cannot claim the emulation's role: its token is the runner's."""
    assert sandbox.tooling("iam").list_roles()["Roles"] is not None
    machinery = sandbox.function("iam", credentials.MACHINERY_ROLE, "extension-emulation")
    assert machinery.list_roles()["Roles"] is not None
    role, _ = _role(sandbox)
    assert "iam:ListRoles" in _refused(lambda: sandbox.function("iam", role).list_roles())
