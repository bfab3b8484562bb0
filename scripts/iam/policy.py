"""Decide whether a request is allowed, as AWS's documented policy evaluation logic does.

The sandbox needs this because moto's own IAM enforcement evaluates SSM, Secrets Manager
and Lambda requests against resource "*" (seen with moto 5.2.5; docs/sandbox.md), so it cannot
tell a function's own path from a neighbour's. The plan review and the smoke test use it
too. Standard library only: it also ships inside the sandbox's extension layer.

Covered (docs/iam-evaluation.md lists each rule with AWS's sentence):
- identity policies and one resource policy (a KMS key policy, a secret's policy), with
  principal matching; an explicit Deny anywhere wins, then an Allow, else implicit deny;
  a KMS key's policy must allow (itself, or by delegating to IAM through the account);
- Action/NotAction (case-insensitive), Resource/NotResource (case-sensitive; a `*` ending
  an ARN segment may cross colons, any other `*` or `?` stays inside its segment);
- every condition operator family (String*, Numeric*, Date*, Bool, BinaryEquals,
  IpAddress/NotIpAddress, Arn* part by part, Null), `...IfExists`, `ForAnyValue:` and
  `ForAllValues:`, case-insensitive key names, multivalued keys, the missing-key rules;
- policy variables in Resource and in String*/Arn* condition values (`${aws:userid}`,
  `${aws:PrincipalTag/team}`, `${key, 'default'}`, `${*}`, `${?}`, `${$}`).

A condition this module cannot evaluate (an unknown operator, a malformed value) never
grants: it makes an Allow statement not apply and a Deny statement apply (fail closed),
and the reason is returned in `Result.problems` for the caller to log.

Not covered (none of it is used by this project's policies): permission boundaries, SCPs,
RCPs, session policies, VPC endpoint policies.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

Decision = Literal["allowed", "explicit_deny", "implicit_deny"]
Value = str | list[str]  # a context key's value: one string, or a list for a multivalued key
# Services whose resource policy must allow the request itself: "No AWS principal, including
# the account root user or key creator, has any permissions to a KMS key unless they are
# explicitly allowed, and never denied, in a key policy" (KMS developer guide, key policies).
RESOURCE_POLICY_REQUIRED = ("kms",)


class Unevaluable(Exception):
    """A condition this module cannot evaluate; the message says which and why."""


@dataclass(frozen=True)
class Result:
    """A decision and anything that could not be evaluated (each one made the decision stricter)."""

    decision: Decision
    problems: tuple[str, ...] = ()


# ---------------------------------------------------------------------------------------------
# The request context
# ---------------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)


def normalize_context(context: Mapping[str, Any] | None) -> dict[str, Value]:
    """Key names lower-cased (AWS compares them case-insensitively); values as strings or lists."""
    normal: dict[str, Value] = {}
    for key, value in (context or {}).items():
        normal[key.lower()] = [_text(v) for v in value] if isinstance(value, list | tuple) else _text(value)
    return normal


# ---------------------------------------------------------------------------------------------
# Patterns: wildcards and policy variables
# ---------------------------------------------------------------------------------------------

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_DEFAULT = re.compile(r"^\s*([^,]+?)\s*,\s*'([^']*)'\s*$")
_SPECIAL = {"*": "*", "?": "?", "$": "$"}


class _Unresolved(Exception):
    """A policy variable without a value in the request and without a default."""


def _tokens(text: str, context: Mapping[str, Value] | None) -> list[tuple[str, str]]:
    """Split into ("lit", text) and ("*"|"?", ...) tokens; variables are resolved to literals."""
    tokens: list[tuple[str, str]] = []
    position = 0
    for match in _VARIABLE.finditer(text) if context is not None else ():
        tokens += _wildcard_tokens(text[position : match.start()])
        tokens.append(("lit", _resolve(match.group(1), context)))
        position = match.end()
    return tokens + _wildcard_tokens(text[position:])


def _wildcard_tokens(text: str) -> list[tuple[str, str]]:
    return [(c, c) if c in "*?" else ("lit", c) for c in text]


def _resolve(inner: str, context: Mapping[str, Value]) -> str:
    if inner in _SPECIAL:
        return _SPECIAL[inner]
    default_match = _DEFAULT.match(inner)
    name, default = (default_match.group(1), default_match.group(2)) if default_match else (inner.strip(), None)
    value = context.get(name.lower())
    if isinstance(value, str):
        return value
    # Absent, or multivalued ("you cannot use a multivalued context key as a policy variable").
    if default is not None:
        return default
    raise _Unresolved(name)


def _regex(tokens: list[tuple[str, str]], *, wildcards: bool, star: str = ".*", one: str = ".") -> str:
    parts = []
    for kind, text in tokens:
        if kind == "*" and wildcards:
            parts.append(star)
        elif kind == "?" and wildcards:
            parts.append(one)
        else:
            parts.append(re.escape(text))
    return "".join(parts)


def wildcard_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """IAM wildcard match: * is any run of characters, ? is one character, nothing else is special."""
    regex = _regex(_wildcard_tokens(pattern), wildcards=True)
    return re.fullmatch(regex, value, flags=re.DOTALL | (re.IGNORECASE if ignore_case else 0)) is not None


def _like(pattern: str, value: str, context: Mapping[str, Value], *, ignore_case: bool = False) -> bool:
    try:
        regex = _regex(_tokens(pattern, context), wildcards=True)
    except _Unresolved:
        return False
    return re.fullmatch(regex, value, flags=re.DOTALL | (re.IGNORECASE if ignore_case else 0)) is not None


def resource_match(pattern: str, resource: str, context: Mapping[str, Value] | None = None) -> bool:
    """Resource element match: wildcards stay inside their ARN segment, but "If the * wildcard
    is the last character of a resource ARN segment, it can expand to match beyond the colon
    boundaries" (IAM User Guide, "IAM JSON policy elements: Resource")."""
    if pattern == "*":
        return True
    segments = pattern.split(":", 5)
    regex = []
    try:
        for index, segment in enumerate(segments):
            if index == 5:  # the resource part: it may itself hold colons
                regex.append(_regex(_tokens(segment, context), wildcards=True))
                continue
            tokens = _tokens(segment, context)
            last_star = len(tokens) - 1 if tokens and tokens[-1][0] == "*" else -1
            for position, token in enumerate(tokens):
                star = ".*" if position == last_star else "[^:]*"
                regex.append(_regex([token], wildcards=True, star=star, one="[^:]"))
            if index < len(segments) - 1:
                regex.append(":")
    except _Unresolved:
        return False
    return re.fullmatch("".join(regex), resource, flags=re.DOTALL) is not None


