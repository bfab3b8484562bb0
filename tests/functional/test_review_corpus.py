"""The plan review on a corpus of risky and harmless changes, each a real plan of a real root.

One moto server, one `terraform init`, one apply of the base values
(tests/fixtures/plan_review/corpus), then one saved plan per case (no apply, -refresh=false:
the state was just written). Each risky case asserts its finding, its severity and the exit
code at each --fail-on threshold; each harmless case asserts no risk at all. The leak cases
plant literal secret-looking values (an environment variable, an output, a tfvars value)
and search every review file, the terminal output and the JSON for them.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from scripts import review, toolchain
from scripts.common import run
from scripts.review.sources import Sources
from scripts.sandbox import bridge, server
from scripts.terraform import terraform_env
from tests.conftest import ROOT, moto_server

ACCOUNT = "123456789012"
REGION = "us-east-1"
SECRET_ARNS = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:/corpus/app/secrets/*"
ENV_CANARY = "CANARY-env-" + "e1" * 6
OUTPUT_CANARY = "CANARY-output-" + "o2" * 6
TFVARS_CANARY = "CANARY-tfvars-" + "t3" * 6
MASKED_ENV_CANARY = "CANARY-maskenv-" + "m4" * 6
CANARIES = (ENV_CANARY, OUTPUT_CANARY, TFVARS_CANARY, MASKED_ENV_CANARY)


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


READ_SECRETS = {"Sid": "ReadSecrets", "Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"], "Resource": [SECRET_ARNS]}
RANDOM = {"Sid": "Random", "Effect": "Allow", "Action": ["secretsmanager:GetRandomPassword"], "Resource": "*"}
VIA = {"StringEquals": {"kms:ViaService": [f"secretsmanager.{REGION}.amazonaws.com"]}}
DECRYPT = {"Sid": "Decrypt", "Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": "*", "Condition": VIA}
LAMBDA_TRUST = {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "lambda.amazonaws.com"}}
KEY_POLICY = {
    "Sid": "Account",
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
    "Action": "kms:*",
    "Resource": "*",
}
BASE_ENV = {
    "APP_SECRET_IDS": "/corpus/app/secrets/api_key",
    "APP_PARAMETER_NAMES": "/corpus/app/secrets/db_url",
    "PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED": "TRUE",
    "SECRETS_MANAGER_TTL": "300",
    "SSM_PARAMETER_STORE_TTL": "300",
}
BASE = {
    "read_policy": policy(READ_SECRETS, RANDOM, DECRYPT),
    "trust_policy": policy(LAMBDA_TRUST),
    "extra_policy": "",
    "managed_policy_arns": [],
    "secret_name": "/corpus/app/secrets/api_key",
    "secret_description": "the API key",
    "recovery_window": 30,
    "secret_policy": "",
    "kms_enabled": True,
    "kms_is_enabled": True,
    "kms_policy": policy(KEY_POLICY),
    "late_key": False,
    "late_document": False,
    "queue_policy": "",
    "parameter_type": "SecureString",
    "lambda_env": BASE_ENV,
    "memory_size": 256,
    "permission_principal": "",
    "permission_source_account": "",
    "log_retention": 7,
    "tags": {"App": "corpus"},
    "auth_token_output": "",
    "db_password": "",
}


@dataclass(frozen=True)
class Case:
    name: str
    values: dict[str, Any]
    expect: tuple[tuple[str, str, str], ...] = ()  # (severity, title contains, address contains)
    worst: str | None = None  # the most severe risk; None: no risk at all


CASES = (
    # 1. policy analysis
    Case(
        "new-inline-admin",
        {"extra_policy": policy({"Effect": "Allow", "Action": "*", "Resource": "*"})},
        (("high", "IAM: wildcard action", "aws_iam_role_policy.extra[0]"),),
        "high",
    ),
    Case(
        "put-on-existing-star",
        {
            "read_policy": policy(
                READ_SECRETS, {**RANDOM, "Action": [*RANDOM["Action"], "secretsmanager:PutSecretValue"]}, DECRYPT
            )
        },
        (("high", "IAM: write action on every resource", "aws_iam_role_policy.read"),),
        "high",
    ),
    Case(
        "public-secret-policy",
        {
            "secret_policy": policy(
                {"Effect": "Allow", "Principal": "*", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}
            )
        },
        (("high", "public principal", "aws_secretsmanager_secret_policy.api[0]"),),
        "high",
    ),
    Case(
        "via-service-weakened",
        {"read_policy": policy(READ_SECRETS, RANDOM, {**DECRYPT, "Condition": {"StringLike": {"kms:ViaService": "*"}}})},
        (("high", "condition weakened", "aws_iam_role_policy.read"),),
        "high",
    ),
    Case(
        "via-service-removed",
        {"read_policy": policy(READ_SECRETS, RANDOM, {k: v for k, v in DECRYPT.items() if k != "Condition"})},
        (("high", "condition removed", "aws_iam_role_policy.read"),),
        "high",
    ),
    Case(
        "if-exists-added",
        {"read_policy": policy(READ_SECRETS, RANDOM, {**DECRYPT, "Condition": {"StringEqualsIfExists": VIA["StringEquals"]}})},
        (("high", "condition weakened", "aws_iam_role_policy.read"),),
        "high",
    ),
    Case(
        "pass-role-in-read-policy",
        {
            "read_policy": policy(
                READ_SECRETS,
                RANDOM,
                DECRYPT,
                {"Effect": "Allow", "Action": "iam:PassRole", "Resource": f"arn:aws:iam::{ACCOUNT}:role/corpus-fn"},
            )
        },
        (("high", "IAM: permission-management action", "aws_iam_role_policy.read"),),
        "high",
    ),
    Case(
        "write-in-read-policy",
        {
            "read_policy": policy(
                {**READ_SECRETS, "Action": ["secretsmanager:GetSecretValue", "secretsmanager:UpdateSecret"]}, RANDOM, DECRYPT
            )
        },
        (("medium", "IAM: write action in a read policy", "aws_iam_role_policy.read"),),
        "medium",
    ),
    Case(
        "read-on-star",
        {"read_policy": policy({**READ_SECRETS, "Resource": "*"}, RANDOM, DECRYPT)},
        (
            ("high", "IAM: broader resource", "aws_iam_role_policy.read"),
            ("high", "IAM: reads every secret", "aws_iam_role_policy.read"),
        ),
        "high",
    ),
    Case(
        "broader-path",
        {
            "read_policy": policy(
                {**READ_SECRETS, "Resource": [f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:/corpus/*"]}, RANDOM, DECRYPT
            )
        },
        (("high", "IAM: broader resource", "aws_iam_role_policy.read"),),
        "high",
    ),
    Case(
        "service-wide",
        {"extra_policy": policy({"Effect": "Allow", "Action": "secretsmanager:*", "Resource": SECRET_ARNS})},
        (("high", "IAM: service-wide action", "aws_iam_role_policy.extra[0]"),),
        "high",
    ),
    Case(
        "not-action",
        {"extra_policy": policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})},
        (("high", "NotAction", "aws_iam_role_policy.extra[0]"),),
        "high",
    ),
    Case(
        "trust-other-account",
        {"trust_policy": policy(LAMBDA_TRUST, {**LAMBDA_TRUST, "Principal": {"AWS": "arn:aws:iam::999999999999:root"}})},
        (("high", "trust policy: new principal", "aws_iam_role.fn"), ("high", "cross-account principal", "aws_iam_role.fn")),
        "high",
    ),
    Case(
        "admin-attachment",
        {"managed_policy_arns": ["arn:aws:iam::aws:policy/AdministratorAccess"]},
        (("high", "admin managed policy attached", "aws_iam_role_policy_attachment.managed"),),
        "high",
    ),
    Case(
        "lambda-permission-no-source",
        {"permission_principal": "s3.amazonaws.com"},
        (("medium", "Lambda permission without source ARN or account", "aws_lambda_permission.invoke[0]"),),
        "medium",
    ),
    Case(
        "lambda-permission-public",
        {"permission_principal": "*"},
        (("high", "public Lambda permission", "aws_lambda_permission.invoke[0]"),),
        "high",
    ),
    Case(
        "key-policy-unknown",
        {"late_key": True, "late_document": True},
        (("medium", "policy unknown until apply", "aws_kms_key.late_document[0]"),),
        "medium",
    ),
    Case(
        "public-queue-policy",
        {
            "queue_policy": policy(
                {"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": "*"},
            )
        },
        (("high", "public principal", "aws_sqs_queue.jobs"),),
        "high",
    ),
    Case(
        "key-policy-public",
        {
            "kms_policy": policy(
                KEY_POLICY, {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*"}
            )
        },
        (("high", "public principal", "aws_kms_key.main[0]"),),
        "high",
    ),
    # 2. lifecycle
    Case(
        "recovery-window-zero",
        {"recovery_window": 0},
        (("high", "recovery window removed", "aws_secretsmanager_secret.api"),),
        "high",
    ),
    Case(
        "recovery-window-shorter",
        {"recovery_window": 7},
        (("low", "recovery window shortened", "aws_secretsmanager_secret.api"),),
        "low",
    ),
    Case(
        "key-deleted",
        {"kms_enabled": False},
        (("high", "KMS key scheduled for deletion", "aws_kms_key.main[0]"),),
        "high",
    ),
    Case(
        "key-disabled",
        {"kms_is_enabled": False},
        (("high", "KMS key disabled", "aws_kms_key.main[0]"),),
        "high",
    ),
    Case(
        "securestring-to-string",
        {"parameter_type": "String"},
        (("high", "SecureString becomes a String", "aws_ssm_parameter.db"),),
        "high",
    ),
    Case(
        "secret-renamed",
        {"secret_name": "/corpus/app/secrets/api_key_v2"},
        (("high", "secret replaced", "aws_secretsmanager_secret.api"),),
        "high",
    ),
    # 3. leaks
    Case(
        "secret-env-var",
        {"lambda_env": {**BASE_ENV, "API_KEY": ENV_CANARY}},
        (("high", "secret-looking environment variable", "aws_lambda_function.fn"),),
        "high",
    ),
    Case(
        "secret-output",
        {"auth_token_output": OUTPUT_CANARY},
        (("medium", "output may expose a secret", "output.auth_token"),),
        "medium",
    ),
    Case(
        "tfvars-secret",
        {"db_password": TFVARS_CANARY},
        (("medium", "secret-looking variable with a value", "var.db_password"),),
        "medium",
    ),
    # harmless: no risk at all
    Case("noop", {}),
    Case("tags-changed", {"tags": {"App": "corpus", "Team": "platform"}}),
    Case("description-changed", {"secret_description": "the third-party API key"}),
    Case("memory-raised", {"memory_size": 512}),
    Case("retention-raised", {"log_retention": 14}),
    Case("ttl-lowered", {"lambda_env": {**BASE_ENV, "SECRETS_MANAGER_TTL": "60"}}),
    Case("grant-narrowed", {"read_policy": policy(READ_SECRETS, RANDOM)}),
    Case(
        "deny-added",
        {
            "read_policy": policy(
                READ_SECRETS, RANDOM, DECRYPT, {"Effect": "Deny", "Action": "secretsmanager:DeleteSecret", "Resource": "*"}
            )
        },
    ),
    Case(
        "specific-read-added",
        {
            "read_policy": policy(
                {
                    **READ_SECRETS,
                    "Resource": [SECRET_ARNS, f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:/corpus/shared/x-AbCdEf"],
                },
                RANDOM,
                DECRYPT,
            )
        },
    ),
    Case("permission-with-source", {"permission_principal": "s3.amazonaws.com", "permission_source_account": ACCOUNT}),
    # a key policy naming a role made in the same apply: resolved from the configuration, not "unknown"
    Case("key-policy-resolved", {"late_key": True}),
    Case(
        "own-account-queue-policy",
        {
            "queue_policy": policy(
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                    "Action": "sqs:SendMessage",
                    "Resource": "*",
                },
            )
        },
    ),
    Case("masked-by-env-name", {"tags": {"App": "corpus", "Build": MASKED_ENV_CANARY}}),
)


@dataclass
class Planned:
    review: review.Review
    plan_json: Path


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return 'ok'\n")
    return buffer.getvalue()


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Planned]]:
    """Every case's review, from real plans: one init, one apply of the base, one plan per case."""
    work = tmp_path_factory.mktemp("corpus")
    root = work / "root"
    shutil.copytree(ROOT / "tests/fixtures/plan_review/corpus", root)
    package = work / "package.zip"
    package.write_bytes(_zip())
    with moto_server(work / "moto.log") as endpoint:
        provider = bridge.sandbox_provider(endpoint, "us-east-1")  # the sandbox's services, and SQS for the queue case
        (root / "corpus_override.tf").write_text(
            provider.replace("  endpoints {\n", f'  endpoints {{\n    sqs = "{endpoint}"\n', 1)
        )
        env = terraform_env(toolchain.CLI_CONFIG, work / "tf-data") | server.credentials_env(endpoint)
        terraform = toolchain.load().terraform

        def tf(*args: str) -> subprocess.CompletedProcess[str]:
            return run([terraform, f"-chdir={root}", *args, "-input=false", "-no-color"], env=env, capture=True, echo=False)

        def values(case: Case) -> Path:
            path = work / f"{case.name}.tfvars.json"
            path.write_text(json.dumps({**BASE, "package": str(package), **case.values}))
            return path

        tf("init")
        tf("apply", "-auto-approve", f"-var-file={values(Case('base', {}))}")

        def plan(case: Case) -> Planned:
            plan_file = work / f"{case.name}.tfplan"
            tf("plan", "-refresh=false", "-lock=false", f"-var-file={values(case)}", f"-out={plan_file}")
            shown = run([terraform, f"-chdir={root}", "show", "-json", str(plan_file)], env=env, capture=True, echo=False)
            plan_json = work / "plans" / f"{case.name}.tfplan.json"
            plan_json.parent.mkdir(exist_ok=True)
            plan_json.write_text(shown.stdout)
            os.environ.setdefault("CORPUS_BUILD_LABEL", MASKED_ENV_CANARY)
            loaded = review.load_plan(plan_json)
            sources = Sources.locate(loaded, "corpus", base=work, repository=work)
            reviewed = review.review(loaded, "corpus", review.load_usage(None), masks=["env:CORPUS_BUILD_LABEL"], sources=sources)
            return Planned(reviewed, plan_json)

        with ThreadPoolExecutor(max_workers=2) as pool:
            planned = dict(zip([c.name for c in CASES], pool.map(plan, CASES)))
        yield planned


