"""Post-deploy smoke test: every app's function reads its own secrets and parameters through the
extension, and is refused the other apps' items.

The command is `make smoke` (every app, or APP=name alone; scripts/cli.py smoke [--markdown FILE]).
For each app:
1. Invokes its function (sandbox: the local runner, several at once, each in its own network
   namespace; AWS: lambda:Invoke) with the smoke probe (lambda_src/smoke_probe.py): read the
   app's own items, prove each secret's AWSPREVIOUS, try one item of each kind (secret,
   SecureString, parameter) of another app.
2. For every item the app declares, compares the SHA-256 the function returned with the
   SHA-256 of the value actually stored (read here, hashed, dropped); for a JSON secret, field
   by field too. After a rotation, AWSPREVIOUS versions are compared the same way.
3. Checks the function was refused the other app's items.
4. Checks the role's policies: its own items allowed, every other app's items denied (every
   pair of apps; sandbox: evaluated here from the role's policies; AWS: iam:SimulatePrincipalPolicy).
An app whose own handler does not answer the probe gets its read checks skipped, with the one
line that makes it answer (its policy checks still run). Prints a report grouped by app (and
writes it as markdown with --markdown); exits 1 on any failure. No value is ever printed.
"""

from __future__ import annotations

import hashlib
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from scripts.common import colour
from scripts.deployment import App, Deployment, Item, Kind
from scripts.targets import Invocation, Target

WIDTH = 100  # the terminal report fits this many columns
PARALLEL = 4  # invocations at once (each a few processes on its own)
PROBE_KEYS = {"secrets", "parameters", "previous", "refused"}
DELEGATE = "decorate its handler with @smoke_probe.answers (lambda_src/smoke_probe.py)"


@dataclass
class Check:
    """One row of the report."""

    name: str
    passed: bool
    detail: str
    skipped: bool = False


@dataclass
class AppReport:
    """Every check of one app."""

    app: str
    function: str
    checks: list[Check] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)


def _sha256(value: str | bytes) -> str:
    return hashlib.sha256(value.encode() if isinstance(value, str) else value).hexdigest()


def canonical(value: Any) -> str:
    """A JSON field's value as the probe hashes it (lambda_src/smoke_probe.py's canonical())."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def field_hashes(value: str | bytes) -> dict[str, str] | None:
    try:
        decoded = json.loads(value)
    except (ValueError, TypeError):
        return None
    return {key: _sha256(canonical(item)) for key, item in decoded.items()} if isinstance(decoded, dict) else None


@dataclass(frozen=True)
class Stored:
    """What is stored for one item: the hash of its value (and of each JSON field), its version."""

    sha256: str
    version: str
    fields: dict[str, str] | None = None
    json: bool = False  # declared format = "json": the value must be a JSON object


def _secret_value(body: dict[str, Any]) -> str | bytes:
    return body["SecretString"] if body.get("SecretString") is not None else body["SecretBinary"]


def stored(target: Target, app: App) -> dict[str, Stored | None]:
    """name -> the stored current value's hashes and version (None: no value yet), for every item the app declares."""
    from botocore.exceptions import ClientError

    secrets = target.client("secretsmanager", app.region)
    ssm = target.client("ssm", app.region)
    result: dict[str, Stored | None] = {}
    for item in app.items:
        try:
            if item.kind == "secret":
                body = secrets.get_secret_value(SecretId=item.name, VersionStage="AWSCURRENT")  # explicit: moto's default can lag
                value = _secret_value(body)
                fields = field_hashes(value) if item.format == "json" else None
                result[item.name] = Stored(_sha256(value), body["VersionId"], fields, item.format == "json")
            else:
                parameter = ssm.get_parameter(Name=item.name, WithDecryption=True)["Parameter"]
                result[item.name] = Stored(_sha256(parameter["Value"]), str(parameter["Version"]))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in ("ResourceNotFoundException", "ParameterNotFound"):
                raise
            result[item.name] = None  # declared, not set yet
    return result


def stored_previous(target: Target, app: App) -> dict[str, Stored | None]:
    """secret name -> its AWSPREVIOUS version's hash and version, or None before any rotation."""
    secrets = target.client("secretsmanager", app.region)
    result: dict[str, Stored | None] = {}
    for item in app.secrets:
        stages = secrets.describe_secret(SecretId=item.name).get("VersionIdsToStages", {})
        if any("AWSPREVIOUS" in labels for labels in stages.values()):
            body = secrets.get_secret_value(SecretId=item.name, VersionStage="AWSPREVIOUS")
            result[item.name] = Stored(_sha256(_secret_value(body)), body["VersionId"])
        else:
            result[item.name] = None
    return result


