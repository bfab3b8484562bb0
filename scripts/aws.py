"""How the scripts reach AWS for an environment: the sandbox's moto server, or real AWS."""

from __future__ import annotations

from typing import Any

from scripts.common import UserError


def client(env: str, service: str, region: str) -> Any:
    """A boto3 client for `service` in the environment's account."""
    import boto3

    if env == "sandbox":
        from scripts.sandbox.server import require_up

        return boto3.client(
            service, region_name=region, endpoint_url=require_up(), aws_access_key_id="sandbox", aws_secret_access_key="sandbox"
        )
    try:
        return boto3.client(service, region_name=region)
    except Exception as exc:  # botocore raises several unrelated types for bad profiles
        raise UserError(f"cannot make an AWS client for ENV={env} ({exc}); check AWS_PROFILE / aws configure") from None
