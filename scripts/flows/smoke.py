"""Post-deploy smoke test: the deployed function reads its own secrets and parameters through
the extension, and nothing outside its paths.

The command is `make smoke` (scripts/cli.py smoke [--markdown FILE]).

1. Invokes the function (sandbox: the local runner; AWS: lambda:Invoke) with a deny probe.
2. For every secret and parameter the stack declares, compares the SHA-256 the function
   returned with the SHA-256 of the value actually stored (read here, hashed, dropped).
   After a rotation, the secrets' AWSPREVIOUS versions are compared the same way.
3. Checks the function was refused the names outside its paths (another app's).
4. Checks the role's policies: its own paths allowed, the others denied (sandbox: evaluated
   here from the role's policies; AWS: iam:SimulatePrincipalPolicy).
Prints a pass/fail table (and writes it as markdown with --markdown); exits 1 on any failure.
No value is ever printed.
"""

from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass
from typing import Any

from scripts.common import colour
from scripts.flows import deploy
from scripts.targets import Target


@dataclass
class Check:
    """One row of the report."""

    name: str
    passed: bool
    detail: str


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def stored_previous(target: Target, stack: dict[str, Any]) -> dict[str, tuple[str, str] | None]:
    """secret name -> (sha256, version) of its AWSPREVIOUS version, or None before any rotation."""
    secrets = target.client("secretsmanager", stack["region"])
    result: dict[str, tuple[str, str] | None] = {}
    for name in stack["secret_names"].values():
        stages = secrets.describe_secret(SecretId=name).get("VersionIdsToStages", {})
        if any("AWSPREVIOUS" in labels for labels in stages.values()):
            body = secrets.get_secret_value(SecretId=name, VersionStage="AWSPREVIOUS")
            result[name] = (_sha256(body["SecretString"]), body["VersionId"])
        else:
            result[name] = None
    return result


def stored_hashes(target: Target, stack: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """name -> (sha256 of the stored current value, version) for every declared item."""
    secrets = target.client("secretsmanager", stack["region"])
    ssm = target.client("ssm", stack["region"])
    result = {}
    for name in stack["secret_names"].values():
        body = secrets.get_secret_value(SecretId=name, VersionStage="AWSCURRENT")  # explicit: moto's default can lag
        result[name] = (_sha256(body["SecretString"]), body["VersionId"])
    for name in [*stack["parameter_names"].values(), *stack["secure_parameter_names"].values()]:
        parameter = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]
        result[name] = (_sha256(parameter["Value"]), str(parameter["Version"]))
    return result


def arn_of(stack: dict[str, Any], service: str, name: str) -> str:
    """An ARN for a name in the stack's account and region (the account from the function's ARN)."""
    partition, account = stack["function_arn"].split(":")[1], stack["function_arn"].split(":")[4]
    if service == "ssm":
        return f"arn:{partition}:ssm:{stack['region']}:{account}:parameter{name}"
    return f"arn:{partition}:secretsmanager:{stack['region']}:{account}:secret:{name}-AbCdEf"


def compare(
    payload: dict[str, Any],
    stored: dict[str, tuple[str, str]],
    probe: dict[str, str],
    previous: dict[str, tuple[str, str] | None] | None = None,
) -> list[Check]:
    """Checks from what the function returned against what is stored (pure: no I/O)."""
    checks = []
    seen_previous = {item["name"]: item for item in payload.get("previous", [])}
    for name, expected in sorted((previous or {}).items()):
        item = seen_previous.get(name, {"outcome": "missing"})
        if expected is None:
            checks.append(Check(f"AWSPREVIOUS of {name}", item["outcome"] == "none", "none yet (no rotation)"))
        else:
            same = item.get("sha256") == expected[0] and item.get("version_id") == expected[1]
            checks.append(
                Check(
                    f"AWSPREVIOUS of {name}",
                    same,
                    f"{'same sha256 as' if same else 'sha256 DIFFERS from'} stored, version {str(item.get('version_id'))[:8]}",
                )
            )
    returned = {item["name"]: item for item in [*payload.get("secrets", []), *payload.get("parameters", [])]}
    for name, (digest, version) in sorted(stored.items()):
        item = returned.get(name)
        if item is None:
            checks.append(Check(f"read {name}", False, "the function did not return it"))
            continue
        got_version = str(item.get("version_id") or item.get("version"))
        same = item["sha256"] == digest
        detail = f"{'same sha256 as' if same else 'sha256 DIFFERS from'} stored, version {got_version[:8]}"
        if got_version != version:
            detail += f" (stored: {version[:8]})"
        checks.append(Check(f"read {name}", same and got_version == version, detail))
    outcomes = {result["name"]: result for result in payload.get("deny_probe", [])}
    for name in probe.values():
        result = outcomes.get(name)
        if result is None:
            checks.append(Check(f"refused {name}", False, "the function did not try it"))
        else:
            status = f" (HTTP {result['status']})" if result.get("status") else ""
            checks.append(Check(f"refused {name}", result["outcome"] == "refused", result["outcome"] + status))
    return checks


