"""End to end: the make targets a user runs, in a fresh copy of the repository, against a fresh sandbox.

The copy has the repository's files only (no build/, no .sandbox/); it shares this
checkout's virtual environment to save the install. Tests run in order and build on
each other: deploy from clean, redeploy with no change, canary, bad input, destroy.
"""

from __future__ import annotations

import json
import re
import secrets
import subprocess
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Checkout, ok

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Checkout]:
    result = Checkout.fresh(tmp_path_factory.mktemp("clone") / "repo")
    yield result
    result.make("sandbox-down")


def test_deploy_from_clean(checkout: Checkout) -> None:
    """`make deploy` sets up, starts the sandbox, applies, sets demo values and passes the smoke test."""
    output = ok(checkout.make("deploy"))
    assert "(bundled: " in output, "setup did not fall back to the bundled terraform"
    assert "sandbox up at" in output and re.search(r"sandbox bridge: \d+ rewrites", output)
    assert re.search(r"Apply complete! Resources: \d+ added, 0 changed, 0 destroyed", output)
    assert "demo value set" in output
    smoke = [line for line in output.splitlines() if line.startswith("smoke:")]
    assert smoke and "FAIL" not in output, output[-3000:]
    passed, total = smoke[0].split()[1], smoke[0].split()[3]
    assert passed == total and int(total) >= 20
    # Both demo apps, each refused the other's items (a secret, a SecureString, a parameter) and denied by policy.
    assert "app demo (sandbox-demo)" in output and "app orders (sandbox-orders)" in output
    for line in (
        "PASS  refused orders/secrets/payment_token",
        "PASS  refused orders/secrets/signing_key",
        "PASS  refused orders/config/queue_url",
        "PASS  refused demo/secrets/api_key",
        "PASS  policy denies every item of app orders",
        "PASS  policy denies every item of app demo",
    ):
        assert line in output, line
    assert "fields same" in output, "the JSON secret is compared field by field"


def test_second_deploy_plans_no_change(checkout: Checkout) -> None:
    """Same sources: same zip, no planned change, values left alone, smoke still green."""
    output = ok(checkout.make("deploy"))
    assert "ENV=sandbox: no risks found · no changes" in output
    assert "checkov: skipped (the plan changes no resource)" in output
    assert "function.zip" not in output, "an unchanged package is not rebuilt or reported"
    assert "has a value already" in output and "apply: skipped (the plan changes nothing)" in output


def test_rotate_then_smoke_reads_the_new_value_and_previous(checkout: Checkout) -> None:
    """make rotate runs the rotation function's four steps; the smoke test then matches AWSCURRENT and AWSPREVIOUS."""
    output = ok(checkout.make("rotate", "NAME=/sandbox/demo/secrets/api_key"))
    assert all(f"{step} done" in output for step in ("createSecret", "setSecret", "testSecret", "finishSecret"))
    assert "rotating 1 secret(s)" in output
    smoke = ok(checkout.make("smoke"))
    assert "FAIL" not in smoke and re.search(r"AWSPREVIOUS of \S+ +same sha256 as stored, version", smoke)


STAGES = """
import json
from scripts.sandbox import server
sm = server.client(server.require_up(), "secretsmanager", "us-east-1")
names = [s["Name"] for page in sm.get_paginator("list_secrets").paginate() for s in page["SecretList"]]
print(json.dumps({name: sm.describe_secret(SecretId=name)["VersionIdsToStages"] for name in sorted(names)}))
"""
DB_AROUND_THE_PASSWORD = """
import json, sys
sys.path.insert(0, "lambda_src")
import rotation
from scripts.sandbox import server
sm = server.client(server.require_up(), "secretsmanager", "us-east-1")
read = lambda stage: sm.get_secret_value(SecretId="/sandbox/demo/secrets/db", VersionStage=stage)["SecretString"]
old, new = read("AWSPREVIOUS"), read("AWSCURRENT")
(a, b), (c, d) = rotation.field_spans(old)["password"], rotation.field_spans(new)["password"]
kept, changed = old[:a] == new[:c] and old[b:] == new[d:], old[a:b] != new[c:d]
print(json.dumps({"kept": kept, "changed": changed, "keys": sorted(json.loads(new))}))
"""


