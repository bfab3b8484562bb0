"""The modules' own value lists stay in step with the AWS API's, as botocore's service models
carry them: the schema check cannot see value lists (the provider's logic is absent)."""

from __future__ import annotations

import re
from pathlib import Path

import botocore.session
import hcl2

ROOT = Path(__file__).resolve().parents[2]
MODULES = ROOT / "terraform" / "modules"


def _enum(service: str, shape: str) -> set[str]:
    return set(botocore.session.get_session().get_service_model(service).shape_for(shape).enum)


def _allowed(module: str, variable: str, field: str | None = None) -> set[str]:
    """The values in a `contains([...], var.<variable>[.field])` validation of a module."""
    with (MODULES / module / "variables.tf").open() as handle:
        parsed = hcl2.load(handle)
    block = next(v[f'"{variable}"'] for v in parsed["variable"] if f'"{variable}"' in v)
    target = f"var.{variable}" if field is None else f"p.{field}"
    for validation in block["validation"]:
        match = re.search(r"contains\(\[([^\]]*)\], " + re.escape(target) + r"\)", validation["condition"])
        if match:
            return set(re.findall(r'"([^"]+)"', match[1]))
    raise AssertionError(f"no contains([...], {target}) validation on variable {variable} in modules/{module}")


def test_every_runtime_the_function_module_accepts_is_a_lambda_runtime() -> None:
    accepted = _allowed("function", "runtime")
    assert accepted and accepted <= _enum("lambda", "Runtime"), accepted - _enum("lambda", "Runtime")


def test_the_function_module_accepts_exactly_lambdas_architectures() -> None:
    assert _allowed("function", "architecture") == _enum("lambda", "Architecture")


def test_the_parameters_module_accepts_exactly_ssms_types_and_tiers() -> None:
    assert _allowed("parameters", "parameters", "type") == _enum("ssm", "ParameterType")
    assert _allowed("parameters", "parameters", "tier") == _enum("ssm", "ParameterTier")
