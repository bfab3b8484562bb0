"""Side by side and under faults: two checkouts with their own sandboxes, at the same moment;
applies killed part-way; a stale pid file; bad input that must lose nothing.

Each checkout is a fresh copy of the repository with its own SANDBOX_PORT (as two users'
clones on one machine). Run alone with: .venv/bin/python -m pytest -m reliability
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ALL_PASSED, Checkout, ok

ROUNDS = 3


def concurrently(*calls: tuple[Checkout, tuple[str, ...]]) -> list[subprocess.CompletedProcess[str]]:
    """Run `make ARGS` in each checkout at the same moment; the results in order."""
    results: list[subprocess.CompletedProcess[str] | None] = [None] * len(calls)

    def run(index: int, checkout: Checkout, args: tuple[str, ...]) -> None:
        results[index] = checkout.make(*args)

    threads = [threading.Thread(target=run, args=(i, c, a)) for i, (c, a) in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [r for r in results if r is not None]


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Checkout, Checkout]]:
    first = Checkout.fresh(tmp_path_factory.mktemp("first") / "repo", scan=False)
    second = Checkout.fresh(tmp_path_factory.mktemp("second") / "repo", scan=False)
    yield first, second
    for checkout in (first, second):
        checkout.make("sandbox-down")
        # A SIGKILLed terraform leaves its provider plugin running, reparented to init: stop this copy's own.
        subprocess.run(["pkill", "-f", f"{checkout.path}/.sandbox/tf-data/providers/"], check=False)


def test_two_checkouts_deploy_at_the_same_moment(pair: tuple[Checkout, Checkout]) -> None:
    """Two sandboxes, two deploys at once: both end with every smoke check passing."""
    for result in concurrently((pair[0], ("deploy",)), (pair[1], ("deploy",))):
        assert ALL_PASSED.search(ok(result))


def test_smoke_and_rotate_side_by_side_for_rounds(pair: tuple[Checkout, Checkout]) -> None:
    """Every round: both checkouts invoke at once (each extension on port 2773 in its own network), 0 failures."""
    first, second = pair
    for _ in range(ROUNDS):
        results = concurrently((first, ("smoke",)), (second, ("rotate",)), (first, ("rotate",)), (second, ("smoke",)))
        for result in results:
            ok(result)
    for checkout in pair:
        assert "AWSPREVIOUS" in ok(checkout.make("smoke"))
        log = (checkout.path / ".sandbox/logs/sandbox-demo.log").read_text()
        assert "Address already in use" not in log


def _sandbox_inventory(checkout: Checkout) -> dict[str, list[str]]:
    """What the checkout's sandbox holds, by kind (names only)."""
    code = (
        "import json\n"
        "from scripts.sandbox import server\n"
        "url = server.require_up()\n"
        "c = lambda s: server.client(url, s, 'us-east-1')\n"
        "print(json.dumps({\n"
        "  'functions': [f['FunctionName'] for f in c('lambda').list_functions()['Functions']],\n"
        "  'roles': [r['RoleName'] for r in c('iam').list_roles()['Roles']],\n"
        "  'secrets': [s['Name'] for s in c('secretsmanager').list_secrets()['SecretList']],\n"
        "  'parameters': [p['Name'] for p in c('ssm').describe_parameters()['Parameters']],\n"
        "  'log_groups': [g['logGroupName'] for g in c('logs').describe_log_groups()['logGroups']],\n"
        "}))\n"
    )
    result = subprocess.run(
        [str(checkout.path / ".venv/bin/python"), "-c", code], cwd=checkout.path, env=checkout.env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _apply_interrupted(checkout: Checkout, when: str, sig: signal.Signals) -> str:
    """Plan, then apply and send `sig` to terraform as soon as a line containing `when` appears."""
    ok(checkout.make("plan"))
    process = checkout.apply_process()
    assert process.stdout is not None
    seen = []
    for line in process.stdout:
        seen.append(line)
        if when in line:
            pattern = f"-chdir={checkout.path}/build/sandbox-tf/envs/sandbox apply"
            subprocess.run(["pkill", f"-{sig.name.removeprefix('SIG')}", "-f", "--", pattern], check=False)
            break
    seen.extend(process.stdout)
    process.wait(timeout=120)
    output = "".join(seen)
    assert process.returncode != 0 and ("was interrupted" in output or "failed part-way" in output), output[-2000:]
    return output


def _restored_a_cut_state(checkout: Checkout) -> bool:
    """Terraform rewrites its local state in place (truncate, then write), so a kill can land between the two
    (more often on a loaded machine). Then the next command must refuse, naming the backup, and the fix it
    names must work; the test goes on from there. True when that happened."""
    state = checkout.path / ".sandbox/terraform.tfstate"
    if not state.exists() or state.stat().st_size > 0:
        return False
    refused = checkout.make("destroy")
    assert refused.returncode != 0 and "cp .sandbox/terraform.tfstate.backup .sandbox/terraform.tfstate" in refused.stderr
    shutil.copy(state.with_name("terraform.tfstate.backup"), state)
    return True


@pytest.mark.parametrize(
    ("when", "sig", "then"),
    [
        ('module.stack["demo"].module.function.aws_lambda_function.this: Creating...', signal.SIGKILL, "deploy"),
        ("aws_secretsmanager_secret.this: Creating...", signal.SIGKILL, "destroy"),
        ("aws_iam_role.this: Creating...", signal.SIGTERM, "deploy"),
    ],
    ids=["kill-9-creating-the-function-then-deploy", "kill-9-creating-the-secret-then-destroy", "sigterm-then-deploy"],
)
def test_interrupted_apply_converges_and_destroy_leaves_nothing(
    pair: tuple[Checkout, Checkout], when: str, sig: signal.Signals, then: str
) -> None:
    """After terraform dies part-way, make deploy adopts what the state lacks and passes, and make
    destroy (straight after the interruption, or after the deploy) leaves the sandbox empty."""
    checkout = pair[0]
    ok(checkout.make("destroy"))
    output = _apply_interrupted(checkout, when, sig)
    assert f"stopped by signal {sig.value}" in output or sig == signal.SIGTERM, output[-1500:]
    if _restored_a_cut_state(checkout):
        then = "deploy"  # the fix the kit names: the deploy finds what the backup lacks
    if then == "deploy":
        deployed = ok(checkout.make("deploy"))
        assert ALL_PASSED.search(deployed), deployed[-2000:]
    ok(checkout.make("destroy"))
    left = _sandbox_inventory(checkout)
    own = {kind: [n for n in names if "demo" in n or "orders" in n] for kind, names in left.items()}
    assert own == {kind: [] for kind in left}, own


def test_stale_pid_file_naming_a_live_process_survives_sandbox_down(pair: tuple[Checkout, Checkout]) -> None:
    """make sandbox-down (and make clean) never signal a process that is not the sandbox's server."""
    checkout = pair[1]
    ok(checkout.make("sandbox-down"))
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True)
    try:
        pid_file = checkout.path / ".sandbox/moto.pid"
        pid_file.parent.mkdir(exist_ok=True)
        pid_file.write_text(json.dumps({"pid": bystander.pid, "start_time": "0", "port": 1}))
        result = ok(checkout.make("sandbox-down"))
        assert "stale" in result and "stopped nothing" in result
        pid_file.write_text(str(bystander.pid))  # an older format, naming the same process
        ok(checkout.make("clean"))
        assert bystander.poll() is None, "sandbox-down signalled a process it did not start"
    finally:
        bystander.kill()
        bystander.wait()


