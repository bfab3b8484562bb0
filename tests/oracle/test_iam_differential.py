"""scripts/iam/policy.py against an independent IAM simulator, over seeded generated cases.

The oracle is npm @cloud-copilot/iam-simulate (AGPL-3.0): a test-time tool only, pinned in
tests/oracle/package.json + package-lock.json, installed with `npm ci` into build/oracle/
(git-ignored) when missing, and run once for all cases by tests/oracle/simulate.js. Nothing
of it is imported or shipped by the product.

Every disagreement must fall into one of the DIFFERENCES below, each with the sentence of
AWS's documentation that says which side is right; anything else fails the test.
"""

from __future__ import annotations

import collections
import json
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from scripts.iam import policy
from tests.conftest import ROOT
from tests.oracle import cases as generated

pytestmark = pytest.mark.functional

ORACLE_SOURCE = ROOT / "tests" / "oracle"
ORACLE_DIR = ROOT / "build" / "oracle"
DECISIONS = {"Allowed": "allowed", "ExplicitlyDenied": "explicit_deny", "ImplicitlyDenied": "implicit_deny"}
MINIMUM_CASES = 3000


def _statements(case: dict[str, Any]) -> list[dict[str, Any]]:
    found = [s for p in case["policies"] for s in policy._as_list(p["Statement"])]
    if case["resourcePolicy"]:
        found += policy._as_list(case["resourcePolicy"]["Statement"])
    return found


def _conditions(case: dict[str, Any]) -> list[tuple[str, str, list[str]]]:
    """(operator, key, values) of every condition in the case's policies."""
    return [
        (operator, key, [str(v) for v in policy._as_list(values)])
        for statement in _statements(case)
        for operator, tests in statement.get("Condition", {}).items()
        for key, values in tests.items()
    ]


def _present(case: dict[str, Any], key: str) -> bool:
    return key.lower() in {k.lower() for k in case["context"]}


def _segment_ending_star(case: dict[str, Any]) -> bool:
    """A Resource pattern with a `*` ending one of the first five ARN segments (it may cross colons)."""
    patterns = [r for s in _statements(case) for r in policy._as_list(s.get("Resource", s.get("NotResource", [])))]
    return any(p != "*" and any(part.endswith("*") for part in p.split(":", 5)[:5]) for p in patterns)


def _set_operator_if_exists_on_absent_key(case: dict[str, Any]) -> bool:
    return any(
        op.lower().startswith(("forallvalues:", "foranyvalue:")) and op.lower().endswith("ifexists") and not _present(case, key)
        for op, key, _ in _conditions(case)
    )


def _variable_without_value_in_negated_operator(case: dict[str, Any]) -> bool:
    context = policy.normalize_context(case["context"])
    for operator, _, values in _conditions(case):
        if "not" not in operator.lower():
            continue
        for value in values:
            for name in policy._VARIABLE.findall(value):
                if name.split(",")[0].strip().lower() not in context:
                    return True
    return False


def _ip_zero_prefix(case: dict[str, Any]) -> bool:
    return any("ipaddress" in op.lower() and any(v.endswith("/0") for v in values) for op, _, values in _conditions(case))


def _plain_ip_of_the_other_family(case: dict[str, Any]) -> bool:
    context = policy.normalize_context(case["context"])
    for operator, key, values in _conditions(case):
        actual = context.get(key.lower())
        if "notipaddress" in operator.lower() and isinstance(actual, str):
            if any("/" not in v and (":" in v) != (":" in actual) for v in values):
                return True
    return False


def _encryption_context_key(case: dict[str, Any]) -> bool:
    return any(key.lower().startswith("kms:encryptioncontext:") for _, key, _ in _conditions(case))


@dataclass(frozen=True)
class Difference:
    """An intended disagreement: which side is right, and AWS's sentence that says so."""

    name: str
    right: str
    source: str
    applies: Callable[[dict[str, Any]], bool]


DIFFERENCES = [
    Difference(
        "resource pattern whose * ends a segment (short patterns)",
        "evaluator",
        'IAM User Guide, "IAM JSON policy elements: Resource": "If the * wildcard is the last character of a resource '
        'ARN segment, it can expand to match beyond the colon boundaries." '
        "The oracle matches six segments one by one (padding short patterns with * segments).",
        _segment_ending_star,
    ),
    Difference(
        "ForAnyValue:/ForAllValues: with ...IfExists on an absent key",
        "evaluator",
        'IAM User Guide, "Condition operators", ...IfExists: "If the policy key is present in the context of the request, '
        'process the key as specified in the policy. If the key is not present, evaluate the condition element as true." '
        "The oracle applies the set operator's absent-key rule first (ForAnyValue: false).",
        _set_operator_if_exists_on_absent_key,
    ),
    Difference(
        "policy variable with no value in a negated operator",
        "evaluator",
        'IAM User Guide, "Policy variables with no value": "Inverted condition operators like StringNotEquals or '
        'StringNotLike do match against a null value". The oracle makes such a condition false.',
        _variable_without_value_in_negated_operator,
    ),
    Difference(
        "IpAddress/NotIpAddress with a /0 block",
        "evaluator",
        'IAM User Guide, "Condition operators", IP address: "The specified IP address or range" in CIDR format '
        "(RFC 4632): 0.0.0.0/0 holds every IPv4 address. The oracle's mask arithmetic makes /0 match nothing.",
        _ip_zero_prefix,
    ),
    Difference(
        "NotIpAddress with a single address of the other IP family",
        "evaluator",
        'IAM User Guide, "Condition operators": NotIpAddress "All IP addresses except the specified IP address or range". '
        "An IPv6 address is not the IPv4 address listed (and the reverse); the oracle answers no match.",
        _plain_ip_of_the_other_family,
    ),
    Difference(
        "kms:EncryptionContext:<key> conditions",
        "evaluator",
        'KMS Developer Guide, "kms:EncryptionContext:context-key": the key controls access "based on the encryption '
        'context in a request for a cryptographic operation". The oracle drops context keys of this form (it only '
        "expands variable key names written with a slash, like aws:PrincipalTag/<key>), so they are always absent.",
        _encryption_context_key,
    ),
]