def outside(deployment: Deployment, app: App) -> dict[Kind, Item | str]:
    """One item of each kind from another app (the next app, in name order, that has one); where no
    other app has one, a name in a made-up app of the same environment (refused all the same)."""
    others = sorted(deployment.apps)
    start = others.index(app.name)
    ordered = [deployment.apps[name] for name in others[start + 1 :] + others[:start]]
    made_up = {
        "secret": f"/{deployment.env}/smoke-probe/secrets/outside",
        "secure_parameter": f"/{deployment.env}/smoke-probe/secrets/outside_secure",
        "parameter": f"/{deployment.env}/smoke-probe/config/outside",
    }
    picked: dict[Kind, Item | str] = {}
    for kind in ("secret", "secure_parameter", "parameter"):
        picked[kind] = next((o.of_kind(kind)[0] for o in ordered if o.of_kind(kind)), made_up[kind])
    return picked


def _name(probe: Item | str) -> str:
    return probe.name if isinstance(probe, Item) else probe


def probe_event(app: App, refuse: dict[Kind, Item | str]) -> dict[str, Any]:
    """What the function is asked to read, prove and try (names only). Its own items go by their names
    relative to the app, so the probe also proves the function resolves them under its prefix."""
    return {
        "smoke_probe": {
            "read": {"secrets": [i.key for i in app.secrets], "parameters": [i.key for i in app.parameters]},
            "previous": [i.key for i in app.secrets],
            "fields": [i.key for i in app.secrets if i.format == "json"],
            "refuse": {
                "secrets": [_name(refuse["secret"])],
                "parameters": [_name(refuse["secure_parameter"]), _name(refuse["parameter"])],
            },
        }
    }


def _version_detail(same: bool, got: str, expected: str) -> str:
    detail = f"{'same sha256 as' if same else 'sha256 DIFFERS from'} stored, version {got[:8]}"
    return detail + (f" (stored: {expected[:8]})" if got != expected else "")


def compare(
    payload: dict[str, Any],
    expected: dict[str, Stored | None],
    refused: list[str],
    previous: dict[str, Stored | None] | None = None,
) -> list[Check]:
    """Checks from what the function returned against what is stored (pure: no I/O)."""
    checks = []
    returned = {item["name"]: item for item in [*payload.get("secrets", []), *payload.get("parameters", [])]}
    for name, want in sorted(expected.items()):
        item = returned.get(name)
        if item is None:
            checks.append(Check(f"read {name}", False, "the function did not return it"))
            continue
        if "error" in item:
            checks.append(Check(f"read {name}", False, f"the function could not read it: {item['error']}"))
            continue
        if want is None:
            checks.append(Check(f"read {name}", False, f"no value is stored yet: make put-secret NAME={name}"))
            continue
        got_version = str(item.get("version_id") or item.get("version"))
        same = item["sha256"] == want.sha256
        detail = _version_detail(same, got_version, want.version)
        fields_same = True
        if want.fields is not None:
            fields_same = item.get("fields") == want.fields
            detail += f", {len(want.fields)} fields {'same' if fields_same else 'DIFFER'}"
        elif want.json:
            fields_same = False
            detail += ', but it is declared format = "json" and the stored value is not a JSON object'
        checks.append(Check(f"read {name}", same and fields_same and got_version == want.version, detail))
    seen_previous = {item["name"]: item for item in payload.get("previous", [])}
    for name, want in sorted((previous or {}).items()):
        item = seen_previous.get(name, {"outcome": "missing"})
        if want is None:
            checks.append(Check(f"AWSPREVIOUS of {name}", item["outcome"] == "none", "none yet (no rotation)"))
        else:
            same = item.get("sha256") == want.sha256 and item.get("version_id") == want.version
            detail = f"{'same sha256 as' if same else 'sha256 DIFFERS from'} stored, version {str(item.get('version_id'))[:8]}"
            checks.append(Check(f"AWSPREVIOUS of {name}", same, detail))
    outcomes = {result["name"]: result for result in payload.get("refused", [])}
    for name in refused:
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


def _read_request(app: App, item: Item) -> tuple[str, str, None]:
    if item.kind == "secret":
        return ("secretsmanager:GetSecretValue", app.arn(item.name, "secret"), None)
    return ("ssm:GetParameter", app.arn(item.name, item.kind), None)


def policy_checks(target: Target, deployment: Deployment, app: App) -> list[Check]:
    """The app's role: allowed its own items (and its key through the two services), denied every other app's."""
    own = [_read_request(app, item) for item in app.items]
    own.append(("ssm:GetParameter", app.arn(app.manifest_parameter, "parameter"), None))
    others = {name: [_read_request(app, item) for item in other.items] for name, other in sorted(deployment.apps.items())}
    others.pop(app.name)
    direct_key = [("kms:Decrypt", app.kms_key_arn, None)] if app.kms_key_arn else []
    if app.kms_key_arn:  # the customer-managed key: usable through the two services, not directly
        own += [("kms:Decrypt", app.kms_key_arn, via) for via in ("secretsmanager", "ssm")]
    requests = own + direct_key + [r for group in others.values() for r in group]
    decisions = iter(target.policy_decisions(app, requests))
    checks = [
        Check(f"policy allows {_short(action, arn, via)}", decision == "allowed", decision.replace("_", " "))
        for (action, arn, via), decision in zip(own, decisions)
    ]
    for action, arn, via in direct_key:
        decision = next(decisions)
        checks.append(Check(f"policy denies {_short(action, arn, via)}", decision != "allowed", decision.replace("_", " ")))
    for name, group in others.items():
        outcomes = [next(decisions) for _ in group]
        allowed = [_short(*request) for request, decision in zip(group, outcomes) if decision == "allowed"]
        detail = f"{len(group)} of {len(group)} denied" if not allowed else f"ALLOWED: {', '.join(allowed)}"
        checks.append(Check(f"policy denies every item of app {name}", not allowed, detail))
    return checks


