"""Policy analysis: every policy document on every resource that carries one, compared as grants.

Which attributes hold a permissions document, and of which kind, is data derived from the
provider's schema (scripts/review/policy_attributes.py). `policy_changes(view)` gives one
`PolicyChange` per changed document, on create, update, replace and delete; a document the
configuration sets but Terraform shows as (known after apply) is resolved from the
configuration where it can be (scripts/review/resolve.py), else marked unknown. A
policy-looking document on an attribute the list does not know is kept too, marked not
modelled (a rule reports it).

A document becomes a set of grants (effect, principal, action, resource, condition), one
per combination its statements allow. The grants a change adds are the ones not in the old
document nor covered by an old grant (an old wildcard with the same or no condition). An
added grant that differs from an old one only by its condition is a condition change,
compared condition by condition, so a weakened condition shows even when nothing else did;
any other is a new grant for the grant rules (scripts/review/rules/).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import Any, NamedTuple

from scripts.iam.policy import wildcard_match
from scripts.review import policy_attributes
from scripts.review.plan import as_list, leaves
from scripts.review.resolve import UNRESOLVED, resolved
from scripts.review.view import Change, PlanView

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
# Actions that read a secret's value (or decrypt one); on every resource they read every secret of the account.
SECRET_READS = (
    "secretsmanager:GetSecretValue",
    "ssm:GetParameter",
    "ssm:GetParameters",
    "ssm:GetParametersByPath",
    "ssm:GetParameterHistory",
    "kms:Decrypt",
)
EVERY_SECRET = re.compile(r"^(\*|arn:[^:]*:(secretsmanager|ssm|kms):[^:]*:[^:]*:(secret:|parameter/?|key/)?\*)$")
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


# --- what a grant is -----------------------------------------------------------------


def is_read(action: str) -> bool:
    """True for an action (or wildcard) that only reads: Get*, List*, Describe*, Decrypt..."""
    service, _, verb = action.partition(":")
    return bool(verb) and "*" not in service and bool(READ_VERBS.match(verb.rstrip("*"))) and verb != "*"


@cache
def escalates(action: str) -> str | None:
    """The permission-management pattern an action falls under (iam:PassRole, *:Put*Policy...), or None."""
    for pattern in ESCALATION:
        if wildcard_match(action, pattern.replace("*", "X"), ignore_case=True) or wildcard_match(
            pattern, action, ignore_case=True
        ):
            return pattern
    return None


@cache
def reads_secrets(action: str) -> bool:
    """True for an action (or a wildcard) that reads a secret's value: GetSecretValue, GetParameter*, kms:Decrypt."""
    return any(wildcard_match(action, read, ignore_case=True) for read in SECRET_READS)


def account_in(principal: str) -> str | None:
    """The 12-digit account a principal names, if any."""
    match = re.search(r"(?:^AWS:|^)(?:arn:aws[\w-]*:(?:iam|sts)::)?(\d{12})\b", principal)
    return match.group(1) if match else None


def is_public(principal: str) -> bool:
    return principal in ("*", "AWS:*")


def is_scoped(condition: str) -> bool:
    """True if a condition ties the grant to an account, organization, source or network."""
    if not condition:
        return False
    tests = json.loads(condition)
    return any(key.lower() in SCOPING_KEYS for operator in tests.values() if isinstance(operator, dict) for key in operator)


def negated(grant: Grant) -> bool:
    """An Allow with NotAction, NotResource or NotPrincipal: everything except what is listed."""
    return any(part.startswith("Not:") for part in (grant.action, grant.resource, grant.principal))


def identity_class(grant: Grant, policy: PolicyChange) -> str | None:
    """The one class an added grant of an identity policy falls in, most severe first.

    "all" (Action "*"), "service" (svc:*), "escalation" (permission management), "secrets-star"
    (a secret read on every secret, with no condition), "write-star" (a write on Resource "*"),
    "write-in-read" (a write in a policy that only read), "scopable-star" (Resource "*" where
    the action can be scoped), or None.
    """
    if grant not in policy.classes:
        policy.classes[grant] = _identity_class(grant, policy)
    return policy.classes[grant]


def _identity_class(grant: Grant, policy: PolicyChange) -> str | None:
    action = grant.action.removeprefix("Not:")
    if action == "*":
        return "all"
    if action.endswith(":*"):
        return "service"
    restrictable = action.lower() not in UNRESTRICTABLE
    if escalates(action):
        return "escalation"
    if reads_secrets(action) and EVERY_SECRET.match(grant.resource) and not grant.condition:
        return "secrets-star"
    if not is_read(action) and grant.resource == "*" and restrictable:
        return "write-star"
    if not is_read(action) and policy.read_policy:
        return "write-in-read"
    if grant.resource == "*" and restrictable:
        return "scopable-star"
    return None


# --- one policy document changing -------------------------------------------------------------


