"""Every module's native Terraform tests (terraform/modules/*/tests, terraform/stack/tests) pass against a fresh moto server."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts import module_tests
from tests.conftest import ROOT, moto_server


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, module_tests.ModuleResult]]:
    with moto_server(tmp_path_factory.mktemp("moto-tftest") / "moto.log") as endpoint:
        yield {r.module: r for r in module_tests.run_all([], endpoint)}


def _runs_in(directory: Path) -> int:
    return sum(len(re.findall(r'^run "', f.read_text(), flags=re.MULTILINE)) for f in directory.glob("tests/*.tftest.hcl"))


@pytest.mark.parametrize("name", list(module_tests.modules()))
def test_module_tests_pass(results: dict[str, module_tests.ModuleResult], name: str) -> None:
    """All runs of the module's test files pass; none is skipped."""
    result = results[Path(module_tests.modules()[name]).name]
    assert result.ok, result.output[-3000:]
    assert result.passed == _runs_in(ROOT / "terraform" / module_tests.modules()[name])


def test_every_validation_has_a_negative_run() -> None:
    """Each validation block and precondition of a module is matched by an expect_failures run naming it."""
    for name, directory in module_tests.modules().items():
        source = ROOT / "terraform" / directory
        tests = "\n".join(f.read_text() for f in source.glob("tests/*.tftest.hcl"))
        expected = set(re.findall(r"expect_failures = \[([^\]]+)\]", tests))
        for tf in source.glob("*.tf"):
            for variable in re.findall(
                r'variable "(\w+)" \{(?:(?!\nvariable ).)*?validation \{', tf.read_text(), flags=re.DOTALL
            ):
                assert f"var.{variable}" in expected, f"{name}: no negative test for the validation of var.{variable}"