def arn_match(pattern: str, value: str, context: Mapping[str, Value] | None = None) -> bool:
    """ArnLike/ArnEquals: "Each of the six colon-delimited components of the ARN is checked
    separately and each can include multi-character match wildcards (*) or single-character
    match wildcards (?)" (IAM User Guide, condition operators)."""
    pattern_parts, value_parts = pattern.split(":", 5), value.split(":", 5)
    if len(pattern_parts) != 6 or pattern_parts[0] != "arn":
        raise Unevaluable(f"{pattern!r} is not an ARN of six colon-separated parts")
    if len(value_parts) != 6:
        return False  # the request's value is not an ARN: no match
    return all(_like(p, v, context or {}) for p, v in zip(pattern_parts, value_parts, strict=True))


# ---------------------------------------------------------------------------------------------
# Condition operators
# ---------------------------------------------------------------------------------------------


def _number(text: str) -> Decimal:
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        raise Unevaluable(f"{text!r} is not a number") from None


def _date(text: str) -> float:
    text = text.strip()
    try:
        return float(Decimal(text))  # epoch seconds are accepted too
    except InvalidOperation:
        pass
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise Unevaluable(f"{text!r} is not an ISO 8601 date or epoch time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _bool(text: str) -> str:
    return text.strip().lower()


def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        raise Unevaluable(f"{text!r} is not an IP address or CIDR block") from None


def _in_network(value: str, policy: str) -> bool:
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return False
    network = _network(policy)
    return address.version == network.version and address in network


def _compare(parse: Callable[[str], Any], test: Callable[[Any, Any], bool]) -> Callable[..., bool]:
    def match(value: str, policy: str, context: Mapping[str, Value]) -> bool:
        try:
            actual = parse(value)
        except Unevaluable:
            return False  # the request's value is not of the operator's type: no match
        return test(actual, parse(policy))

    return match


def _string_equals(value: str, policy: str, context: Mapping[str, Value]) -> bool:
    try:
        return value == "".join(text for _, text in _tokens(policy, context))
    except _Unresolved:
        return False


def _string_equals_ignore_case(value: str, policy: str, context: Mapping[str, Value]) -> bool:
    try:
        return value.casefold() == "".join(text for _, text in _tokens(policy, context)).casefold()
    except _Unresolved:
        return False


def _binary_equals(value: str, policy: str, context: Mapping[str, Value]) -> bool:
    try:
        return base64.b64decode(value, validate=True) == base64.b64decode(policy, validate=True)
    except (binascii.Error, ValueError):
        return value == policy


# name -> (one value matches one policy value, negated). A negated operator is true when the
# value matches none of the policy values ("...NotEquals"), and true when the key is absent.
_OPERATORS: dict[str, tuple[Callable[[str, str, Mapping[str, Value]], bool], bool]] = {
    "StringEquals": (_string_equals, False),
    "StringNotEquals": (_string_equals, True),
    "StringEqualsIgnoreCase": (_string_equals_ignore_case, False),
    "StringNotEqualsIgnoreCase": (_string_equals_ignore_case, True),
    "StringLike": (lambda v, p, c: _like(p, v, c), False),
    "StringNotLike": (lambda v, p, c: _like(p, v, c), True),
    "NumericEquals": (_compare(_number, lambda a, b: a == b), False),
    "NumericNotEquals": (_compare(_number, lambda a, b: a == b), True),
    "NumericLessThan": (_compare(_number, lambda a, b: a < b), False),
    "NumericLessThanEquals": (_compare(_number, lambda a, b: a <= b), False),
    "NumericGreaterThan": (_compare(_number, lambda a, b: a > b), False),
    "NumericGreaterThanEquals": (_compare(_number, lambda a, b: a >= b), False),
    "DateEquals": (_compare(_date, lambda a, b: a == b), False),
    "DateNotEquals": (_compare(_date, lambda a, b: a == b), True),
    "DateLessThan": (_compare(_date, lambda a, b: a < b), False),
    "DateLessThanEquals": (_compare(_date, lambda a, b: a <= b), False),
    "DateGreaterThan": (_compare(_date, lambda a, b: a > b), False),
    "DateGreaterThanEquals": (_compare(_date, lambda a, b: a >= b), False),
    "Bool": (_compare(_bool, lambda a, b: a == b), False),
    "BinaryEquals": (_binary_equals, False),
    "IpAddress": (lambda v, p, c: _in_network(v, p), False),
    "NotIpAddress": (lambda v, p, c: _in_network(v, p), True),
    "ArnEquals": (lambda v, p, c: arn_match(p, v, c), False),
    "ArnLike": (lambda v, p, c: arn_match(p, v, c), False),
    "ArnNotEquals": (lambda v, p, c: arn_match(p, v, c), True),
    "ArnNotLike": (lambda v, p, c: arn_match(p, v, c), True),
}
_BY_LOWER = {name.lower(): name for name in _OPERATORS}
_SET_OPERATORS = ("forallvalues:", "foranyvalue:")


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _one_value(operator: str, value: str, policy_values: list[str], context: Mapping[str, Value]) -> bool:
    """The base operator for one request value: any policy value matches (negated: none does)."""
    test, negated = _OPERATORS[operator]
    hit = any(test(value, p, context) for p in policy_values)
    return not hit if negated else hit


def condition_holds(operator: str, key: str, policy_values: Any, context: Mapping[str, Value]) -> bool:
    """One operator on one key, against a normalized context. Raises Unevaluable if not understood."""
    values = [_text(v) for v in _as_list(policy_values)]
    lowered = operator.lower()
    set_operator = next((s for s in _SET_OPERATORS if lowered.startswith(s)), None)
    base = lowered[len(set_operator) :] if set_operator else lowered
    actual = context.get(key.lower())
    if base == "null":  # "true": the key is absent; "false": it is present
        return any(_bool(v) == ("true" if actual is None else "false") for v in values)
    if_exists = base.endswith("ifexists")
    base = base[: -len("ifexists")] if if_exists else base
    if base not in _BY_LOWER:
        raise Unevaluable(f"unknown condition operator {operator!r}")
    name = _BY_LOWER[base]
    negated = _OPERATORS[name][1]
    if actual is None:
        if if_exists:  # "If the policy key is not present in the request context, ... true"
            return True
        if set_operator == "forallvalues:":  # true when the key is absent (or empty)
            return True
        if set_operator == "foranyvalue:":
            return False
        return negated  # "...NotEquals/...NotLike and the key is not present: true"
    if set_operator:
        members = actual if isinstance(actual, list) else [actual]
        results = [_one_value(name, member, values, context) for member in members]
        return all(results) if set_operator == "forallvalues:" else any(results)
    if isinstance(actual, list):  # "Multivalued context keys require a condition set operator."
        return False
    return _one_value(name, actual, values, context)


def conditions_hold(condition: Mapping[str, Any], context: Mapping[str, Value]) -> bool:
    """Every operator, every key in it (AND); values of one key are alternatives (OR)."""
    for operator, tests in condition.items():
        if not isinstance(tests, Mapping):
            raise Unevaluable(f"condition operator {operator!r} does not map keys to values")
        for key, policy_values in tests.items():
            if not condition_holds(operator, key, policy_values, context):
                return False
    return True


# ---------------------------------------------------------------------------------------------
# Statements, principals, decisions
# ---------------------------------------------------------------------------------------------

PrincipalMatch = Literal["principal", "account"] | None


def _account_of(arn: str) -> str:
    parts = arn.split(":")
    return parts[4] if len(parts) > 4 else ""


def _principal_match(element: Any, principal: str, context: Mapping[str, Value]) -> PrincipalMatch:
    """How a Principal element names the caller: itself ("principal"), its account, or not at all."""
    if element == "*":
        return "principal"
    if not isinstance(element, Mapping):
        return None
    names = {principal}
    principal_arn = context.get("aws:principalarn")
    if isinstance(principal_arn, str):
        names.add(principal_arn)
    account = context.get("aws:principalaccount")
    account = account if isinstance(account, str) else _account_of(principal)
    best: PrincipalMatch = None
    for kind, entries in element.items():
        for entry in _as_list(entries):
            entry = str(entry)
            if kind == "AWS" and entry == "*":
                return "principal"
            if kind == "AWS" and entry in names:
                return "principal"
            if kind == "AWS" and account and entry in (account, f"arn:aws:iam::{account}:root"):
                best = "account"
            if kind == "Service" and principal == entry:
                return "principal"
    return best


def _statement_matches(statement: Mapping[str, Any], action: str, resource: str, context: Mapping[str, Value]) -> bool:
    """Action and Resource elements (not the condition, not the principal)."""
    if "Action" in statement:
        if not any(wildcard_match(str(p), action, ignore_case=True) for p in _as_list(statement["Action"])):
            return False
    elif "NotAction" in statement:
        if any(wildcard_match(str(p), action, ignore_case=True) for p in _as_list(statement["NotAction"])):
            return False
    else:
        return False
    if "Resource" in statement:
        return any(resource_match(str(p), resource, context) for p in _as_list(statement["Resource"]))
    if "NotResource" in statement:
        return not any(resource_match(str(p), resource, context) for p in _as_list(statement["NotResource"]))
    return False


def _statements(policy: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [s for s in _as_list(policy.get("Statement", [])) if isinstance(s, Mapping)]


def _applies(statement: Mapping[str, Any], action: str, resource: str, context: Mapping[str, Value], problems: list[str]) -> bool:
    if not _statement_matches(statement, action, resource, context):
        return False
    if "Condition" not in statement:
        return True
    try:
        return conditions_hold(statement["Condition"], context)
    except Unevaluable as exc:  # fail closed: an Allow does not apply, a Deny does
        effect = statement.get("Effect")
        problems.append(
            f"{exc} in a{'n' if effect == 'Allow' else ''} {effect} statement: treated as "
            f"{'not applying' if effect == 'Allow' else 'applying'}"
        )
        return effect == "Deny"


def decide(
    policies: list[Mapping[str, Any]],
    action: str,
    resource: str,
    context: Mapping[str, Any] | None = None,
    *,
    resource_policy: Mapping[str, Any] | None = None,
    principal: str | None = None,
) -> Result:
    """The decision for `principal` doing `action` on `resource`, under the identity `policies`
    and the resource's own policy, in the request `context` (as AWS would supply it)."""
    ctx = normalize_context(context)
    if principal is None:
        arn = ctx.get("aws:principalarn")
        principal = arn if isinstance(arn, str) else ""
    problems: list[str] = []
    identity_allows = False
    for policy in policies:
        for statement in _statements(policy):
            if _applies(statement, action, resource, ctx, problems):
                if statement.get("Effect") == "Deny":
                    return Result("explicit_deny", tuple(problems))
                identity_allows = identity_allows or statement.get("Effect") == "Allow"
    if resource_policy is None:
        return Result("allowed" if identity_allows else "implicit_deny", tuple(problems))
    resource_allows: PrincipalMatch = None
    for statement in _statements(resource_policy):
        if "NotPrincipal" in statement:
            match = None if _principal_match(statement["NotPrincipal"], principal, ctx) else "principal"
        else:
            match = _principal_match(statement.get("Principal"), principal, ctx)
        if match is None or not _applies(statement, action, resource, ctx, problems):
            continue
        if statement.get("Effect") == "Deny":
            return Result("explicit_deny", tuple(problems))
        if statement.get("Effect") == "Allow" and resource_allows != "principal":
            resource_allows = match
    required = action.split(":", 1)[0].lower() in RESOURCE_POLICY_REQUIRED
    same_account = _account_of(resource) in ("", _account_of(principal) or str(ctx.get("aws:principalaccount", "")))
    if resource_allows == "principal" and (same_account or identity_allows):
        allowed = True
    elif resource_allows == "account":  # the policy delegates to the account's own IAM policies
        allowed = identity_allows
    else:
        allowed = identity_allows and same_account and not required
    return Result("allowed" if allowed else "implicit_deny", tuple(problems))


def evaluate(
    policies: list[Mapping[str, Any]],
    action: str,
    resource: str,
    context: Mapping[str, Any] | None = None,
    *,
    resource_policy: Mapping[str, Any] | None = None,
    principal: str | None = None,
) -> Decision:
    """The decision alone ("allowed", "explicit_deny", "implicit_deny"); see decide()."""
    return decide(policies, action, resource, context, resource_policy=resource_policy, principal=principal).decision