def test_bad_input_gets_one_line_and_loses_nothing(pair: tuple[Checkout, Checkout], tmp_path: Path) -> None:
    """Injection through NAME, blank and binary values, overlapping keys, `..` names: each refused in one line."""
    checkout = pair[1]
    ok(checkout.make("deploy"))
    before = _sandbox_inventory(checkout)
    marker = tmp_path / "injected"
    binary = tmp_path / "binary"
    binary.write_bytes(b"\xff\xfe\x00CANARY")
    cases = [
        (("put-secret", f'NAME=a"; touch {marker}; echo "'), "x\n", "is not declared in ENV=sandbox"),
        (("put-secret", "NAME=/sandbox/demo/secrets/api_key"), "  \t\n", "only whitespace"),
        (("put-secret", "NAME=/sandbox/demo/secrets/api_key", f"FILE={binary}"), None, "not UTF-8 text"),
    ]
    for args, stdin, message in cases:
        result = checkout.make(*args, stdin=stdin)
        errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
        assert result.returncode != 0 and errors and message in errors[0], (args, result.stderr[-1500:])
        assert "CANARY" not in result.stdout + result.stderr
    assert not marker.exists(), "user input reached a shell"
    tfvars = checkout.path / "terraform/envs/sandbox/terraform.tfvars"
    original = tfvars.read_text()
    try:
        for where, extra, message in [  # into the demo app's maps (the first of each in the file)
            (
                "    parameters = {\n",
                '      "secrets/db_password" = { value = "x" }\n',
                "in both parameters and secure_parameters",
            ),
            ("    secrets = {\n", '      "secrets/.." = {}\n', "name not . or .."),
        ]:
            tfvars.write_text(original.replace(where, where + extra, 1))
            result = checkout.make("plan")
            errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
            assert result.returncode != 0 and errors and message in errors[0], result.stderr[-2000:]
            assert not (checkout.path / "build/plans/sandbox.tfplan").exists()
    finally:
        tfvars.write_text(original)
    assert _sandbox_inventory(checkout) == before, "a refused input changed the sandbox"
