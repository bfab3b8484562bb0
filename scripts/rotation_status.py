"""Rotation on AWS: start Secrets Manager's RotateSecret and say what it did."""

from __future__ import annotations

from typing import Any


def rotate(client: Any, secret_id: str) -> str:
    """Start a rotation of `secret_id`; return a line saying so."""
    version = client.rotate_secret(SecretId=secret_id)["VersionId"]
    return f"{secret_id}: rotation started (new version {version}); Secrets Manager runs it asynchronously"
