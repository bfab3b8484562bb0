"""Read a role's identity policies (inline and attached), permission boundary and tags from IAM."""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass, field
from typing import Any


def document(raw: Any) -> dict[str, Any]:
    """A policy document as IAM's API returns it (URL-encoded JSON text, or already parsed by boto3)."""
    if isinstance(raw, str):
        return json.loads(urllib.parse.unquote(raw))
    return raw


@dataclass(frozen=True)
class RolePermissions:
    """What AWS evaluates for a session of one role, besides the resource's own policy."""

    policies: list[dict[str, Any]]
    boundary: dict[str, Any] | None = None
    tags: dict[str, str] = field(default_factory=dict)  # the role's tags: aws:PrincipalTag/<key>
    role_id: str | None = None  # the role's unique id: aws:userid is "<role id>:<session name>"


def _managed_document(iam: Any, policy_arn: str) -> dict[str, Any]:
    policy = iam.get_policy(PolicyArn=policy_arn)["Policy"]
    version = iam.get_policy_version(PolicyArn=policy_arn, VersionId=policy["DefaultVersionId"])
    return document(version["PolicyVersion"]["Document"])


def role_policies(iam: Any, role_arn: str) -> list[dict[str, Any]]:
    """Every identity policy document of the role `role_arn` (`iam` is a boto3 IAM client)."""
    role = role_arn.rsplit("/", 1)[-1]
    documents = [
        document(iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"])
        for name in iam.list_role_policies(RoleName=role)["PolicyNames"]
    ]
    for attached in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]:
        documents.append(_managed_document(iam, attached["PolicyArn"]))
    return documents


def role_permissions(iam: Any, role_arn: str) -> RolePermissions:
    """The role's identity policies, its permission boundary (if it has one), its tags and its id."""
    role = iam.get_role(RoleName=role_arn.rsplit("/", 1)[-1])["Role"]
    boundary_arn = (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    return RolePermissions(
        policies=role_policies(iam, role_arn),
        boundary=_managed_document(iam, boundary_arn) if boundary_arn else None,
        tags={tag["Key"]: tag["Value"] for tag in role.get("Tags", [])},
        role_id=role.get("RoleId"),
    )


def secret_policy(secretsmanager: Any, secret: str) -> dict[str, Any] | None:
    """A secret's resource policy (GetResourcePolicy; `secretsmanager` a boto3 client), or None when it has none."""
    raw = secretsmanager.get_resource_policy(SecretId=secret).get("ResourcePolicy")
    return document(raw) if raw else None


def kms_key(kms: Any, key_id: str) -> Any:
    """A KMS key as the Authorizer needs it (authorizer.Key): its ARN, its key policy, whether AWS manages it."""
    from scripts.iam.authorizer import Key

    metadata = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    if metadata.get("KeyManager") == "AWS":
        return Key(metadata["Arn"], aws_managed=True)
    raw = kms.get_key_policy(KeyId=metadata["Arn"], PolicyName="default").get("Policy")
    return Key(metadata["Arn"], document(raw) if raw else None)


def authorizer_for(iam: Any, secretsmanager: Any, kms: Any, role_arn: str, session_name: str, region: str) -> Any:
    """An Authorizer (scripts/iam/authorizer.py) for a session of `role_arn`, reading what it needs through these
    boto3 clients: the role's permissions now, a secret's resource policy and a key's policy on first use.
    A secret that does not exist has no policy (its name is decided by the identity policies alone)."""
    from scripts.iam.authorizer import Authorizer

    def resource_policy(arn: str) -> dict[str, Any] | None:
        # An ARN built from a name carries a made-up 6-character suffix (as the smoke's do): then its name finds it.
        for secret in (arn, arn.split(":secret:", 1)[-1][:-7]):
            try:
                return secret_policy(secretsmanager, secret)
            except Exception as exc:  # noqa: BLE001 (botocore's ClientError, without importing botocore here)
                if getattr(exc, "response", {}).get("Error", {}).get("Code") != "ResourceNotFoundException":
                    raise
        return None

    permissions = role_permissions(iam, role_arn)
    return Authorizer(
        role_arn=role_arn,
        session_name=session_name,
        region=region,
        identity_policies=permissions.policies,
        permission_boundary=permissions.boundary,
        principal_tags=permissions.tags,
        role_id=permissions.role_id,
        resource_policy=resource_policy,
        key=lambda key_id: kms_key(kms, key_id),
    )
