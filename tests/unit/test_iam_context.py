"""scripts/iam/context.py: the request context AWS supplies for the function's calls."""

from __future__ import annotations

from datetime import UTC, datetime

from scripts.iam import context

ROLE = "arn:aws:iam::123456789012:role/service/app-fn"
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def test_function_calls_carry_the_role_session_keys() -> None:
    """The keys AWS documents for an assumed-role session over HTTPS, with the function as session name."""
    ctx = context.for_function(role_arn=ROLE, session_name="app-fn", region="eu-west-1", role_id="AROAX", now=NOW)
    assert ctx["aws:PrincipalArn"] == ROLE and ctx["aws:PrincipalAccount"] == "123456789012"
    assert ctx["aws:userid"] == "AROAX:app-fn" and ctx["aws:PrincipalType"] == "AssumedRole"
    assert ctx["aws:SecureTransport"] is True and ctx["aws:RequestedRegion"] == "eu-west-1"
    assert ctx["aws:CurrentTime"] == "2026-11-29T12:00:00Z" and ctx["aws:EpochTime"] == str(int(NOW.timestamp()))
    assert "aws:SourceIp" not in ctx  # depends on the network path: left absent, as AWS would in a VPC
    assert context.session_arn(ROLE, "app-fn") == "arn:aws:sts::123456789012:assumed-role/app-fn/app-fn"


def test_decryption_through_the_service_adds_the_kms_keys() -> None:
    """kms:ViaService, kms:CallerAccount and the service's encryption context, for each service."""
    base = context.for_function(role_arn=ROLE, session_name="app-fn", region="eu-west-1", now=NOW)
    secret = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:/p/a/s/x-AbCdEf"
    ctx = context.for_decrypt_via(
        base, "secretsmanager", encryption=context.encryption_context("secretsmanager", secret, "v1"), key_account="123456789012"
    )
    assert ctx["kms:ViaService"] == "secretsmanager.eu-west-1.amazonaws.com" and ctx["kms:CallerAccount"] == "123456789012"
    assert ctx["kms:EncryptionContext:SecretARN"] == secret and ctx["kms:EncryptionContext:SecretVersionId"] == "v1"
    assert ctx["kms:EncryptionContextKeys"] == ["SecretARN", "SecretVersionId"] and ctx["aws:ViaAWSService"] is True
    parameter = "arn:aws:ssm:eu-west-1:123456789012:parameter/p/a/s/y"
    assert context.encryption_context("ssm", parameter) == {"PARAMETER_ARN": parameter}


def test_default_key_policy_delegates_to_the_account_only() -> None:
    """KMS "Default key policy": one statement giving the owning account's IAM policies access to every KMS operation."""
    default = context.default_key_policy("123456789012")
    assert default["Statement"] == [
        {
            "Sid": "Enable IAM User Permissions",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    ]
    assert default["Version"] == "2012-10-17"
