"""The runnable examples plan cleanly against the sandbox and create what they describe."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts import module_tests, package, toolchain
from scripts.sandbox import bridge, server
from scripts.terraform import Workspace, terraform_env
from tests.conftest import moto_server
from tests.functional.conftest import demo_code


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory, own_bridge: Path) -> Iterator[str]:
    with moto_server(tmp_path_factory.mktemp("moto-examples") / "moto.log") as url:
        yield url


@pytest.fixture(scope="module")
def function_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pkg") / "function.zip"
    path.write_bytes(package.zip_bytes(package.app_files(demo_code())))
    return path


def _planned(plan: dict) -> dict[str, dict]:
    return {c["address"]: c["change"]["after"] for c in plan["resource_changes"] if c["change"]["actions"] == ["create"]}


def test_examples_exist() -> None:
    """There is a minimal and a complete example."""
    assert module_tests.examples() == ["complete", "minimal"]


def test_minimal_example_plans_the_stack(endpoint: str, function_zip: Path) -> None:
    """minimal: a secret, a parameter and the function with the eu-west-1 arm64 layer."""
    planned = _planned(module_tests.plan_example("minimal", endpoint, function_zip))
    assert planned['module.stack.module.secret["secrets/stripe_api_key"].aws_secretsmanager_secret.this']["name"] == (
        "/dev/payments/secrets/stripe_api_key"
    )
    function = planned["module.stack.module.function.aws_lambda_function.this"]
    assert function["layers"] == [
        "arn:aws:lambda:eu-west-1:015030872274:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:101"
    ]


def test_complete_example_plans_every_opt_in(endpoint: str, function_zip: Path) -> None:
    """complete: KMS key, rotation, resource policy, StringList, tracing, reserved concurrency."""
    planned = _planned(module_tests.plan_example("complete", endpoint, function_zip))
    assert "aws_kms_key.payments" in planned
    assert (
        planned["module.api_key.aws_secretsmanager_secret_rotation.this[0]"]["rotation_rules"][0]["automatically_after_days"]
        == 30
    )
    assert planned["module.api_key.aws_secretsmanager_secret_policy.this[0]"]["block_public_policy"] is True
    assert planned['module.config.aws_ssm_parameter.plain["/prod/payments/config/regions"]']["type"] == "StringList"
    function = planned["module.function.aws_lambda_function.this"]
    assert function["tracing_config"] == [{"mode": "Active"}] and function["reserved_concurrent_executions"] == 20
    assert function["environment"][0]["variables"]["SECRETS_MANAGER_TTL"] == "120"


# A root that calls the function module of the bridged copy (provider 3.39.0) with one bad input.
ROOT_CALLING_THE_FUNCTION_MODULE = """
terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}
provider "aws" {
  region                      = "eu-west-1"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_get_ec2_platforms      = true # provider 3.x: else ec2:DescribeAccountAttributes on AWS, ~25 s offline
  endpoints {
    cloudwatchlogs = "ENDPOINT"
    iam            = "ENDPOINT"
    lambda         = "ENDPOINT"
    sts            = "ENDPOINT"
  }
}
module "f" {
  source       = "MODULE"
  name         = "prod-billing"
  region       = "eu-west-1"
  package_path = "x.zip"
  policy_json  = "{}"
  INPUTS
}
"""


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ("timeout = 1000", "function prod-billing: timeout must be 1 to 900 seconds."),
        (
            'environment = { SECRETS_MANAGER_TTL = "5", MODE = "x" }',
            "function prod-billing: environment must not set the extension's variables (SECRETS_MANAGER_TTL)",
        ),
    ],
)
def test_a_bad_function_input_names_the_function(endpoint: str, tmp_path: Path, inputs: str, message: str) -> None:
    """With 30 apps, "timeout must be 1 to 900 seconds" alone is a search: the function module's refusals of
    its inputs name the function (env-app), and the environment's refusal the variables; a real plan each."""
    bridge.prepare(endpoint, quiet=True)
    module = bridge.TARGET / "modules" / "function"
    (tmp_path / "main.tf").write_text(
        ROOT_CALLING_THE_FUNCTION_MODULE.replace("ENDPOINT", endpoint).replace("MODULE", str(module)).replace("INPUTS", inputs)
    )
    workspace = Workspace(tmp_path, terraform_env(toolchain.CLI_CONFIG, tmp_path / ".data") | server.credentials_env(endpoint))
    assert workspace.init()
    failed = workspace.plan_output(tmp_path / "plan")
    assert failed is not None and message in " ".join(failed.split()), failed
