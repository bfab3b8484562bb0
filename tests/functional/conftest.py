"""A small app deployed into the test moto server with boto3 (Terraform is the e2e tests' job)."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass

import boto3
import pytest

from scripts import package
from scripts.config import AppCode

ACCOUNT = "123456789012"
REGION = "us-east-1"


@dataclass
class App:
    endpoint: str
    function: str
    secret: str
    secure_parameter: str
    parameter: str
    neighbour_parameter: str
    values: dict[str, str]


def client(endpoint: str, service: str):  # noqa: ANN201 (boto3 clients have no common type)
    return boto3.client(
        service, region_name=REGION, endpoint_url=endpoint, aws_access_key_id="testing", aws_secret_access_key="testing"
    )


def zip_of(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def deploy_function(
    endpoint: str,
    name: str,
    code: bytes,
    *,
    timeout: int = 10,
    env: dict[str, str] | None = None,
    layer: bytes | None = None,
    policy: dict | None = None,
    memory: int = 256,
) -> None:
    """A role with `policy` and a function running `code` with the layer attached."""
    iam, lam = client(endpoint, "iam"), client(endpoint, "lambda")
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    if policy:
        iam.put_role_policy(RoleName=name, PolicyName="read", PolicyDocument=json.dumps(policy))
    layers = []
    if layer is not None:
        layers = [lam.publish_layer_version(LayerName=f"{name}-layer", Content={"ZipFile": layer})["LayerVersionArn"]]
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="handler.handler",
        Code={"ZipFile": code},
        Timeout=timeout,
        MemorySize=memory,
        Layers=layers,
        Environment={"Variables": env or {}},
    )


def demo_code() -> AppCode:
    """The kit's demo app as make package zips it (lambda_src, with the kit's modules)."""
    return AppCode("demo", package.KIT_SOURCE, "handler.handler")


def probe(read: list[str] = (), parameters: list[str] = (), refuse: list[str] = (), previous: list[str] = ()) -> dict:  # type: ignore[assignment]
    """The smoke test's probe event (lambda_src/smoke_probe.py): read these, try to read those."""
    return {
        "smoke_probe": {
            "read": {"secrets": list(read), "parameters": list(parameters)},
            "previous": list(previous),
            "refuse": {"parameters": list(refuse)},
        }
    }


@pytest.fixture(scope="session")
def app(moto_endpoint: str) -> App:
    """The demo shape: a secret, a SecureString and a String under /test/app, a neighbour outside."""
    values = {
        "/test/app/secrets/api_key": "CANARY-secret-" + "a" * 8,
        "/test/app/secrets/db_password": "CANARY-secure-" + "b" * 8,
        "/test/app/config/url": "https://example.test",
        "/test/other/config/url": "https://neighbour.test",
    }
    sm, ssm = client(moto_endpoint, "secretsmanager"), client(moto_endpoint, "ssm")
    sm.create_secret(Name="/test/app/secrets/api_key", SecretString=values["/test/app/secrets/api_key"])
    ssm.put_parameter(Name="/test/app/secrets/db_password", Value=values["/test/app/secrets/db_password"], Type="SecureString")
    ssm.put_parameter(Name="/test/app/config/url", Value=values["/test/app/config/url"], Type="String")
    ssm.put_parameter(Name="/test/other/config/url", Value=values["/test/other/config/url"], Type="String")
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["ssm:GetParameter"],
                "Resource": [
                    f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/test/app/secrets/*",
                    f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/test/app/config/*",
                ],
            },
            {
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue"],
                "Resource": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:/test/app/secrets/*",
            },
        ],
    }
    env = {"SECRETS_CLIENT_PREFIX": "/test/app", "SECRETS_CLIENT_MANIFEST": "/test/app/manifest"}
    code = package.zip_bytes(package.app_files(demo_code()))
    deploy_function(moto_endpoint, "test-app", code, env=env, layer=package.zip_bytes(package.LAYER_FILES), policy=policy)
    return App(
        moto_endpoint,
        "test-app",
        "/test/app/secrets/api_key",
        "/test/app/secrets/db_password",
        "/test/app/config/url",
        "/test/other/config/url",
        values,
    )