def _short(action: str, arn: str, via: str | None = None) -> str:
    """'GetParameter /sandbox/demo/config/x' for ssm:GetParameter on that parameter's ARN."""
    resource = arn.split(":", 5)[5].removeprefix("parameter").removeprefix("secret:")
    if action.startswith("kms:"):  # 'Decrypt key 0f2dbfe2 via ssm': the key's id, shortened
        return f"{action.split(':')[1]} key {resource.removeprefix('key/')[:8]} {f'via {via}' if via else 'directly'}"
    return f"{action.split(':')[1]} {resource.removesuffix('-AbCdEf')}"


def run_checks(target: Target) -> tuple[str, list[Check]]:
    """Invoke, compare, check the policy; return the function's name and the checks."""
    stack = deploy.stack(target)
    probe = target.deny_probe()
    invocation = target.invoke(stack["function_name"], stack["region"], {"deny_probe": probe, "read_previous": True})
    payload, error, detail = invocation.payload, invocation.error, invocation.detail
    checks = [
        Check("invoke", error is None, detail if error is None else f"{error.get('errorType')}: {error.get('errorMessage')}")
    ]
    if error is not None:
        return stack["function_name"], checks
    checks += compare(payload, stored_hashes(target, stack), probe, stored_previous(target, stack))
    own = [("secretsmanager:GetSecretValue", arn_of(stack, "sm", n), None) for n in stack["secret_names"].values()]
    own += [
        ("ssm:GetParameter", arn_of(stack, "ssm", n), None)
        for n in [*stack["parameter_names"].values(), *stack["secure_parameter_names"].values()]
    ]
    outside = [
        ("secretsmanager:GetSecretValue", arn_of(stack, "sm", probe["secret_id"]), None),
        ("ssm:GetParameter", arn_of(stack, "ssm", probe["parameter"]), None),
    ]
    if stack.get("kms_key_arn"):  # the customer-managed key: usable through the two services, not directly
        own += [("kms:Decrypt", stack["kms_key_arn"], via) for via in ("secretsmanager", "ssm")]
        outside += [("kms:Decrypt", stack["kms_key_arn"], None)]
    decisions = target.policy_decisions(stack, own + outside)
    for (action, arn, via), decision in zip(own, decisions[: len(own)]):
        checks.append(Check(f"policy allows {_short(action, arn, via)}", decision == "allowed", decision.replace("_", " ")))
    for (action, arn, via), decision in zip(outside, decisions[len(own) :]):
        checks.append(Check(f"policy denies {_short(action, arn, via)}", decision != "allowed", decision.replace("_", " ")))
    return stack["function_name"], checks


WIDTH = 100  # the terminal report fits this many columns


def render(env: str, function: str, checks: list[Check], markdown: bool) -> str:
    passed = sum(c.passed for c in checks)
    if markdown:
        rows = "\n".join(f"| {'✅' if c.passed else '❌'} | `{c.name}` | {c.detail} |" for c in checks)
        return (
            f"### Smoke test: `{function}` (ENV={env})\n\n| | check | result |\n|---|---|---|\n{rows}\n\n"
            f"**{passed} of {len(checks)} checks passed**\n"
        )
    coloured = colour(sys.stdout)
    mark = {True: "\033[32mPASS\033[0m" if coloured else "PASS", False: "\033[31mFAIL\033[0m" if coloured else "FAIL"}
    lines = [f"Smoke test: {function} (ENV={env})", ""]
    for c in checks:
        width = max(len(o.name) for o in checks if o.name.startswith("policy") == c.name.startswith("policy"))
        row = f"  {mark[c.passed]}  {c.name:<{width}}  {c.detail}"
        if 8 + width + 2 + len(c.detail) > WIDTH:  # too wide for the terminal: the detail goes below
            row = f"  {mark[c.passed]}  {c.name}\n{'':8}{c.detail}"
        lines.append(row)
    lines += ["", f"smoke: {passed} of {len(checks)} checks passed"]
    return "\n".join(lines)
