"""Policy analysis: every policy-bearing resource, every action, statements compared as grants.

A policy document becomes a set of grants (effect, principal, action, resource, condition),
one per combination its statements allow. The grants a change adds are the ones not in
the old document nor covered by an old grant (an old wildcard with the same or no
condition); each added grant is then classified. Grants whose condition changed are
compared condition by condition, so a weakened condition shows even when nothing else did.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, NamedTuple

from scripts.iam.policy import wildcard_match
from scripts.review.model import UNKNOWN, Risk
from scripts.review.plan import as_list

# Resources holding a policy document: type -> (attribute, kind). Kinds: identity policies
# grant a principal actions on resources; trust policies say who may assume a role;
# resource policies say who may act on one resource ("*" as Resource means that resource).
POLICY_RESOURCES = {
    "aws_iam_role_policy": ("policy", "identity"),
    "aws_iam_user_policy": ("policy", "identity"),
    "aws_iam_group_policy": ("policy", "identity"),
    "aws_iam_policy": ("policy", "identity"),
    "aws_iam_role": ("assume_role_policy", "trust"),
    "aws_secretsmanager_secret_policy": ("policy", "resource"),
    "aws_secretsmanager_secret": ("policy", "resource"),
    "aws_kms_key": ("policy", "resource"),
    "aws_kms_key_policy": ("policy", "resource"),
    "aws_s3_bucket_policy": ("policy", "resource"),
    "aws_sqs_queue_policy": ("policy", "resource"),
    "aws_sns_topic_policy": ("policy", "resource"),
    "aws_ecr_repository_policy": ("policy", "resource"),
    "aws_cloudwatch_log_resource_policy": ("policy_document", "resource"),
}
ATTACHMENTS = {  # type -> attribute holding managed policy ARNs
    "aws_iam_role_policy_attachment": "policy_arn",
    "aws_iam_user_policy_attachment": "policy_arn",
    "aws_iam_group_policy_attachment": "policy_arn",
    "aws_iam_policy_attachment": "policy_arn",
    "aws_iam_role_policy_attachments_exclusive": "policy_arns",
    "aws_iam_role": "managed_policy_arns",
}
# AWS managed policies that grant administration or permission management.
ADMIN_POLICIES = {
    "AdministratorAccess",
    "PowerUserAccess",
    "IAMFullAccess",
    "AWSKeyManagementServicePowerUser",
    "AdministratorAccess-Amplify",
    "AWSLambda_FullAccess",
    "SecretsManagerReadWrite",
}
# Actions that manage permissions or let a principal gain more (privilege escalation).
ESCALATION = (
    "iam:PassRole",
    "iam:CreatePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:Attach*Policy",
    "iam:Put*Policy",
    "iam:Put*PermissionsBoundary",
    "iam:Delete*PermissionsBoundary",
    "iam:UpdateAssumeRolePolicy",
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile",
    "iam:AddUserToGroup",
    "sts:AssumeRole",
    "kms:CreateGrant",
    "kms:PutKeyPolicy",
    "secretsmanager:PutResourcePolicy",
    "secretsmanager:DeleteResourcePolicy",
    "lambda:AddPermission",
    "lambda:UpdateFunctionCode",
    "lambda:CreateFunction",
    "ssm:SendCommand",
    "ssm:StartSession",
    "*:Put*Policy",
    "*:SetIamPolicy",
)
READ_VERBS = re.compile(
    r"^(Get|List|Describe|BatchGet|BatchDescribe|Decrypt|Query|Scan|Lookup|Search|Select|Head|View|Verify|Filter)", re.I
)
# Actions without resource-level permissions: "*" is the only Resource they accept.
UNRESTRICTABLE = {
    a.lower()
    for a in (
        "secretsmanager:GetRandomPassword",
        "secretsmanager:ListSecrets",
        "secretsmanager:BatchGetSecretValue",
        "ssm:DescribeParameters",
        "kms:ListKeys",
        "kms:ListAliases",
        "kms:CreateKey",
        "kms:GenerateRandom",
        "lambda:ListFunctions",
        "lambda:ListLayers",
        "lambda:GetAccountSettings",
        "logs:DescribeLogGroups",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets",
        "cloudwatch:PutMetricData",
        "ec2:CreateNetworkInterface",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DeleteNetworkInterface",
        "ec2:AssignPrivateIpAddresses",
        "ec2:UnassignPrivateIpAddresses",
        "sts:GetCallerIdentity",
        "s3:ListAllMyBuckets",
        "tag:GetResources",
    )
}
# Condition keys that tie a public principal to one account, organization or source.
SCOPING_KEYS = {
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceowner",
    "aws:principalorgid",
    "aws:principalaccount",
    "kms:calleraccount",
    "aws:sourcevpc",
    "aws:sourcevpce",
}
LOOSER = {"stringequals": "stringlike", "arnequals": "arnlike", "stringnotequals": "stringnotlike", "arnnotequals": "arnnotlike"}


class Grant(NamedTuple):
    effect: str
    principal: str  # "-" in identity policies; "*", "AWS:<arn or id>", "Service:<name>", or "Not:..."
    action: str  # "Not:" prefix for NotAction
    resource: str  # "-" when the statement has none (trust policies); "Not:" prefix for NotResource
    condition: str  # canonical JSON, "" when none

    def text(self) -> str:
        who = "" if self.principal == "-" else f" for {self.principal}"
        where = "" if self.resource == "-" else f" on {self.resource}"
        when = f" if {self.condition}" if self.condition else ""
        return f"{self.effect} {self.action}{where}{who}{when}"


@dataclass
class Finding:
    severity: str
    why: str
    items: list[str]


def statements(document: Any) -> list[dict[str, Any]] | None:
    """The statements of a policy document (JSON text or parsed), or None if it is not one."""
    if isinstance(document, str):
        if not document.strip():
            return None
        try:
            document = json.loads(document)
        except ValueError:
            return None
    if not isinstance(document, dict) or "Statement" not in document:
        return None
    return [s for s in as_list(document["Statement"]) if isinstance(s, dict)]


def grants(document: Any) -> set[Grant] | None:
    """A policy document as grants, or None if it is not a policy document."""
    found = statements(document)
    if found is None:
        return None
    result = set()
    for statement in found:
        condition = json.dumps(statement["Condition"], sort_keys=True) if statement.get("Condition") else ""
        principals = _principals(statement)
        actions = [a for a in as_list(statement.get("Action"))] or [f"Not:{a}" for a in as_list(statement.get("NotAction"))]
        resources = as_list(statement.get("Resource")) or [f"Not:{r}" for r in as_list(statement.get("NotResource"))] or ["-"]
        for principal in principals:
            for action in actions:
                for resource in resources:
                    result.add(Grant(str(statement.get("Effect", "")), principal, str(action), str(resource), condition))
    return result


def _principals(statement: dict[str, Any]) -> list[str]:
    if "NotPrincipal" in statement:
        return [f"Not:{p}" for p in _principal_list(statement["NotPrincipal"])]
    if "Principal" not in statement:
        return ["-"]
    return _principal_list(statement["Principal"])


def _principal_list(principal: Any) -> list[str]:
    """Principals as "Kind:value"; a bare account ID as its root ARN, the form AWS stores."""
    if isinstance(principal, dict):
        return [
            f"{kind}:{_root_arn(str(value)) if kind == 'AWS' else value}"
            for kind, values in sorted(principal.items())
            for value in as_list(values)
        ]
    return [str(p) for p in as_list(principal)]


def _root_arn(value: str) -> str:
    return f"arn:aws:iam::{value}:root" if re.fullmatch(r"\d{12}", value) else value


def diff_lines(before: Any, after: Any) -> list[str] | None:
    """A grant-level diff of two policy documents ("- " no longer granted, "+ " granted now), or None."""
    old, new = grants(before), grants(after)
    if old is None and new is None:
        return None
    old, new = old or set(), new or set()
    return [f"- {g.text()}" for g in sorted(old - new)] + [f"+ {g.text()}" for g in sorted(new - old)]


# --- classification -------------------------------------------------------------------


def is_read(action: str) -> bool:
    """True for an action (or wildcard) that only reads: Get*, List*, Describe*, Decrypt..."""
    service, _, verb = action.partition(":")
    return bool(verb) and "*" not in service and bool(READ_VERBS.match(verb.rstrip("*"))) and verb != "*"


def _escalates(action: str) -> str | None:
    for pattern in ESCALATION:
        if wildcard_match(action, pattern.replace("*", "X"), ignore_case=True) or wildcard_match(
            pattern, action, ignore_case=True
        ):
            return pattern
    return None


def _account(principal: str) -> str | None:
    match = re.search(r"(?:^AWS:|^)(?:arn:aws[\w-]*:(?:iam|sts)::)?(\d{12})\b", principal)
    return match.group(1) if match else None


def _public(principal: str) -> bool:
    return principal in ("*", "AWS:*")


def _scoped(condition: str) -> bool:
    if not condition:
        return False
    tests = json.loads(condition)
    return any(key.lower() in SCOPING_KEYS for operator in tests.values() if isinstance(operator, dict) for key in operator)


def classify(grant: Grant, kind: str, read_policy: bool, account: str | None) -> list[tuple[str, str, str, str]]:
    """(severity, title, why, item) for each risk class one added Allow grant falls in."""
    found = []
    item = grant.text()
    action, resource, principal = grant.action, grant.resource, grant.principal
    if action.startswith("Not:") or resource.startswith("Not:") or principal.startswith("Not:"):
        found.append(
            ("high", "IAM: Allow with NotAction/NotResource/NotPrincipal", "it allows everything except what is listed", item)
        )
    if kind != "identity":
        if _public(principal):
            if _scoped(grant.condition):
                found.append(("medium", "public principal limited by a condition", "anyone may act if the condition holds", item))
            else:
                found.append(("high", "public principal", 'Principal "*" lets any AWS account act on it', item))
        other = _account(principal)
        if other and account and other != account:
            found.append(("medium", "cross-account principal", f"account {other} is not this account ({account})", item))
        elif other and not account:
            found.append(("low", "principal in an account this plan cannot place", f"account {other}", item))
        return found
    bare = action.removeprefix("Not:")
    if bare == "*":
        found.append(("high", "IAM: wildcard action", 'Action "*" grants every action of every service', item))
        return found
    if bare.endswith(":*"):
        found.append(("high", "IAM: service-wide action", f"{bare} grants every {bare[:-2]} action, writes included", item))
        return found
    restrictable = bare.lower() not in UNRESTRICTABLE
    escalation = _escalates(bare)
    if escalation:
        severity = "high" if resource == "*" or read_policy else "medium"
        found.append((severity, "IAM: permission-management action", "it can grant more than this policy holds", item))
    elif not is_read(bare) and resource == "*" and restrictable:
        found.append(("high", "IAM: write action on every resource", "a write action on Resource * reaches every resource", item))
    elif not is_read(bare) and read_policy:
        found.append(("medium", "IAM: write action in a read policy", "this policy only read before", item))
    elif resource == "*" and restrictable:
        found.append(("medium", "IAM: Resource * for an action that can be scoped", "scope it to ARNs or a path", item))
    if "*" in bare and not escalation:
        found.append(("low", "IAM: wildcard action", "a wildcard also grants actions AWS adds later", item))
    return found


# --- conditions -----------------------------------------------------------------------


def condition_change(old: str, new: str) -> tuple[str, str] | None:
    """("removed" | "weakened" | "changed", what) when `new` may allow more than `old`, else None.

    Operators and keys compare case-insensitively (as AWS does for keys); messages keep their spelling.
    """
    old_tests, new_tests = _tests(old), _tests(new)
    for (operator, key), (values, op_name, key_name) in sorted(old_tests.items()):
        matches = {op: (vals, name) for (op, k), (vals, name, _) in new_tests.items() if k == key}
        if not matches:
            return "removed", f"{op_name} {key_name}"
        for new_operator, (new_values, new_name) in matches.items():
            base, new_base = operator.removesuffix("ifexists"), new_operator.removesuffix("ifexists")
            if new_operator.endswith("ifexists") and not operator.endswith("ifexists"):
                return "weakened", f"{key_name}: IfExists added (no key, no check)"
            if new_base != base:
                if LOOSER.get(base) == new_base:
                    return "weakened", f"{key_name}: {op_name} loosened to {new_name}"
                return "changed", f"{key_name}: {op_name} → {new_name}"
            negated = "not" in base
            added = [v for v in new_values if v not in values]
            removed = [v for v in values if v not in new_values]
            if negated and removed:
                return "weakened", f"{key_name}: no longer excludes {', '.join(removed)}"
            if not negated and added:
                wild = [v for v in added if "*" in v or "?" in v]
                if wild:
                    return "weakened", f"{key_name}: value widened by a wildcard to {', '.join(wild)}"
                return "weakened", f"{key_name}: now also {', '.join(added)}"
    return None


def _tests(condition: str) -> dict[tuple[str, str], tuple[list[str], str, str]]:
    """{(operator, key) lowercased: (values, operator as written, key as written)}."""
    if not condition:
        return {}
    tests = {}
    for operator, block in json.loads(condition).items():
        for key, values in (block or {}).items():
            tests[(operator.lower(), key.lower())] = ([str(v) for v in as_list(values)], operator, key)
    return tests


# --- one resource ---------------------------------------------------------------------


def analyze(
    address: str,
    kind: str,
    before: Any,
    after: Any,
    *,
    unknown: bool = False,
    read_policy: bool = False,
    account: str | None = None,
    depends_on: list[str] | None = None,
) -> list[Risk]:
    """Risks of one policy document changing from `before` to `after` (either may be None)."""
    if unknown:
        cause = f" (it depends on {', '.join(depends_on)})" if depends_on else ""
        return [
            Risk(
                "medium",
                address,
                "policy unknown until apply",
                f"the {kind} policy is {UNKNOWN}{cause}: wildcards, principals and conditions could not be checked; "
                "plan again once that exists",
            )
        ]
    old, new = grants(before) or set(), grants(after) or set()
    findings: dict[str, Finding] = {}

    def add(severity: str, title: str, why: str, item: str) -> None:
        findings.setdefault(title, Finding(severity, why, [])).items.append(item)

    for grant in sorted(new - old):
        if grant.effect != "Allow" or _covered(grant, old):
            continue
        same = [o for o in old if o.effect == grant.effect and o[1:4] == grant[1:4]]
        if same:
            for o in same:
                change = condition_change(o.condition, grant.condition)
                if change:
                    how, what = change
                    severity = "medium" if how == "changed" else "high"
                    add(severity, f"condition {how}", f"the grant may now apply where it did not: {what}", grant.text())
            continue
        broader = sorted(
            o.resource
            for o in old
            if o.effect == "Allow"
            and o[1:3] == grant[1:3]
            and o.resource != grant.resource
            and _wider(grant.resource, o.resource)
        )
        if broader:
            add("high", "IAM: broader resource", "the same action now reaches more resources", f"{broader[0]} → {grant.resource}")
        for severity, title, why, item in classify(grant, kind, read_policy, account):
            add(severity, title, why, item)
    if kind == "trust" and old:
        added = sorted({g.principal for g in new} - {g.principal for g in old})
        if added:
            add("high", "trust policy: new principal", "a new principal may assume the role", ", ".join(added))
    for grant in sorted(old - new):
        if grant.effect == "Deny" and not _covered(grant, new):
            add("medium", "Deny statement removed", "what it denied may now be allowed", grant.text())
    risks = []
    for title, finding in findings.items():
        items = sorted(set(finding.items))
        shown = "; ".join(items[:4]) + (f"; and {len(items) - 4} more" if len(items) > 4 else "")
        risks.append(Risk(finding.severity, address, title, f"{finding.why}: {shown}"))
    return risks


def _covered(grant: Grant, others: set[Grant]) -> bool:
    """True if an existing grant of the same effect and principal, with the same or no condition, covers this one."""
    for o in others:
        if o.effect != grant.effect or o.principal != grant.principal or o.condition not in (grant.condition, ""):
            continue
        if o.action.startswith("Not:") != grant.action.startswith("Not:"):
            continue
        if o.resource.startswith("Not:") != grant.resource.startswith("Not:"):
            continue
        if wildcard_match(o.action, grant.action, ignore_case=True) and wildcard_match(o.resource, grant.resource):
            return True
    return False


def _wider(pattern: str, narrower: str) -> bool:
    return wildcard_match(pattern, narrower) or wildcard_match(pattern, narrower.replace("*", "x"))


def attachment_risks(address: str, before: list[str], after: list[str], unknown: bool) -> list[Risk]:
    """Managed policies newly attached: AWS's administrative ones are high, other *FullAccess medium."""
    risks = []
    for arn in sorted(set(after) - set(before)):
        name = str(arn).rsplit("/", 1)[-1]
        if not str(arn).startswith("arn:aws:iam::aws:policy/"):
            continue
        if name in ADMIN_POLICIES:
            risks.append(Risk("high", address, "admin managed policy attached", f"{name} grants administration or write: {arn}"))
        elif name.endswith("FullAccess"):
            risks.append(Risk("medium", address, "full-access managed policy attached", f"{name} grants every action: {arn}"))
    if unknown:
        risks.append(
            Risk(
                "medium", address, "attached policy unknown until apply", f"the policy ARN is {UNKNOWN}: it could not be checked"
            )
        )
    return risks


def lambda_permission_risks(address: str, values: dict[str, Any], account: str | None) -> list[Risk]:
    """aws_lambda_permission: who may invoke, and whether a service principal is tied to a source."""
    principal = str(values.get("principal") or "")
    scoped = values.get("source_arn") or values.get("source_account") or values.get("principal_org_id")
    if principal == "*":
        url = " through a function URL without auth" if values.get("function_url_auth_type") == "NONE" else ""
        severity = "medium" if scoped and not url else "high"
        return [Risk(severity, address, "public Lambda permission", f"anyone may invoke the function{url}: principal *")]
    if principal.endswith(".amazonaws.com") and not scoped:
        return [
            Risk(
                "medium",
                address,
                "Lambda permission without source ARN or account",
                f"any account's {principal} may invoke the function (confused deputy): set source_arn or source_account",
            )
        ]
    other = _account(principal)
    if other and account and other != account:
        return [Risk("medium", address, "cross-account Lambda permission", f"account {other} may invoke the function")]
    return []