def _invocation_check(invocation: Invocation) -> Check:
    error = invocation.error
    detail = invocation.detail if error is None else f"{error.get('errorType')}: {error.get('errorMessage')}"
    return Check("invoke", error is None, detail)


def full_names(payload: dict[str, Any], app: App) -> dict[str, Any]:
    """The probe's answer with every name the function was given relative to the app made whole (an item
    it read comes back under its full name; one it could not read, or "none" yet, under the name it was given)."""

    def whole(item: dict[str, Any]) -> dict[str, Any]:
        name = str(item.get("name", ""))
        return {**item, "name": name if name.startswith(("/", "arn:")) else f"{app.prefix}/{name}"}

    return {key: [whole(item) for item in value] if key in PROBE_KEYS else value for key, value in payload.items()}


def check_app(target: Target, deployment: Deployment, app: App, invocation: Invocation) -> AppReport:
    """Every check of one app, from its invocation and what is stored."""
    report = AppReport(app.name, app.function_name, [_invocation_check(invocation)])
    refuse = [_name(probe) for probe in outside(deployment, app).values()]
    payload = invocation.payload
    if invocation.error is None:
        if isinstance(payload, dict) and PROBE_KEYS <= set(payload):
            report.checks += compare(full_names(payload, app), stored(target, app), refuse, stored_previous(target, app))
        else:
            report.checks.append(
                Check("reads", True, f"skipped: its handler does not answer the probe; to check them, {DELEGATE}", skipped=True)
            )
    report.checks += policy_checks(target, deployment, app)
    return report


def run_checks(target: Target, deployment: Deployment, app: str | None = None) -> list[AppReport]:
    """Invoke every selected app's function (a few at once), then check each; one report per app."""
    apps = deployment.selected(app)
    events = [probe_event(a, outside(deployment, a)) for a in apps]
    with ThreadPoolExecutor(max_workers=max(1, min(PARALLEL, len(apps)))) as pool:
        invocations = list(pool.map(lambda pair: target.invoke(*pair), zip(apps, events)))
    return [check_app(target, deployment, a, invocation) for a, invocation in zip(apps, invocations)]


def _row(mark: str, name: str, detail: str, width: int) -> str:
    row = f"  {mark}  {name:<{width}}  {detail}"
    if 8 + max(width, len(name)) + 2 + len(detail) > WIDTH:  # too wide for the terminal: the detail goes below
        row = f"  {mark}  {name}\n{'':8}{detail}"
    return row


def _relative(name: str, env: str, app: str) -> str:
    """A check's name with the app's own prefix dropped, and another app's shortened to <app>/..."""
    return name.replace(f"/{env}/{app}/", "").replace(f"/{env}/", "")


def render(env: str, reports: list[AppReport], markdown: bool) -> str:
    """The report, grouped by app: for a terminal (fits WIDTH columns) or as markdown."""
    checks = [c for r in reports for c in r.checks]
    passed, skipped = sum(c.passed and not c.skipped for c in checks), sum(c.skipped for c in checks)
    summary = f"{passed} of {len(checks) - skipped} checks passed" + (f", {skipped} skipped" if skipped else "")
    apps = f"{len(reports)} app{'s' if len(reports) != 1 else ''}"
    if markdown:
        parts = [f"### Smoke test: ENV={env}, {apps}\n"]
        for report in reports:
            mark = {True: "✅", False: "❌"}
            rows = "\n".join(f"| {'⏭️' if c.skipped else mark[c.passed]} | `{c.name}` | {c.detail} |" for c in report.checks)
            parts.append(f"#### `{report.app}` (`{report.function}`)\n\n| | check | result |\n|---|---|---|\n{rows}\n")
        return "\n".join(parts) + f"\n**{summary}**\n"
    coloured = colour(sys.stdout)
    mark = {True: "\033[32mPASS\033[0m" if coloured else "PASS", False: "\033[31mFAIL\033[0m" if coloured else "FAIL"}
    skip = "\033[33mSKIP\033[0m" if coloured else "SKIP"
    lines = [f"Smoke test: ENV={env}, {apps} (names relative to each app; another app's as <app>/<scope>/<name>)"]
    for report in reports:
        lines += ["", f"app {report.app} ({report.function})"]
        names = [_relative(c.name, env, report.app) for c in report.checks]
        for c, name in zip(report.checks, names):
            group = [n for n in names if n.startswith("policy") == name.startswith("policy")]
            width = min(max(len(n) for n in group), WIDTH - 30)
            lines.append(_row(skip if c.skipped else mark[c.passed], name, c.detail, width))
    lines += ["", f"smoke: {summary}"]
    return "\n".join(lines)
