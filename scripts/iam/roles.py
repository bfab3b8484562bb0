"""Read a role's identity policies from IAM (inline and attached), as documents."""

from __future__ import annotations

import json
import urllib.parse
from typing import Any


def document(raw: Any) -> dict[str, Any]:
    """A policy document as IAM's API returns it (URL-encoded JSON text, or already parsed by boto3)."""
    if isinstance(raw, str):
        return json.loads(urllib.parse.unquote(raw))
    return raw


def role_policies(iam: Any, role_arn: str) -> list[dict[str, Any]]:
    """Every identity policy document of the role `role_arn` (`iam` is a boto3 IAM client)."""
    role = role_arn.rsplit("/", 1)[-1]
    documents = [
        document(iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"])
        for name in iam.list_role_policies(RoleName=role)["PolicyNames"]
    ]
    for attached in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]:
        policy = iam.get_policy(PolicyArn=attached["PolicyArn"])["Policy"]
        version = iam.get_policy_version(PolicyArn=attached["PolicyArn"], VersionId=policy["DefaultVersionId"])
        documents.append(document(version["PolicyVersion"]["Document"]))
    return documents
