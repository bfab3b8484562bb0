"""The sandbox trusts no one it did not start, and one checkout runs one command at a time (issue 23).

Real `make` runs in a fresh copy of the repository with its own SANDBOX_PORT, as in
test_side_by_side.py. Another local user is played by `nobody` (setpriv, so these tests need
root; they skip otherwise) running the system Python with the standard library only.
Run alone with: .venv/bin/python -m pytest -m reliability tests/reliability/test_sandbox_trust.py
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ALL_PASSED, CANARY_PREFIX, Checkout, ok

SETPRIV = shutil.which("setpriv")
SYSTEM_PYTHON = next((p for p in ("/usr/bin/python3", "/bin/python3") if Path(p).is_file()), None)
as_another_user = pytest.mark.skipif(
    os.geteuid() != 0 or SETPRIV is None or SYSTEM_PYTHON is None,
    reason="playing another local user needs root, setpriv and a system python3",
)
NOBODY = [SETPRIV or "setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]

# A client another user could write: SigV4 by the book (standard library only), reading a secret
# and a SecureString with the key pair it is given, plus the raw requests of the issue (no
# signature; a made-up SigV4 header; moto's data dump). Prints one JSON line per request.
INTRUDER = r"""
import datetime, hashlib, hmac, json, sys, urllib.request, urllib.error
url, key_id, secret, secret_id, parameter = sys.argv[1:6]
host = url.split("//", 1)[1]
def sign(service, target, body):
    now = datetime.datetime.now(datetime.timezone.utc)
    stamp, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    headers = {"content-type": "application/x-amz-json-1.1", "host": host, "x-amz-date": stamp, "x-amz-target": target}
    names = ";".join(sorted(headers))
    canonical = "\n".join(["POST", "/", "", "".join(f"{k}:{headers[k]}\n" for k in sorted(headers)), names,
                           hashlib.sha256(body).hexdigest()])
    scope = f"{day}/us-east-1/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + secret).encode()
    for part in (day, "us-east-1", service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = f"AWS4-HMAC-SHA256 Credential={key_id}/{scope}, SignedHeaders={names}, Signature={signature}"
    return headers
def send(name, method, path, headers, body=None):
    request = urllib.request.Request(url + path, data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, text = response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as exc:
        status, text = exc.code, exc.read().decode(errors="replace")
    print(json.dumps({"name": name, "status": status, "body": text}), flush=True)
calls = [
    ("secretsmanager", "secretsmanager.GetSecretValue", {"SecretId": secret_id}),
    ("ssm", "AmazonSSM.GetParameter", {"Name": parameter, "WithDecryption": True}),
]
for service, target, payload in calls:
    body = json.dumps(payload).encode()
    send(target, "POST", "/", sign(service, target, body), body)
body = json.dumps({"SecretId": secret_id}).encode()
made_up = {"content-type": "application/x-amz-json-1.1", "x-amz-target": "secretsmanager.GetSecretValue",
           "authorization": "AWS4-HMAC-SHA256 Credential=sandbox/20260101/us-east-1/secretsmanager/aws4_request, "
                            "SignedHeaders=host;x-amz-date, Signature=" + "0" * 64}
send("made-up signature", "POST", "/", made_up, body)
send("unsigned", "POST", "/", {"content-type": "application/x-amz-json-1.1",
                               "x-amz-target": "secretsmanager.GetSecretValue"}, body)
send("moto data dump", "GET", "/moto-api/data.json", {})
try:
    open(sys.argv[6]).read()
    print(json.dumps({"name": "read credentials", "status": 200, "body": "readable"}))
except OSError as exc:
    print(json.dumps({"name": "read credentials", "status": 0, "body": type(exc).__name__}))
"""

# A stranger's HTTP server: answers every request as if it were the sandbox, and prints every
# byte it receives (hex, one line per read) to stdout, where the test collects it.
STRANGER = r"""
import http.server, sys
class Handler(http.server.BaseHTTPRequestHandler):
    def _any(self):
        length = int(self.headers.get("Content-Length") or 0)
        data = self.requestline.encode() + b"\n" + bytes(self.headers) + self.rfile.read(length)
        print(data.hex(), flush=True)
        body = b'{"ARN": "arn", "Name": "x", "VersionId": "fake-1", "front": "x", "pid": 1, "lambda": {}}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    do_GET = do_POST = do_PUT = _any
    def log_message(self, *args):
        pass
print("listening", flush=True)
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"""


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Checkout]:
    repo = Checkout.fresh(tmp_path_factory.mktemp("trust") / "repo")
    yield repo
    repo.make("sandbox-down")


def _fronts(checkout: Checkout) -> list[int]:
    """The pids of every sandbox server this checkout has running."""
    marker = f"{checkout.path}/.sandbox/credentials.json"
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            line = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "scripts.sandbox.front" in line and marker in line:
            found.append(int(cmdline.parent.name))
    return found


def _deployed(checkout: Checkout) -> None:
    assert ALL_PASSED.search(ok(checkout.make("deploy")))


def _make_in_background(checkout: Checkout, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        ["make", "--no-print-directory", *args],
        cwd=checkout.path,
        env=checkout.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait_for_holder(lock: Path, command: str, timeout: float = 60) -> int:
    """The pid the checkout's lock file names once `command` holds it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            record = json.loads(lock.read_text() or "{}")
        except (OSError, ValueError):
            record = {}
        if record.get("command") == command and Path(f"/proc/{record['pid']}").exists():
            return int(record["pid"])
        time.sleep(0.05)
    raise AssertionError(f"{command} never took {lock}")


def test_two_deploys_in_one_checkout_wait_for_each_other_and_leave_one_sandbox(checkout: Checkout) -> None:
    """From clean: a second make deploy waits for the first (saying so), a NO_WAIT=1 one stops at once
    naming the holder; both deploys pass; one sandbox server runs, tracked, and sandbox-down stops it."""
    ok(checkout.make("clean"))
    first = _make_in_background(checkout, "deploy")
    try:
        holder = _wait_for_holder(checkout.path / f".sandbox/lock-{checkout.env['SANDBOX_PORT']}", "make deploy")
        started = time.monotonic()
        refused = checkout.make("plan", env={"NO_WAIT": "1"})
        assert refused.returncode == 2 and time.monotonic() - started < 10
        assert f"error: make deploy (pid {holder}) is running in this checkout" in refused.stderr, refused.stderr
        second = checkout.make("deploy")
        first_output, _ = first.communicate(timeout=600)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 0, first_output[-3000:]
    assert ALL_PASSED.search(first_output)
    second_output = ok(second)
    assert f"waiting for make deploy (pid {holder}) in this checkout" in second_output
    assert ALL_PASSED.search(second_output)
    assert second_output.count("sandbox up at") == 0 and first_output.count("sandbox up at") == 1

    fronts = _fronts(checkout)
    pid_file = json.loads((checkout.path / ".sandbox/moto.pid").read_text())
    assert fronts == [pid_file["pid"]], (fronts, pid_file)
    assert "sandbox: up" in ok(checkout.make("sandbox-status"))
    assert "checkov: skipped (the plan changes no resource)" in ok(checkout.make("plan"))  # nothing orphaned
    ok(checkout.make("sandbox-down"))
    assert _fronts(checkout) == []
    status = checkout.make("sandbox-status")
    assert status.returncode != 0 and "sandbox: down" in status.stdout


def test_two_plans_at_once_each_scan_their_own_plan(checkout: Checkout) -> None:
    """The issue's case: a concurrent plan deleted the other's plan JSON and checkov reported 0/0/0.
    Now the second waits, and each scan finds the plan's resources."""
    ok(checkout.make("clean"))
    first = _make_in_background(checkout, "plan")
    try:
        _wait_for_holder(checkout.path / f".sandbox/lock-{checkout.env['SANDBOX_PORT']}", "make plan")
        second = ok(checkout.make("plan"))
        first_output, _ = first.communicate(timeout=600)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 0, first_output[-3000:]
    for output in (first_output, second):
        scanned = re.search(r"checkov: (\d+) passed, (\d+) failed", output)
        assert scanned and int(scanned[1]) + int(scanned[2]) > 0, output[-2000:]


def test_a_missing_or_empty_plan_file_scanned_is_an_error(checkout: Checkout, tmp_path: Path) -> None:
    """checkov itself reports 0 passed / 0 failed for a missing or empty file, for JSON that is no plan,
    and for a plan it cannot read; the scan refuses each instead."""
    empty, other, unreadable = tmp_path / "empty.json", tmp_path / "other.json", tmp_path / "unreadable.json"
    empty.write_text("")
    other.write_text("{}")
    resource = {"address": "aws_s3_bucket.b", "mode": "managed", "type": "aws_s3_bucket", "name": "b", "values": {}}
    unreadable.write_text(json.dumps({"format_version": "1.2", "planned_values": {"root_module": {"resources": [resource]}}}))
    cases = [
        (tmp_path / "gone.json", f"checkov was asked to scan {tmp_path / 'gone.json'}, which does not exist"),
        (empty, f"checkov was asked to scan {empty}, which is empty"),
        (other, f"checkov was asked to scan {other}, which is not a Terraform plan's JSON"),
        (unreadable, f"checkov scanned no resource of {unreadable}, which plans 1"),
    ]
    for path, message in cases:
        code = (
            "from pathlib import Path\n"
            "from scripts.common import run_main\n"
            "from scripts.review.scan import scan_plan\n"
            f"run_main(lambda: print(scan_plan(Path({str(path)!r}), Path('terraform'))) or 0)\n"
        )
        python = str(checkout.path / ".venv/bin/python")
        result = subprocess.run([python, "-c", code], cwd=checkout.path, env=checkout.env, capture_output=True, text=True)
        assert result.returncode == 2, result.stdout + result.stderr
        assert f"error: {message}" in result.stderr and "make the plan again: make plan" in result.stderr
        assert "'passed': 0" not in result.stdout


@as_another_user
def test_another_local_user_is_refused_by_the_sandbox(checkout: Checkout) -> None:
    """`nobody` cannot read the credentials, and gets nothing from the sandbox: not with a key pair of its
    own, not with this checkout's access key id and a guessed secret, not unsigned or with a made-up
    signature, not through moto's data dump. The same client with the real key pair reads the secret
    (so the refusals are the front's doing, not a broken client)."""
    _deployed(checkout)
    canary = CANARY_PREFIX + "nobody-" + "z" * 8
    ok(checkout.make("put-secret", "NAME=/sandbox/demo/secrets/api_key", stdin=canary))
    port = checkout.env["SANDBOX_PORT"]
    url = f"http://127.0.0.1:{port}"
    credentials_file = checkout.path / ".sandbox/credentials.json"
    assert stat.S_IMODE(credentials_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(credentials_file.parent.stat().st_mode) == 0o700
    keys = json.loads(credentials_file.read_text())
    names = ("/sandbox/demo/secrets/api_key", "/sandbox/demo/secrets/db_password", str(credentials_file))

    def intrude(key_id: str, secret: str, *, user: list[str]) -> dict[str, dict[str, str]]:
        result = subprocess.run(
            [*user, str(SYSTEM_PYTHON), "-I", "-c", INTRUDER, url, key_id, secret, *names],
            cwd="/",
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return {answer["name"]: answer for answer in map(json.loads, result.stdout.splitlines())}

    owner = intrude(keys["access_key_id"], keys["secret_access_key"], user=[])
    assert json.loads(owner["secretsmanager.GetSecretValue"]["body"])["SecretString"] == canary

    for key_id, secret in (("AKIANOBODY0000000000", "nobody-secret"), (keys["access_key_id"], "x" * 40)):
        answers = intrude(key_id, secret, user=NOBODY)
        assert answers["read credentials"]["body"] == "PermissionError"
        for name, answer in answers.items():
            assert canary not in answer["body"], name
            if name != "read credentials":
                assert answer["status"] in (400, 403) and "refused by the sandbox" in answer["body"], (name, answer)
        for name in ("secretsmanager.GetSecretValue", "AmazonSSM.GetParameter", "made-up signature", "unsigned"):
            assert json.loads(answers[name]["body"])["__type"] == "AccessDeniedException", answers[name]
    log = (checkout.path / ".sandbox/moto.log").read_text()
    assert canary not in log and keys["secret_access_key"] not in log


@as_another_user
def test_a_strangers_server_on_the_port_gets_no_byte_of_a_secret(checkout: Checkout) -> None:
    """After sandbox-down, another user's HTTP server on the port: put-secret, smoke and rotate refuse,
    name the holder, and send it nothing (no request at all, so no byte of the value)."""
    _deployed(checkout)
    ok(checkout.make("sandbox-down"))
    port = checkout.env["SANDBOX_PORT"]
    stranger = subprocess.Popen(
        [*NOBODY, str(SYSTEM_PYTHON), "-I", "-c", STRANGER, port],
        cwd="/",
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert stranger.stdout is not None and stranger.stdout.readline().strip() == "listening"
        canary = CANARY_PREFIX + "stranger-" + "y" * 8
        results = [
            checkout.make("put-secret", "NAME=/sandbox/demo/secrets/api_key", stdin=canary),
            checkout.make("smoke"),
            checkout.make("rotate"),
        ]
    finally:
        stranger.terminate()
        received, errors = stranger.communicate(timeout=10)
    for result in results:
        lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
        assert result.returncode == 2 and len(lines) == 1, result.stderr[-2000:]
        assert f"port {port} is taken by another program (pid {stranger.pid}" in lines[0] or "(owned by user nobody)" in lines[0]
        assert "nothing was sent to it" in lines[0]  # the whole message on its one line
        assert canary not in result.stdout + result.stderr
        assert "new value stored" not in result.stdout + result.stderr
    data = b"".join(bytes.fromhex(line) for line in received.split())
    assert data == b"", data[:300]
    assert canary.encode() not in data
