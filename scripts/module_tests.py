"""Run every module's native Terraform tests (terraform/modules/*/tests/*.tftest.hcl) against the sandbox.

    python -m scripts.module_tests [MODULE ...]

The modules go through the bridge (scripts/sandbox/bridge.py), which also gives their test
files the sandbox's provider configuration; then `terraform init` and `terraform test` run
in each module of the copy. Prints one line per module and a total; exits 1 on any failure.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

from scripts import toolchain
from scripts.common import SANDBOX_DIR, UserError, run, run_main, say, step
from scripts.sandbox import bridge, server
from scripts.terraform import Workspace, terraform_env

RESULT = re.compile(r"(Success|Failure)! (\d+) passed, (\d+) failed(?:, (\d+) skipped)?")


@dataclass
class ModuleResult:
    """The outcome of one module's tests."""

    module: str
    passed: int
    failed: int
    skipped: int
    seconds: float
    output: str

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.skipped == 0 and self.passed > 0


def modules() -> dict[str, str]:
    """Modules that have test files: name -> directory under terraform/ (the stack included)."""
    found = {p.parent.parent.name: f"modules/{p.parent.parent.name}" for p in bridge.SOURCE.glob("modules/*/tests/*.tftest.hcl")}
    if any(bridge.SOURCE.glob("stack/tests/*.tftest.hcl")):
        found["stack"] = "stack"
    return dict(sorted(found.items()))


def run_module(directory: Path, env: dict[str, str]) -> ModuleResult:
    """init + test in one bridged module directory."""
    terraform = toolchain.load().terraform
    started = time.monotonic()
    run([terraform, f"-chdir={directory}", "init", "-input=false", "-no-color"], env=env, capture=True, echo=False)
    result = run([terraform, f"-chdir={directory}", "test", "-no-color"], env=env, capture=True, check=False, echo=False)
    match = RESULT.search(result.stdout)
    passed, failed, skipped = (int(match[2]), int(match[3]), int(match[4] or 0)) if match else (0, 1, 0)
    return ModuleResult(directory.name, passed, failed, skipped, time.monotonic() - started, result.stdout + result.stderr)


def run_all(names: list[str], endpoint: str | None = None) -> list[ModuleResult]:
    """Bridge, then test each named module against `endpoint` (default: the running sandbox)."""
    endpoint = endpoint or server.require_up()
    known = modules()
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise UserError(f"no tests for module(s) {', '.join(unknown)}; modules with tests: {', '.join(known)}")
    bridge.prepare(endpoint, quiet=True)
    results = []
    for name in names or known:
        env = terraform_env(toolchain.CLI_CONFIG, SANDBOX_DIR / "tf-data-modules" / name) | server.credentials_env(endpoint)
        result = run_module(bridge.TARGET / known[name], env)
        say(
            f"  {'PASS' if result.ok else 'FAIL'}  {name:<15} {result.passed} passed, {result.failed} failed, "
            f"{result.skipped} skipped ({result.seconds:.1f} s)"
        )
        if not result.ok:
            say(result.output[-4000:])
        results.append(result)
    return results


def examples() -> list[str]:
    """The runnable examples under terraform/examples."""
    return sorted(p.parent.name for p in bridge.SOURCE.glob("examples/*/main.tf"))


def plan_example(name: str, endpoint: str, package_path: Path) -> dict:
    """init and plan one bridged example against the sandbox; return the plan as JSON (kept in memory)."""
    bridge.prepare(endpoint, quiet=True)
    env = terraform_env(toolchain.CLI_CONFIG, SANDBOX_DIR / "tf-data-examples" / name, package_path=str(package_path))
    env |= server.credentials_env(endpoint)
    workspace = Workspace(bridge.TARGET / "examples" / name, env)
    workspace.init()
    plan_file = workspace.root / "example.tfplan"
    error = workspace.plan(plan_file)
    if error:
        raise UserError(f"plan of examples/{name} failed: {error}")
    try:
        return json.loads(workspace.show_json(plan_file))
    finally:
        plan_file.unlink()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("modules", nargs="*", help="modules to test (default: all)")
    parser.add_argument("--endpoint", help="a moto server's URL (default: the running sandbox)")
    args = parser.parse_args()
    step("terraform test for every module, against the sandbox")
    results = run_all(args.modules, args.endpoint)
    passed, failed = sum(r.passed for r in results), sum(r.failed + r.skipped for r in results)
    say(f"terraform module tests: {passed} runs passed, {failed} failed or skipped")
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    run_main(main)