def _install_oracle() -> Path:
    """build/oracle/node_modules from the pinned lock file, once."""
    modules = ORACLE_DIR / "node_modules" / "@cloud-copilot" / "iam-simulate"
    lock = ORACLE_SOURCE / "package-lock.json"
    installed_lock = ORACLE_DIR / "package-lock.json"
    if modules.exists() and installed_lock.exists() and installed_lock.read_bytes() == lock.read_bytes():
        return ORACLE_DIR
    if shutil.which("npm") is None or shutil.which("node") is None:
        pytest.fail("the IAM oracle needs node and npm (Node 20); install them, then run the test again")
    ORACLE_DIR.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(ORACLE_SOURCE / name, ORACLE_DIR / name)
    subprocess.run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=ORACLE_DIR, check=True)
    return ORACLE_DIR


def oracle(cases: list[dict[str, Any]]) -> list[str]:
    """The oracle's decision for each case, from one node process."""
    directory = _install_oracle()
    env = {**os.environ, "NODE_PATH": str(directory / "node_modules")}
    completed = subprocess.run(
        ["node", str(ORACLE_SOURCE / "simulate.js")],
        input=json.dumps(cases).encode(),
        capture_output=True,
        env=env,
        check=True,
        timeout=600,
    )
    results = json.loads(completed.stdout)
    errors = [(c["family"], r["errors"]) for c, r in zip(cases, results) if r["result"] == "Error"]
    assert not errors, f"the oracle refused {len(errors)} cases, first: {errors[0]}"
    return [DECISIONS[r["result"]] for r in results]


def ours(case: dict[str, Any], evaluate: Callable[..., str] = policy.evaluate) -> str:
    return evaluate(
        case["policies"],
        case["action"],
        case["resource"],
        case["context"],
        resource_policy=case["resourcePolicy"],
        principal=case["principal"],
    )


def classify(cases: list[dict[str, Any]], expected: list[str], decide: Callable[[dict[str, Any]], str]) -> dict[str, int]:
    """Disagreements counted by listed difference; unexplained ones by case family."""
    counts: collections.Counter[str] = collections.Counter()
    for case, theirs in zip(cases, expected):
        if decide(case) == theirs:
            continue
        difference = next((d for d in DIFFERENCES if d.applies(case)), None)
        counts[difference.name if difference else f"UNEXPLAINED: {case['family']}"] += 1
    return dict(counts)


@pytest.fixture(scope="module")
def differential() -> tuple[list[dict[str, Any]], list[str]]:
    cases = generated.generate()
    return cases, oracle(cases)


def test_every_disagreement_with_the_oracle_is_a_listed_difference(
    differential: tuple[list[dict[str, Any]], list[str]],
) -> None:
    """Over >= 3,000 seeded cases covering every operator family and the edge rules, the evaluator
    and the independent simulator agree, except where a listed AWS sentence says the evaluator is right."""
    cases, expected = differential
    assert len(cases) >= MINIMUM_CASES
    counts = classify(cases, expected, ours)
    print(f"\n{len(cases)} cases; disagreements by class: {json.dumps(counts, indent=1)}")
    unexplained = {k: v for k, v in counts.items() if k.startswith("UNEXPLAINED")}
    assert not unexplained, f"disagreements no listed difference explains: {unexplained}"


def test_the_cases_cover_every_operator_family_and_edge_rule(differential: tuple[list[dict[str, Any]], list[str]]) -> None:
    """Each operator family, IfExists, Null, both set operators, absent keys, key-name case, variables,
    resource and key policies appear, and both decisions occur often (a one-sided generator proves nothing)."""
    cases, expected = differential
    families = " | ".join(c["family"] for c in cases)
    for needle in (
        "Condition String",
        "Condition Arn",
        "Condition Numeric",
        "Condition Date",
        "Condition Bool",
        "Condition Ip",
        "Condition Null",
        "IfExists",
        "ForAnyValue:",
        "ForAllValues:",
        "key absent",
        "empty list",
        "key name case",
        "Variable in Resource",
        "Variable in StringNotLike",
        "KMS key policy",
        "Resource policy",
        "Resource short pattern",
        "Action/Resource",
    ):
        assert needle in families, needle
    decisions = collections.Counter(expected)
    assert min(decisions.values()) > len(cases) // 20, decisions