RISKY = [c for c in CASES if c.worst]
HARMLESS = [c for c in CASES if not c.worst]
THRESHOLDS = ("high", "medium", "low")


@pytest.mark.parametrize("case", RISKY, ids=[c.name for c in RISKY])
def test_risky_change_is_found_with_its_severity_and_exit_codes(corpus: dict[str, Planned], case: Case) -> None:
    """The expected finding at the expected severity; exit 1 exactly at the thresholds it reaches."""
    r = corpus[case.name].review
    found = [(x.severity, x.title, x.address) for x in r.risks]
    for severity, title, address in case.expect:
        assert any(s == severity and title in t and address in a for s, t, a in found), (case.name, found)
    assert r.worst() == case.worst, found
    expected = {t: int(THRESHOLDS.index(case.worst) <= THRESHOLDS.index(t)) for t in THRESHOLDS}
    assert {t: review.exit_code(r, t) for t in THRESHOLDS} == expected
    assert review.exit_code(r, "none") == 0


@pytest.mark.parametrize("case", HARMLESS, ids=[c.name for c in HARMLESS])
def test_harmless_change_raises_no_risk(corpus: dict[str, Planned], case: Case) -> None:
    """A false alarm is a defect too: no risk, exit 0 at every threshold."""
    r = corpus[case.name].review
    assert r.risks == [], [(x.severity, x.title, x.address, x.detail) for x in r.risks]
    assert all(review.exit_code(r, t) == 0 for t in THRESHOLDS)


