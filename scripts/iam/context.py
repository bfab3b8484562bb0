"""The request context AWS supplies for the function's calls, for scripts/iam/policy.py.

Two kinds of request matter here (docs/iam-evaluation.md gives each key with AWS's page):
- the function's own calls (ssm:GetParameter, secretsmanager:GetSecretValue), made by the
  extension with the function's role session over HTTPS: `for_function()`;
- the decryption Parameter Store or Secrets Manager does on the function's behalf with
  the same session (kms:Decrypt with kms:ViaService, kms:CallerAccount and the service's
  encryption context): `for_decrypt_via()`.

Keys AWS sets only in situations the sandbox does not model are left absent, as AWS leaves
them: aws:SourceIp / aws:SourceVpc / aws:SourceVpce (depend on the network path),
aws:PrincipalOrgID (only inside an organization), aws:MultiFactorAuthPresent (not set for
role sessions). Standard library only: this module ships inside the extension layer.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal

Service = Literal["ssm", "secretsmanager"]


def session_arn(role_arn: str, session_name: str) -> str:
    """The assumed-role session ARN of a role (the role's path is not part of it)."""
    parts = role_arn.split(":", 5)
    return f"arn:{parts[1]}:sts::{parts[4]}:assumed-role/{parts[5].rsplit('/', 1)[-1]}/{session_name}"


def for_function(
    *,
    role_arn: str,
    session_name: str,
    region: str,
    role_id: str = "AROAEXAMPLEROLEID0000",
    principal_tags: Mapping[str, str] | None = None,
    resource_account: str | None = None,
    resource_tags: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The context of a call the function's role session makes (Lambda names the session
    after the function) to a regional AWS endpoint over HTTPS."""
    now = now or datetime.now(UTC)
    account = role_arn.split(":")[4]
    context: dict[str, Any] = {
        "aws:PrincipalArn": role_arn,
        "aws:PrincipalAccount": account,
        "aws:PrincipalType": "AssumedRole",
        "aws:userid": f"{role_id}:{session_name}",
        "aws:SecureTransport": True,
        "aws:ViaAWSService": False,
        "aws:PrincipalIsAWSService": False,
        "aws:RequestedRegion": region,
        "aws:CurrentTime": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:EpochTime": str(int(now.timestamp())),
        "aws:ResourceAccount": resource_account or account,
    }
    for key, value in (principal_tags or {}).items():
        context[f"aws:PrincipalTag/{key}"] = value
    for key, value in (resource_tags or {}).items():
        context[f"aws:ResourceTag/{key}"] = value
    return context


def encryption_context(service: Service, item_arn: str, version_id: str | None = None) -> dict[str, str]:
    """The encryption context the service passes to KMS: Secrets Manager's SecretARN and
    SecretVersionId, Parameter Store's PARAMETER_ARN."""
    if service == "secretsmanager":
        return {"SecretARN": item_arn, "SecretVersionId": version_id or ""}
    return {"PARAMETER_ARN": item_arn}


def for_decrypt_via(
    function_context: Mapping[str, Any], service: Service, *, encryption: Mapping[str, str], key_account: str
) -> dict[str, Any]:
    """The context KMS sees when `service` decrypts on the function's behalf: the function's
    own principal keys, plus kms:ViaService, kms:CallerAccount and kms:EncryptionContext:*."""
    region = function_context["aws:RequestedRegion"]
    context = dict(function_context)
    context.update(
        {
            "aws:ViaAWSService": True,
            "aws:ResourceAccount": key_account,
            "kms:ViaService": f"{service}.{region}.amazonaws.com",
            "kms:CallerAccount": function_context["aws:PrincipalAccount"],
            "kms:EncryptionAlgorithm": "SYMMETRIC_DEFAULT",
            "kms:EncryptionContextKeys": sorted(encryption),
        }
    )
    for key, value in encryption.items():
        context[f"kms:EncryptionContext:{key}"] = value
    return context


def default_key_policy(account: str, partition: str = "aws") -> dict[str, Any]:
    """The key policy KMS gives a key created without one (KMS developer guide, "Default key policy"):
    "one policy statement that gives the AWS account that owns the KMS key permission to use IAM
    policies to allow access to all AWS KMS operations on the KMS key"."""
    return {
        "Version": "2012-10-17",
        "Id": "key-default-1",
        "Statement": [
            {
                "Sid": "Enable IAM User Permissions",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{partition}:iam::{account}:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ],
    }


def aws_managed_key_policy(service: Service, region: str, account: str) -> dict[str, Any]:
    """The key policy of the AWS managed key aws/<service>: any principal of the account may use
    the key through that service only (the policy AWS attaches to these keys)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": f"Allow access through {service} for all principals in the account",
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
                "Resource": "*",
                "Condition": {
                    "StringEquals": {"kms:CallerAccount": account, "kms:ViaService": f"{service}.{region}.amazonaws.com"}
                },
            },
            {
                "Sid": "Allow direct access to key metadata to the account",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                "Action": ["kms:Describe*", "kms:Get*", "kms:List*"],
                "Resource": "*",
            },
        ],
    }
