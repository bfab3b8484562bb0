"""Every module's native Terraform tests (terraform/modules/*/tests, terraform/stack/tests) pass against a fresh moto server."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts import module_tests
from tests.conftest import ROOT, moto_server


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory, own_bridge: Path) -> Iterator[dict[str, module_tests.ModuleResult]]:
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


def checked_addresses(text: str) -> set[str]:
    """The addresses of a file's checks: var.X for a variable with a validation; output.X, TYPE.NAME and
    data.TYPE.NAME for an output, resource or data source with a precondition."""
    found = set()
    for block in re.split(r"^(?=[a-z])", text, flags=re.MULTILINE):  # top-level blocks start at column 0
        header = re.match(r'(variable|output|resource|data) "([\w-]+)"(?: "([\w-]+)")? \{', block)
        if header is None:
            continue
        kind, first, second = header.groups()
        if kind == "variable" and re.search(r"^\s+validation \{", block, flags=re.MULTILINE):
            found.add(f"var.{first}")
        elif kind != "variable" and re.search(r"^\s+precondition \{", block, flags=re.MULTILINE):
            found.add({"output": f"output.{first}", "resource": f"{first}.{second}", "data": f"data.{first}.{second}"}[kind])
    return found


def test_every_validation_has_a_negative_run() -> None:
    """Each validation block and precondition of a module is matched by an expect_failures run naming it."""
    assert checked_addresses('variable "a" {\n  validation {\n  }\n}\noutput "b" {\n  precondition {\n  }\n}\n') == {
        "var.a",
        "output.b",
    }
    for name, directory in module_tests.modules().items():
        source = ROOT / "terraform" / directory
        tests = "\n".join(f.read_text() for f in source.glob("tests/*.tftest.hcl"))
        expected = {
            address.strip() for group in re.findall(r"expect_failures = \[([^\]]+)\]", tests) for address in group.split(",")
        }
        for tf in source.glob("*.tf"):
            for address in checked_addresses(tf.read_text()):
                assert address in expected, f"{name}: no negative test (expect_failures) for the check of {address} in {tf.name}"