def test_the_rename_says_what_forced_it_and_that_the_new_secret_is_empty(corpus: dict[str, Planned]) -> None:
    """Replacement: the forcing attribute old → new, the order, and the empty new secret."""
    r = corpus["secret-renamed"].review
    (entry,) = r.changes["replace"]
    assert entry["forced_by"] == ["name: /corpus/app/secrets/api_key → /corpus/app/secrets/api_key_v2"]
    assert entry["order"] == "destroy before create"
    (risk,) = [x for x in r.risks if x.title == "secret replaced"]
    assert "starts empty" in risk.detail and "restored for 30 days" in risk.detail


def test_cost_is_before_and_after_from_the_plan(corpus: dict[str, Planned]) -> None:
    """The TTL in the function's configuration drives the API bill; memory drives duration."""
    ttl = corpus["ttl-lowered"].review.cost
    api = next(row for row in ttl["rows"] if row["item"] == "Secrets Manager API")
    assert api["after_usd"] > api["before_usd"] > 0
    assert ttl["headline"].startswith(f"monthly estimate ${ttl['before_usd']:,.2f} → ${ttl['after_usd']:,.2f}, +")
    memory = corpus["memory-raised"].review.cost
    duration = next(row for row in memory["rows"] if row["item"] == "Lambda duration")
    assert duration["after_usd"] == pytest.approx(2 * duration["before_usd"], abs=0.01)
    assert corpus["noop"].review.cost["before_usd"] == corpus["noop"].review.cost["after_usd"]


