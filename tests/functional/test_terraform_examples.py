"""The runnable examples plan cleanly against the sandbox and create what they describe."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts import module_tests, package
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