def _python(checkout: Checkout, code: str) -> dict:
    """Run `code` with the checkout's Python against its sandbox; it prints one JSON line (ids, booleans: no values)."""
    python = checkout.path / ".venv/bin/python"
    done = subprocess.run(
        [str(python), "-c", code], cwd=checkout.path, env=checkout.env, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def _current(stages: dict[str, list[str]]) -> str:
    return next(version for version, labels in stages.items() if "AWSCURRENT" in labels)


def test_name_rotates_one_json_secret_and_keeps_its_other_fields(checkout: Checkout) -> None:
    """make rotate NAME=<the JSON db secret>: only its AWSCURRENT moves (every other secret's versions unchanged); its
    new text is the old one with only the password's value replaced, byte for byte; smoke compares it field by field."""
    before = _python(checkout, STAGES)
    output = ok(checkout.make("rotate", "NAME=/sandbox/demo/secrets/db"))
    assert "rotating 1 secret(s)" in output and "/sandbox/demo/secrets/db: rotated" in output
    after = _python(checkout, STAGES)
    changed = sorted(name for name in after if after[name] != before[name])
    assert changed == ["/sandbox/demo/secrets/db"], changed
    db = after["/sandbox/demo/secrets/db"]
    assert _current(db) != _current(before["/sandbox/demo/secrets/db"]) and db[_current(before["/sandbox/demo/secrets/db"])] == [
        "AWSPREVIOUS"
    ]
    assert _python(checkout, DB_AROUND_THE_PASSWORD) == {"kept": True, "changed": True, "keys": ["password", "username"]}
    smoke = ok(checkout.make("smoke", "APP=demo"))
    assert re.search(rf"PASS  read secrets/db +same sha256 as stored, version {_current(db)[:8]}, 2 fields same", smoke), smoke


def test_a_secret_not_opted_in_is_refused_naming_the_opt_in(checkout: Checkout) -> None:
    """strategy none (the default): refused in one line that says how to opt in; nothing rotates."""
    before = _python(checkout, STAGES)
    result = checkout.make("rotate", "NAME=/sandbox/orders/secrets/shipping_api_key")
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert result.returncode == 2 and errors, result.stderr[-2000:]
    assert "/sandbox/orders/secrets/shipping_api_key is not opted in to rotation (strategy none)" in errors[0]
    assert (
        'rotation = { strategy = "generated", days = 30 }' in errors[0] and "terraform/envs/sandbox/terraform.tfvars" in errors[0]
    )
    assert _python(checkout, STAGES) == before


def test_the_lambda_strategy_runs_the_users_function_and_smoke_sees_its_value(checkout: Checkout) -> None:
    """orders' payment_token names its own function (apps/orders/rotate.py, deployed by the sandbox under the ARN's name):
    AWSCURRENT moves to the version that function wrote, and the smoke test reads that version's hash."""
    old = _current(_python(checkout, STAGES)["/sandbox/orders/secrets/payment_token"])
    output = ok(checkout.make("rotate", "NAME=/sandbox/orders/secrets/payment_token"))
    token = re.search(r"/sandbox/orders/secrets/payment_token: rotated, AWSCURRENT is now version (\S+) ", output).group(1)
    log = (checkout.path / ".sandbox/logs/sandbox-orders-rotate-payment-token.log").read_text()
    assert f"createSecret: new provider token stored as version {token} of arn:aws:secretsmanager:" in log
    assert f"finishSecret: AWSCURRENT moved from {old} to {token}" in log
    assert _current(_python(checkout, STAGES)["/sandbox/orders/secrets/payment_token"]) == token != old
    smoke = ok(checkout.make("smoke", "APP=orders"))
    assert re.search(rf"PASS  read secrets/payment_token +same sha256 as stored, version {token[:8]}", smoke), smoke
    assert re.search(rf"PASS  AWSPREVIOUS of secrets/payment_token +same sha256 as stored, version {old[:8]}", smoke), smoke
    assert "FAIL" not in smoke


def test_the_plan_refuses_generated_json_without_fields_and_reviews_the_staleness_budget(checkout: Checkout) -> None:
    """Two edits of the tfvars, planned and never applied: the JSON secret's fields dropped (refused by the stack's
    validation before any change), then the demo app's client TTL raised to 900 s (the review's budget rises 600 -> 1200 s)."""
    tfvars = checkout.path / "terraform/envs/sandbox/terraform.tfvars"
    original = tfvars.read_text()
    try:
        tfvars.write_text(original.replace(', fields = ["password"] }', " }", 1))
        result = checkout.make("plan")
        output = " ".join((result.stdout + result.stderr).split())
        assert result.returncode != 0 and 'a json secret with strategy = "generated" needs rotation.fields' in output, output[
            -2000:
        ]
        tfvars.write_text(
            original.replace(
                'source = "lambda_src"', 'source = "lambda_src"\n    environment = { SECRETS_CLIENT_TTL = "900" }', 1
            )
        )
        planned = " ".join(ok(checkout.make("plan")).split())
        assert (
            "LOW staleness budget rises: " in planned
            and "from 600 s to 1200 s: /sandbox/demo/secrets/db in sandbox-demo" in planned
        )
        assert "staleness budget of /sandbox/demo/secrets/db in sandbox-demo: up to 1200 s after make rotate" in planned
        assert "staleness budget of /sandbox/orders/secrets/payment_token in sandbox-orders: up to 600 s" in planned
    finally:
        tfvars.write_text(original)


class ArgvWatch:
    """Samples every process's command line while a command runs."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for proc in Path("/proc").glob("[0-9]*"):
                try:
                    self.seen.add((proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"))
                except OSError:
                    pass
            time.sleep(0.02)

    def __enter__(self) -> ArgvWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _artifact_texts(root: Path) -> Iterator[tuple[str, bytes]]:
    """Every file under build/ and .sandbox/ (zips opened, plan files included), as bytes."""
    for base in (root / "build", root / ".sandbox"):
        for path in base.rglob("*"):
            if not path.is_file() or path.is_symlink():
                continue
            data = path.read_bytes()
            yield str(path.relative_to(root)), data
            if zipfile.is_zipfile(path):
                with zipfile.ZipFile(path) as archive:
                    for member in archive.namelist():
                        yield f"{path.relative_to(root)}!{member}", archive.read(member)


def test_canary_values_never_leak(checkout: Checkout) -> None:
    """Canary values set out-of-band reach the function (hashes match) but no state, plan, plan JSON, log, output or argv."""
    secret_canary = "CANARY-" + secrets.token_hex(12)
    secure_canary = "CANARY-" + secrets.token_hex(12)
    value_file = checkout.path.parent / "value.txt"
    value_file.write_text(secure_canary + "\n")
    with ArgvWatch() as watch:
        ok(checkout.make("put-secret", "NAME=/sandbox/demo/secrets/api_key", stdin=secret_canary + "\n"))
        ok(checkout.make("put-secret", "NAME=/sandbox/demo/secrets/db_password", f"FILE={value_file}"))
        value_file.unlink()
        output = ok(checkout.make("deploy"))  # the smoke test compares hashes with the stored canaries
        assert "FAIL" not in output
        ok(checkout.make("plan"))  # leaves a saved plan to search
    plan_file = checkout.path / "build/plans/sandbox.tfplan"
    assert plan_file.stat().st_mode & 0o777 == 0o600
    terraform = json.loads((checkout.path / "build/toolchain.json").read_text())["terraform"]
    shown = subprocess.run(
        [terraform, f"-chdir={checkout.path}/build/sandbox-tf/envs/sandbox", "show", "-json", str(plan_file)],
        env={
            **checkout.env,
            "TF_DATA_DIR": str(checkout.path / ".sandbox/tf-data"),
            "TF_CLI_CONFIG_FILE": str(checkout.path / "build/terraformrc-sandbox"),
        },
        capture_output=True,
        text=True,
        check=True,
    )
    searched = dict(_artifact_texts(checkout.path))
    searched["terraform show -json plan"] = shown.stdout.encode()
    searched["make output"] = "\n".join(checkout.transcript).encode()
    searched["process command lines"] = "\n".join(watch.seen).encode()
    assert any(name.endswith("terraform.tfstate") for name in searched) and any(".tfplan" in name for name in searched)
    assert any("logs/sandbox-demo.log" in name for name in searched)
    for canary in (secret_canary, secure_canary):
        leaks = [name for name, data in searched.items() if canary.encode() in data]
        assert leaks == [], f"canary found in {leaks}"


def test_bad_input_gets_one_line_and_a_fix(checkout: Checkout) -> None:
    """Unknown ENV, no saved plan, unknown names, empty values, missing AWS credentials."""
    cases = [
        (("deploy", "ENV=bogus"), None, {}, "unknown ENV 'bogus'"),
        (("put-secret", "NAME=/sandbox/demo/config/api_base_url"), "x", {}, "is a configuration parameter of app demo"),
        (
            ("put-secret", "NAME=/sandbox/orders/secrets/payment_tokn"),
            "x",
            {},
            "closest declared: /sandbox/orders/secrets/payment_token",
        ),
        (("put-secret", "NAME=/sandbox/demo/secrets/api_key"), "", {}, "the value is empty"),
        (
            ("plan", "ENV=dev"),
            None,
            {
                "AWS_CONFIG_FILE": "/dev/null",
                "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
                "AWS_ACCESS_KEY_ID": "",
                "AWS_SECRET_ACCESS_KEY": "",
                "AWS_PROFILE": "",
            },
            "terraform/envs/aws/dev.backend.hcl is missing",  # checked before the credentials (no network call)
        ),
    ]
    for args, stdin, env, message in cases:
        result = checkout.make(*args, stdin=stdin, env=env)
        errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
        assert result.returncode != 0 and errors and message in errors[0], (args, result.stderr[-2000:])
    plan = checkout.path / "build/plans/sandbox.tfplan"
    plan.write_bytes(b"not a plan file")
    result = checkout.make("apply")
    assert result.returncode != 0 and "apply for ENV=sandbox failed" in result.stderr, result.stderr[-2000:]
    assert "plan again: make plan ENV=sandbox" in result.stderr, result.stderr[-2000:]  # no record of its state
    assert not plan.exists()  # a saved plan is good for one apply only, even a bad one
    result = checkout.make("apply")
    assert result.returncode != 0 and "no saved plan for ENV=sandbox" in result.stderr and "make plan" in result.stderr


STRIP_DECRYPT = """
import json
from scripts.sandbox import server
iam = server.client(server.require_up(), "iam", "us-east-1")
doc = iam.get_role_policy(RoleName="sandbox-demo", PolicyName="permissions")["PolicyDocument"]
doc["Statement"] = [s for s in doc["Statement"] if "kms:Decrypt" not in json.dumps(s)]
iam.put_role_policy(RoleName="sandbox-demo", PolicyName="permissions", PolicyDocument=json.dumps(doc))
"""


def test_a_customer_managed_key_is_read_through_and_its_grant_is_needed(checkout: Checkout) -> None:
    """With create_kms_key on the demo app, its values are read through the key (the emulation checks
    kms:Decrypt as KMS does); a role without the key grant is refused the read."""
    tfvars = checkout.path / "terraform/envs/sandbox/terraform.tfvars"
    tfvars.write_text(tfvars.read_text().replace('source = "lambda_src"', 'source = "lambda_src"\n    create_kms_key = true', 1))
    output = ok(checkout.make("deploy"))
    assert "FAIL" not in output and re.search(r"smoke: (\d+) of \1 checks passed", output)
    assert re.search(r"PASS  policy allows Decrypt key \w+ via secretsmanager", output)
    assert re.search(r"PASS  policy denies Decrypt key \w+ directly", output)
    python = checkout.path / ".venv/bin/python"
    subprocess.run([str(python), "-c", STRIP_DECRYPT], cwd=checkout.path, env=checkout.env, check=True)
    result = checkout.make("smoke")
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "FAIL  read secrets/api_key" in output and "may not read it" in output, output[-2000:]


def test_a_misspelt_tfvars_key_is_refused_before_anything_runs(checkout: Checkout) -> None:
    """Terraform would ignore `memroy_size`: every make target refuses it first, naming the app, the line and the key meant."""
    tfvars = checkout.path / "terraform/envs/sandbox/terraform.tfvars"
    original = tfvars.read_text()
    tfvars.write_text(original.replace("memory_size = 512", "memroy_size = 512"))
    try:
        for target in ("plan", "deploy", "smoke", "package"):
            result = checkout.make(target)
            errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
            assert result.returncode == 2 and errors, (target, result.stderr[-1500:])
            assert re.search(
                r'terraform.tfvars:\d+: unknown key "memroy_size" in app orders: .*did you mean "memory_size"', errors[0]
            )
            assert "==> terraform plan" not in result.stderr
    finally:
        tfvars.write_text(original)


def test_a_third_app_is_one_tfvars_entry_and_a_folder(checkout: Checkout) -> None:
    """No other file edited: deploy, put-secret, smoke (APP= too), rotate and plan all cover the new app."""
    tfvars = checkout.path / "terraform/envs/sandbox/terraform.tfvars"
    original = tfvars.read_text()
    tfvars.write_text(original.rstrip().removesuffix("}") + BILLING + "}\n")
    folder = checkout.path / "apps" / "billing"
    folder.mkdir(parents=True)
    (folder / "handler.py").write_text(BILLING_HANDLER)
    output = ok(checkout.make("deploy"))
    assert "app billing (sandbox-billing)" in output and "FAIL" not in output
    assert "PASS  policy denies every item of app billing" in output  # the others are denied billing's items
    assert "/sandbox/billing/secrets/stripe_key: demo value set" in output
    canary = "CANARY-" + secrets.token_hex(12)
    ok(checkout.make("put-secret", "NAME=/sandbox/billing/secrets/stripe_key", stdin=canary))
    # make invoke with an event file: a handler that (by mistake) logs and returns the value gets it masked in both.
    event = checkout.path.parent / "leak.json"
    event.write_text('{"leak": true}')
    invoked = checkout.make("invoke", "APP=billing", f"EVENT_FILE={event}")
    output = invoked.stdout + invoked.stderr
    assert invoked.returncode == 0 and canary not in output, output[-2000:]
    assert output.count("(masked: /sandbox/billing/secrets/stripe_key)") == 2, output[-2000:]
    assert '"key_length": ' in ok(checkout.make("invoke", "APP=billing", 'EVENT={"leak": false}'))
    smoke = ok(checkout.make("smoke", "APP=billing"))
    assert "app billing (sandbox-billing)" in smoke and "app demo (sandbox-demo)" not in smoke and "FAIL" not in smoke
    rotated = ok(checkout.make("rotate", "APP=billing"))
    assert "/sandbox/billing/secrets/stripe_key: rotated" in rotated and "/sandbox/demo/" not in rotated
    assert "ENV=sandbox: no risks found · no changes" in ok(checkout.make("plan"))
    # Back to the two demo apps: billing's resources are destroyed by the next deploy, and with FAIL_ON=high
    # not at all (its secret's destruction is a high risk).
    tfvars.write_text(original)
    stopped = checkout.make("deploy", "FAIL_ON=high")
    output = stopped.stdout + stopped.stderr
    assert stopped.returncode != 0 and "FAIL_ON=high: high" in output and "not applied" in output, output[-2000:]
    state = json.loads((checkout.path / ".sandbox" / "terraform.tfstate").read_text())
    assert any(r.get("module") == 'module.stack["billing"]' for r in state["resources"])  # nothing destroyed
    ok(checkout.make("deploy"))


BILLING = """
  billing = {
    secrets = {
      "secrets/stripe_key" = { rotation = { strategy = "generated", days = 30 } }
    }
    parameters = { "config/api_url" = { value = "https://api.stripe.com" } }
  }
"""
BILLING_HANDLER = """import secrets_client
import smoke_probe


@smoke_probe.answers
def handler(event, context):
    key = secrets_client.get_secret("secrets/stripe_key")
    if event.get("leak"):  # a bug make invoke must not print: the value logged and returned
        print("debug: key is " + key)
        return {"key": key}
    return {"key_length": len(key)}
"""


def test_destroy_then_smoke_says_nothing_is_deployed(checkout: Checkout) -> None:
    """`make destroy` leaves an empty state; a smoke test afterwards explains what to do."""
    ok(checkout.make("destroy"))
    state = json.loads((checkout.path / ".sandbox/terraform.tfstate").read_text())
    assert state["resources"] == []
    result = checkout.make("smoke")
    assert result.returncode != 0 and "nothing is deployed for ENV=sandbox" in result.stderr


def test_sandbox_down_is_reported(checkout: Checkout) -> None:
    """With the sandbox stopped, commands say how to start it."""
    ok(checkout.make("sandbox-down"))
    status = checkout.make("sandbox-status")
    assert status.returncode != 0 and "sandbox: down" in status.stdout
    result = checkout.make("smoke")
    assert result.returncode != 0 and "the sandbox is not running" in result.stderr and "make sandbox-up" in result.stderr