LEAKS = ("secret-env-var", "secret-output", "tfvars-secret", "masked-by-env-name")


@pytest.mark.parametrize("name", LEAKS)
def test_no_secret_looking_value_in_any_review_file_or_terminal(corpus: dict[str, Planned], name: str) -> None:
    """Canaries planted as an env var, an output, a tfvars value and a --mask env: value appear nowhere we write or print."""
    plan_json = corpus[name].plan_json
    empty = plan_json.parent / "no-team-rules"
    empty.mkdir(exist_ok=True)
    assert any(c in plan_json.read_text() for c in CANARIES)  # the plan itself holds it: the test can fail
    env = {**os.environ, "NO_COLOR": "1", "CORPUS_BUILD_LABEL": MASKED_ENV_CANARY}
    result = subprocess.run(
        [sys.executable, "-m", "scripts.review", "--plan-json", str(plan_json), "--env", "corpus", "--no-scan"]
        + ["--mask", "env:CORPUS_BUILD_LABEL", "--fail-on", "low", "--sources", str(plan_json)]
        + ["--policy", str(empty)],  # the built-in rules only: the example team rules want tags this root does not set
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert result.returncode == (0 if name == "masked-by-env-name" else 1), result.stderr
    written = [plan_json.with_name(f"{name}.review{s}") for s in (".md", ".json", ".sarif")]
    for text in [result.stdout, result.stderr] + [p.read_text() for p in written]:
        for canary in CANARIES:
            assert canary not in text
    for path in written:
        assert path.stat().st_mode & 0o777 == 0o600