@dataclass
class PolicyChange:
    """One policy document of one resource, before and after the change (a document, or None)."""

    change: Change
    attribute: str  # the attribute's path: "policy", "assume_role_policy", "inline_policy.policy"
    kind: str  # policy_attributes.KINDS
    before: Any
    after: Any
    account: str | None
    unknown: bool = False  # the configuration sets it, and neither the plan nor the configuration says to what
    modelled: bool = True  # False: on an attribute the list does not know, or in a grammar this review does not read
    classes: dict[Grant, str | None] = field(default_factory=dict, repr=False)  # identity_class, computed once per grant

    @cached_property
    def old(self) -> set[Grant]:
        return grants(self.before) or set()

    @cached_property
    def new(self) -> set[Grant]:
        return grants(self.after) or set()

    @cached_property
    def read_policy(self) -> bool:
        """An identity policy whose grants, before this change, only read."""
        allowed = [g for g in self.old if g.effect == "Allow"]
        return self.kind == "identity" and bool(allowed) and all(is_read(g.action) for g in allowed)

    @cached_property
    def _added(self) -> tuple[list[Grant], list[tuple[Grant, Grant]]]:
        fresh: list[Grant] = []
        reconditioned: list[tuple[Grant, Grant]] = []
        old = self.old
        for grant in sorted(self.new - old):
            if grant.effect != "Allow" or _covered(grant, old):
                continue
            same = [o for o in old if o.effect == grant.effect and o[1:4] == grant[1:4]]
            if same:
                reconditioned += [(o, grant) for o in sorted(same)]
            else:
                fresh.append(grant)
        return fresh, reconditioned

    @property
    def new_grants(self) -> list[Grant]:
        """Allow grants the old document did not give, in no form (not a condition change of an old one)."""
        return self._added[0]

    @cached_property
    def condition_changes(self) -> list[tuple[str, str, Grant]]:
        """(how, what, grant) for each added grant that is an old one with a condition that may allow more."""
        found = []
        for old, new in self._added[1]:
            change = condition_change(old.condition, new.condition)
            if change:
                found.append((change[0], change[1], new))
        return found

    def broadened(self, grant: Grant) -> list[str]:
        """The old resources of the same action and principal that `grant`'s resource is wider than."""
        return sorted(
            o.resource
            for o in self.old
            if o.effect == "Allow"
            and o[1:3] == grant[1:3]
            and o.resource != grant.resource
            and _wider(grant.resource, o.resource)
        )

    @cached_property
    def removed_denies(self) -> list[Grant]:
        return [g for g in sorted(self.old - self.new) if g.effect == "Deny" and not _covered(g, self.new)]


def policy_changes(view: PlanView) -> list[PolicyChange]:
    """Every policy document that changes in the plan (computed once per view)."""
    if "policies" not in view.cache:
        view.cache["policies"] = [p for change in view.changes if not change.noop for p in _documents(change, view)]
    return view.cache["policies"]  # type: ignore[no-any-return]


def _documents(change: Change, view: PlanView) -> list[PolicyChange]:
    found = []
    listed = policy_attributes.policies().get(change.type, {})
    for path, kind in listed.items():
        top = path.split(".", 1)[0]
        before = _document(change.before, path)
        unknown = change.unknown(top)
        after = None
        if unknown:
            value = resolved(view, change, top)
            if value is not UNRESOLVED:
                unknown, after = False, _document({top: value}, path)
        elif not change.destroys:
            after = _document(change.after, path)
        if before in (None, "") and after in (None, "") and not unknown:
            continue
        found.append(PolicyChange(change, path, kind, before, after, view.account, unknown, kind != "unmodelled"))
    found += _unlisted(change, view)
    return found


def _document(values: dict[str, Any], path: str) -> Any:
    """The document at `path` ("policy", or "inline_policy.policy": the blocks' statements as one document)."""
    if "." not in path:
        return values.get(path)
    top, rest = path.split(".", 1)
    statements_found: list[dict[str, Any]] = []
    seen = False
    for block in as_list(values.get(top)):
        if isinstance(block, dict):
            inner = _document(block, rest)
            if inner not in (None, ""):
                seen = True
                statements_found += statements(inner) or []
    return {"Statement": statements_found} if seen else None


def _unlisted(change: Change, view: PlanView) -> list[PolicyChange]:
    """Policy documents on attributes the list does not know: kept, marked not modelled."""
    found: dict[str, PolicyChange] = {}
    sides = (("before", change.before), ("after", {} if change.destroys else change.after))
    for side, values in sides:
        for path, value in leaves(values).items():
            if not isinstance(value, str) or "Statement" not in value:
                continue
            plain = re.sub(r"\[\d+\]", "", path)
            if policy_attributes.known(change.type, plain) or statements(value) is None:
                continue
            entry = found.setdefault(plain, PolicyChange(change, plain, _shape(value), None, None, view.account, modelled=False))
            setattr(entry, side, value)
    for name, value in change.after_unknown.items():
        if value is True and change.unknown(name) and policy_attributes.is_candidate(change.type, name):
            if not policy_attributes.known(change.type, name) and name not in found:
                found[name] = PolicyChange(change, name, "unmodelled", None, None, view.account, True, False)
    return list(found.values())


def _shape(document: str) -> str:
    """The kind a document's shape says: a Principal makes it a resource (or trust) policy."""
    return "resource" if any("Principal" in s or "NotPrincipal" in s for s in statements(document) or []) else "identity"


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


def attached(change: Change) -> list[str]:
    """The managed policy ARNs an attachment change adds (none when it is destroyed)."""
    attribute = ATTACHMENTS[change.type]
    if change.destroys:
        return []
    return sorted(set(_strings(change.after.get(attribute))) - set(_strings(change.before.get(attribute))))


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value or [] if isinstance(v, str)]
