"""AWS limits the sandbox does not enforce are refused at plan time; an app with 300 items deploys and its
smoke test reads every item within the function's timeout.

moto accepts a Lambda environment over 4 KB; AWS refuses it part-way through an apply. The
stack refuses it in the plan, naming the app, so nothing is applied. An app with 300 items
(100 secrets, 100 SecureStrings, 100 parameters) keeps the function's environment at its fixed
size (names reach the handler through the manifest), its manifest becomes an Advanced
parameter, and the smoke probe (lambda_src/smoke_probe.py, concurrent reads) reads all 300 in
one invocation well inside the 10 s timeout. Run alone with:
.venv/bin/python -m pytest tests/reliability/test_limits.py
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator

import pytest

from tests.conftest import Checkout, ok

ITEMS = 100  # of each kind


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Checkout]:
    result = Checkout.fresh(tmp_path_factory.mktemp("limits") / "repo", scan=False)
    yield result
    result.make("sandbox-down")


def inventory(checkout: Checkout) -> dict[str, list[str]]:
    """The sandbox's functions and parameters, by name."""
    code = (
        "import json\n"
        "from scripts.sandbox import server\n"
        "url = server.require_up()\n"
        "c = lambda s: server.client(url, s, 'us-east-1')\n"
        "print(json.dumps({'functions': sorted(f['FunctionName'] for f in c('lambda').list_functions()['Functions']),\n"
        "  'parameters': sorted(p['Name'] for p in c('ssm').get_paginator('describe_parameters').paginate()"
        ".build_full_result()['Parameters'])}))\n"
    )
    result = subprocess.run(
        [str(checkout.path / ".venv/bin/python"), "-c", code], cwd=checkout.path, env=checkout.env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_an_environment_over_4_kb_is_refused_before_anything_is_applied(checkout: Checkout) -> None:
    """make deploy with an app's environment pushing the function's over 4 KB: the plan fails naming the app, the
    size and the fix; nothing is created (moto would have accepted it)."""
    tfvars = checkout.path / "terraform/envs/sandbox/terraform.tfvars"
    original = tfvars.read_text()
    big = "x" * 3600
    try:
        tfvars.write_text(
            original.replace('environment = { LOG_LEVEL = "INFO" }', f'environment = {{ LOG_LEVEL = "INFO", BIG = "{big}" }}')
        )
        result = checkout.make("deploy")
        errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
        assert result.returncode != 0 and len(errors) == 1, result.stderr[-3000:]
        line = errors[0]
        assert "app orders: the function's environment is 4147 bytes" in line and "4 KB (4096 bytes)" in line, line
        assert "fix app orders in terraform/envs/sandbox/terraform.tfvars" in line, line
        assert big not in line
        assert not (checkout.path / "build/plans/sandbox.tfplan").exists()
        assert inventory(checkout)["functions"] == [], "nothing was applied"
    finally:
        tfvars.write_text(original)


def test_an_app_with_300_items_is_read_whole_within_its_timeout(checkout: Checkout) -> None:
    """100 secrets, 100 SecureStrings and 100 parameters: deployed, the manifest is Advanced, the environment keeps
    its fixed size, and one smoke invocation reads all 300 (hashes equal to what is stored) in under 10 s."""
    tfvars = checkout.path / "terraform/envs/sandbox/terraform.tfvars"
    secrets = ", ".join(f'"secrets/item_{i:03d}" = {{}}' for i in range(ITEMS))
    secure = ", ".join(f'"secure/item_{i:03d}" = {{}}' for i in range(ITEMS))
    parameters = ", ".join(f'"config/item_{i:03d}" = {{ value = "value {i}" }}' for i in range(ITEMS))
    bulk = (
        '\n  bulk = {\n    source = "lambda_src"\n'
        + f"    secrets = {{ {secrets} }}\n    secure_parameters = {{ {secure} }}\n    parameters = {{ {parameters} }}\n  }}\n"
    )
    text = tfvars.read_text()
    tfvars.write_text(text[: text.rindex("}")] + bulk + "}\n")
    output = ok(checkout.make("deploy", timeout=1800))
    section = output[output.index("app bulk (sandbox-bulk)") :]
    section = section[: section.index("\n\n")]
    reads = [line for line in section.splitlines() if re.match(r"\s+PASS  read ", line)]
    assert len(reads) == 3 * ITEMS, section[:3000]
    assert "FAIL" not in section
    invoke = re.search(r"PASS  invoke\n\s+(\d+) ms \(init (\d+) ms\)", section)
    assert invoke is not None, section[:1000]
    duration_ms = int(invoke[1])
    print(f"\n300 items read in one invocation: {duration_ms} ms (init {invoke[2]} ms); the timeout is 10000 ms")
    assert duration_ms < 10_000
    names = inventory(checkout)["parameters"]
    assert sum(1 for n in names if n.startswith("/sandbox/bulk/")) == 2 * ITEMS + 1  # the manifest too
    shown = json.loads(_output(checkout))
    environment = shown["bulk"]["environment_variables"]
    assert set(environment) == set(shown["demo"]["environment_variables"]), "the same variables whatever the item count"
    assert len(json.dumps(environment, separators=(",", ":"))) < 1024
    tier = _parameter_tier(checkout, "/sandbox/bulk/manifest")
    assert tier == "Advanced"


def _output(checkout: Checkout) -> str:
    result = subprocess.run(
        [str(checkout.path / ".venv/bin/python"), "-m", "scripts.cli", "output"],
        cwd=checkout.path,
        env=checkout.env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _parameter_tier(checkout: Checkout, name: str) -> str:
    code = (
        "import sys\nfrom scripts.sandbox import server\n"
        "c = server.client(server.require_up(), 'ssm', 'us-east-1')\n"
        f"print(c.describe_parameters(ParameterFilters=[{{'Key': 'Name', 'Values': ['{name}']}}])['Parameters'][0]['Tier'])\n"
    )
    result = subprocess.run(
        [str(checkout.path / ".venv/bin/python"), "-c", code], cwd=checkout.path, env=checkout.env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()
