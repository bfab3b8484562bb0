"""Decide whether a request is allowed, as AWS's documented policy evaluation logic does.

The sandbox needs this because moto's own IAM enforcement evaluates SSM, Secrets Manager
and Lambda requests against resource "*" (seen with moto 5.2.5; docs/sandbox.md), so it cannot
tell a function's own path from a neighbour's. The plan review and the smoke test use it
too. Standard library only: it also ships inside the sandbox's extension layer.

The entry point is `decide(policies, action, resource, context, resource_policy=...,
principal=..., permission_boundary=..., resource_account=..., resource_policy_required=...)`;
it returns a `Result`
whose `decision` is one of:
- "allowed";
- "explicit_deny": a Deny statement applies;
- "implicit_deny": nothing allows (or the cross-account / key-policy rules are not met);
- "undecided": a Deny statement may apply, but AWS documents nothing about how it reads a
  construct the statement depends on (a malformed date, a variable where AWS takes none,
  a NotPrincipal naming only part of the caller). Callers must refuse it like a denial.
`Result.problems` says, in one line each, what could not be evaluated.

Covered (docs/iam-evaluation.md lists each rule with AWS's sentence):
- identity policies, one resource policy (a secret's policy, a KMS key policy) with
  Principal / NotPrincipal, a permission boundary; an explicit Deny anywhere wins; within
  one account an Allow in either the identity or the resource policy grants (the resource
  policy's grant to a role ARN, not to the session, is limited by the boundary); across
  accounts both must allow; a KMS key's policy must allow (itself, or by naming the account
  to delegate to IAM), and no key policy means no grant;
- Action/NotAction (case-insensitive), Resource/NotResource (case-sensitive; a `*` ending
  an ARN segment may cross colons, any other `*` or `?` stays inside its segment);
- every condition operator family, `...IfExists`, `ForAnyValue:` / `ForAllValues:`,
  case-insensitive key names, multivalued keys, the missing-key rules;
- policy variables (`${key}`, `${key, 'default'}`, `${*}`, `${?}`, `${$}`) in the resource
  part of Resource/NotResource and in String*, Arn* and Bool values, only under
  Version 2012-10-17 (under 2008-10-17 or without a Version they are literal text).

What cannot be evaluated never grants: an Allow statement that depends on it does not
apply. A statement AWS calls invalid (a variable that cannot be resolved, except where AWS
documents the outcome; a variable default not written `${key, 'default'}`) applies with
neither effect. For a Deny that depends on something AWS documents nothing about, the
answer is "undecided".

Not covered (none of it is used by this project's policies): SCPs, RCPs, session policies,
VPC endpoint policies.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

Decision = Literal["allowed", "explicit_deny", "implicit_deny", "undecided"]
DECISIONS: tuple[Decision, ...] = ("allowed", "explicit_deny", "implicit_deny", "undecided")
Value = str | list[str]  # a context key's value: one string, or a list for a multivalued key
Tri = bool | None  # True, False, or None: AWS documents no outcome (cannot be evaluated)
VARIABLES_VERSION = "2012-10-17"  # "Variables were introduced in version 2012-10-17"


class Unevaluable(Exception):
    """Something in a statement AWS documents no outcome for; the message says what."""


class _Invalid(Exception):
    """A statement AWS calls invalid: it applies with neither effect."""


class _Unresolved(Exception):
    """A policy variable whose key has no single value in the request and no default."""


@dataclass(frozen=True)
class Result:
    """A decision and what could not be evaluated (each item made the decision stricter)."""

    decision: Decision
    problems: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        """True only for "allowed": callers refuse every other decision, "undecided" included."""
        return self.decision == "allowed"


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


def _and(values: Iterable[Tri]) -> Tri:
    result: Tri = True
    for value in values:
        if value is False:
            return False
        if value is None:
            result = None
    return result


def _or(values: Iterable[Tri]) -> Tri:
    result: Tri = False
    for value in values:
        if value is True:
            return True
        if value is None:
            result = None
    return result


def _not(value: Tri) -> Tri:
    return None if value is None else not value


# ---------------------------------------------------------------------------------------------
# Policy variables and wildcards
# ---------------------------------------------------------------------------------------------

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
# "separate the variable text and the default value with a comma and space (, )"
_DEFAULT = re.compile(r"^\s*([^,']+?)\s*, '([^']*)'$")
_SPECIAL = {"*": "*", "?": "?", "$": "$"}
Token = tuple[str, str]  # ("lit", text) | ("*", "*") | ("?", "?")


def has_variable(text: str) -> bool:
    """Whether `text` holds something written as a policy variable (`${...}`)."""
    return _VARIABLE.search(text) is not None


def _resolve(inner: str, context: Mapping[str, Value]) -> str:
    if inner in _SPECIAL:
        return _SPECIAL[inner]
    default: str | None = None
    if "," in inner or "'" in inner:
        match = _DEFAULT.match(inner)
        if match is None:
            raise _Invalid(f"policy variable ${{{inner}}} is not written as ${{key, 'default'}} (a comma and a space)")
        inner, default = match.group(1), match.group(2)
    value = context.get(inner.strip().lower())
    if isinstance(value, str):  # an empty string is a value: a tag "with an empty value" exists
        return value
    # Absent, or multivalued ("You can't use a multivalued condition key as a variable").
    if default is not None:
        return default
    raise _Unresolved(inner.strip())


def _tokens(text: str, context: Mapping[str, Value], variables: bool) -> list[Token]:
    """Literal characters and wildcards; with `variables`, each ${...} becomes the literal it resolves to."""
    tokens: list[Token] = []
    position = 0
    for match in _VARIABLE.finditer(text) if variables else ():
        tokens += _wildcard_tokens(text[position : match.start()])
        tokens.append(("lit", _resolve(match.group(1), context)))
        position = match.end()
    return tokens + _wildcard_tokens(text[position:])


def _wildcard_tokens(text: str) -> list[Token]:
    return [(c, c) if c in "*?" else ("lit", c) for c in text]


def _literal(tokens: list[Token]) -> str:
    return "".join(text for _, text in tokens)


def _regex(tokens: list[Token], *, star: str = ".*", one: str = ".") -> str:
    parts = []
    for kind, text in tokens:
        parts.append(star if kind == "*" else one if kind == "?" else re.escape(text))
    return "".join(parts)


def wildcard_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """IAM wildcard match: * is any run of characters, ? is one character, nothing else is special."""
    regex = _regex(_wildcard_tokens(pattern))
    return re.fullmatch(regex, value, flags=re.DOTALL | (re.IGNORECASE if ignore_case else 0)) is not None


def split_arn(text: str, *, variables: bool = True, parts: int = 6) -> list[str]:
    """An ARN's colon-separated parts, at most `parts`; with `variables`, a colon inside ${...} does not split."""
    found, start, index = [], 0, 0
    while index < len(text) and len(found) < parts - 1:
        if variables and text.startswith("${", index) and "}" in text[index:]:
            index = text.index("}", index) + 1
            continue
        if text[index] == ":":
            found.append(text[start:index])
            start = index + 1
        index += 1
    return [*found, text[start:]]


# ---------------------------------------------------------------------------------------------
# Resource matching
# ---------------------------------------------------------------------------------------------

# ARNs whose resource part names no resource type (S3 buckets and objects, SNS topics, SQS queues).
_UNTYPED = ("sns", "sqs")


def _resource_type(service: str, region: str, account: str, resource: str) -> str:
    if (service == "s3" and not region and not account) or service in _UNTYPED:
        return ""
    return re.split(r"[/:]", resource, maxsplit=1)[0]


def _segment_regex(tokens: list[Token], crossing: bool) -> str:
    last_star = len(tokens) - 1 if crossing and tokens and tokens[-1][0] == "*" else -1
    return "".join(_regex([t], star=".*" if i == last_star else "[^:]*", one="[^:]") for i, t in enumerate(tokens))


def resource_match(
    pattern: str, resource: str, context: Mapping[str, Value] | None = None, *, variables: bool = True, crossing: bool = True
) -> Tri:
    """Resource element match. "If the * wildcard is the last character of a resource ARN segment, it
    can expand to match beyond the colon boundaries" (IAM User Guide, "IAM JSON policy elements:
    Resource"); any other `*`/`?` stays in its segment (`crossing=False`: none crosses). The first five
    segments are matched before the resource part, whose variables are resolved only then (raising
    _Unresolved / _Invalid). Unevaluable when the outcome rests on what AWS documents no reading of: a
    wildcard in the service segment or the resource type ("You can't use a wildcard in the service
    segment"; "You cannot use a wildcard in the portion of the ARN that specifies the resource type"), a
    variable before the fifth colon ("You can't use a variable to replace parts of the ARN before the
    fifth colon")."""
    if pattern == "*":
        return True
    context = context or {}
    segments = split_arn(pattern, variables=variables)
    for segment in segments[:5]:  # a pattern with fewer than six parts has no part after the fifth colon
        if variables and has_variable(segment):
            raise Unevaluable(f"variable before the fifth colon of the resource {pattern!r}")
    head = [_segment_regex(_wildcard_tokens(s), crossing) for s in segments[:5]]
    if len(segments) == 6:
        if not re.match(":".join(head) + ":", resource, flags=re.DOTALL):
            return False  # the ARN's first five segments differ: the resource part is never compared
        regex = ":".join(head) + ":" + _regex(_tokens(segments[5], context, variables))
    else:
        regex = ":".join([*head[:-1], _segment_regex(_wildcard_tokens(segments[-1]), crossing)])
    matched = re.fullmatch(regex, resource, flags=re.DOTALL) is not None
    if matched and len(segments) > 2:
        if any(c in segments[2] for c in "*?"):
            raise Unevaluable(f"wildcard in the service segment of the resource {pattern!r}")
        last = segments[-1]
        region = segments[3] if len(segments) > 3 else ""
        account = segments[4] if len(segments) > 4 else ""
        kind = _resource_type(segments[2], region, account, last) if last != "*" else ""
        if any(c in kind for c in "*?") and (len(segments) == 6 or kind != last):
            raise Unevaluable(f"wildcard in the resource type of the resource {pattern!r}")
    return matched


# ---------------------------------------------------------------------------------------------
# Condition operators
# ---------------------------------------------------------------------------------------------

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
# W3C NOTE-datetime: YYYY, YYYY-MM, YYYY-MM-DD, YYYY-MM-DDThh:mmTZD, ...Thh:mm:ssTZD, ...Thh:mm:ss.sTZD
_W3C = re.compile(
    r"^(?P<y>\d{4})(?:-(?P<mo>\d{2})(?:-(?P<d>\d{2})"
    r"(?:T(?P<h>\d{2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:\.(?P<f>\d+))?)?(?P<tz>Z|[+-]\d{2}:\d{2}))?)?)?$"
)
_EPOCH = re.compile(r"^\d+$")


def parse_number(text: str) -> Decimal:
    """An integer or decimal value ("comparing a key to an integer or decimal value"); else Unevaluable."""
    if not _NUMBER.match(text):
        raise Unevaluable(f"{text!r} is not an integer or decimal number")
    return Decimal(text)


def parse_date(text: str) -> Decimal:
    """Seconds since the epoch of a W3C ISO 8601 date ("one of the W3C implementations of the ISO 8601
    date formats") or of epoch (UNIX) time in whole seconds. Four digits are a W3C year (YYYY)."""
    match = _W3C.match(text)
    if match:
        parts = {k: int(v) if v and k not in ("f", "tz") else v for k, v in match.groupdict().items()}
        try:
            moment = datetime(parts["y"], parts["mo"] or 1, parts["d"] or 1, parts["h"] or 0, parts["mi"] or 0, parts["s"] or 0)
        except ValueError:
            raise Unevaluable(f"{text!r} is not a valid date") from None
        offset = timedelta(0)
        tz = parts["tz"]
        if tz and tz != "Z":
            hours, minutes = int(tz[1:3]), int(tz[4:6])
            if hours > 23 or minutes > 59:
                raise Unevaluable(f"{text!r} has an invalid time zone")
            offset = timedelta(hours=hours, minutes=minutes) * (1 if tz[0] == "+" else -1)
        seconds = Decimal(int((moment.replace(tzinfo=UTC) - offset).timestamp()))
        return seconds + (Decimal("0." + parts["f"]) if parts["f"] else 0)
    if _EPOCH.match(text):
        return Decimal(text)
    raise Unevaluable(f"{text!r} is neither a W3C ISO 8601 date nor epoch seconds")


def parse_network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """An address or a block "in the standard CIDR format"; without a prefix, the address alone."""
    address, slash, prefix = text.partition("/")
    if "%" in text or (slash and not prefix.isdigit()):
        raise Unevaluable(f"{text!r} is not an IP address or CIDR block")
    try:
        return ipaddress.ip_network(text, strict=False) if prefix else ipaddress.ip_network(ipaddress.ip_address(address))
    except ValueError:
        raise Unevaluable(f"{text!r} is not an IP address or CIDR block") from None


def _bool(text: str) -> str:
    lowered = text.lower()
    if lowered not in ("true", "false"):
        raise Unevaluable(f"{text!r} is not true or false")
    return lowered


def _binary(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise Unevaluable(f"{text!r} is not base-64") from None


@dataclass(frozen=True)
class _Operator:
    """One base operator: how a request value matches one policy value, and whether it is negated."""

    test: Callable[[str, str, Mapping[str, Value], bool], bool]
    negated: bool
    variables: bool  # AWS documents policy variables for this family


def _typed(parse: Callable[[str], Any], compare: Callable[[Any, Any], bool]) -> Callable[..., bool]:
    def test(actual: str, policy: str, context: Mapping[str, Value], variables: bool) -> bool:
        try:
            request_value = parse(actual)
        except Unevaluable:
            raise Unevaluable(f"the request's value {actual!r} is not of the operator's type") from None
        return compare(request_value, parse(policy))

    return test


def _string(ignore_case: bool, like: bool) -> Callable[..., bool]:
    def test(actual: str, policy: str, context: Mapping[str, Value], variables: bool) -> bool:
        tokens = _tokens(policy, context, variables)
        if not like:
            expected = _literal(tokens)
            return actual.lower() == expected.lower() if ignore_case else actual == expected
        return re.fullmatch(_regex(tokens), actual, flags=re.DOTALL) is not None

    return test


def _arn(actual: str, policy: str, context: Mapping[str, Value], variables: bool) -> bool:
    return arn_match(policy, actual, context, variables=variables)


def _in_network(actual: str, policy: str, context: Mapping[str, Value], variables: bool) -> bool:
    network = parse_network(policy)
    try:
        address = ipaddress.ip_address(actual)
    except ValueError:
        raise Unevaluable(f"the request's value {actual!r} is not an IP address") from None
    return address.version == network.version and address in network


_OPERATORS: dict[str, _Operator] = {
    "StringEquals": _Operator(_string(False, False), False, True),
    "StringNotEquals": _Operator(_string(False, False), True, True),
    "StringEqualsIgnoreCase": _Operator(_string(True, False), False, True),
    "StringNotEqualsIgnoreCase": _Operator(_string(True, False), True, True),
    "StringLike": _Operator(_string(False, True), False, True),
    "StringNotLike": _Operator(_string(False, True), True, True),
    "NumericEquals": _Operator(_typed(parse_number, lambda a, b: a == b), False, False),
    "NumericNotEquals": _Operator(_typed(parse_number, lambda a, b: a == b), True, False),
    "NumericLessThan": _Operator(_typed(parse_number, lambda a, b: a < b), False, False),
    "NumericLessThanEquals": _Operator(_typed(parse_number, lambda a, b: a <= b), False, False),
    "NumericGreaterThan": _Operator(_typed(parse_number, lambda a, b: a > b), False, False),
    "NumericGreaterThanEquals": _Operator(_typed(parse_number, lambda a, b: a >= b), False, False),
    "DateEquals": _Operator(_typed(parse_date, lambda a, b: a == b), False, False),
    "DateNotEquals": _Operator(_typed(parse_date, lambda a, b: a == b), True, False),
    "DateLessThan": _Operator(_typed(parse_date, lambda a, b: a < b), False, False),
    "DateLessThanEquals": _Operator(_typed(parse_date, lambda a, b: a <= b), False, False),
    "DateGreaterThan": _Operator(_typed(parse_date, lambda a, b: a > b), False, False),
    "DateGreaterThanEquals": _Operator(_typed(parse_date, lambda a, b: a >= b), False, False),
    # "You can use a policy variable with the Boolean condition operator" (condition operators page).
    "Bool": _Operator(lambda a, p, c, v: _bool(a) == _bool(_literal(_tokens(p, c, v))), False, True),
    "BinaryEquals": _Operator(_typed(_binary, lambda a, b: a == b), False, False),
    "IpAddress": _Operator(_in_network, False, False),
    "NotIpAddress": _Operator(_in_network, True, False),
    "ArnEquals": _Operator(_arn, False, True),
    "ArnLike": _Operator(_arn, False, True),
    "ArnNotEquals": _Operator(_arn, True, True),
    "ArnNotLike": _Operator(_arn, True, True),
}
_BY_LOWER = {name.lower(): name for name in _OPERATORS}
_SET_OPERATORS = ("forallvalues:", "foranyvalue:")


def arn_match(pattern: str, value: str, context: Mapping[str, Value] | None = None, *, variables: bool = True) -> bool:
    """ArnLike/ArnEquals: "Each of the six colon-delimited components of the ARN is checked
    separately and each can include multi-character match wildcards (*) or single-character
    match wildcards (?)" (IAM User Guide, condition operators). A variable is one unit, even if
    its key's name holds a colon."""
    pattern_parts, value_parts = split_arn(pattern, variables=variables), value.split(":", 5)
    if len(pattern_parts) != 6:
        raise Unevaluable(f"{pattern!r} is not an ARN of six colon-separated parts")
    if len(value_parts) != 6:
        raise Unevaluable(f"the request's value {value!r} is not an ARN")
    context = context or {}
    return all(
        re.fullmatch(_regex(_tokens(p, context, variables)), v, flags=re.DOTALL) is not None
        for p, v in zip(pattern_parts, value_parts, strict=True)
    )


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@dataclass
class _Statement:
    """What evaluating one statement needs besides the statement."""

    context: Mapping[str, Value]
    variables: bool  # the policy's Version supports variables
    effect: str
    problems: list[str] = field(default_factory=list)


def _one_value(operator: _Operator, actual: str, values: list[str], state: _Statement) -> Tri:
    """The base operator for one request value: any policy value matches (negated: none does).
    A value with an unresolved variable matches nothing; in a negated operator "Inverted condition
    operators like StringNotEquals or StringNotLike do match against a null value" decides a Deny,
    but an Allow never grants on it (the statement is invalid: "any attempt to match it fails")."""
    hits: list[Tri] = []
    for policy_value in values:
        if not operator.variables and state.variables and has_variable(policy_value):
            hits.append(None)
            state.problems.append(f"policy variable in {policy_value!r}, where the operator takes none")
            continue
        try:
            hits.append(operator.test(actual, policy_value, state.context, state.variables))
        except _Unresolved as exc:
            if operator.negated and state.effect == "Allow":
                raise _Invalid(f"policy variable ${{{exc}}} has no value in the request") from None
            hits.append(False)
        except Unevaluable as exc:
            hits.append(None)
            state.problems.append(str(exc))
    hit = _or(hits)
    return _not(hit) if operator.negated else hit


def condition_holds(
    operator: str, key: str, policy_values: Any, context: Mapping[str, Value], state: _Statement | None = None
) -> Tri:
    """One operator on one key, against a normalized context: True, False, or None (AWS documents no outcome)."""
    state = state or _Statement(context, True, "Allow")
    values = [_text(v) for v in _as_list(policy_values)]
    lowered = operator.lower()
    set_operator = next((s for s in _SET_OPERATORS if lowered.startswith(s)), None)
    base = lowered[len(set_operator) :] if set_operator else lowered
    actual = context.get(key.lower())
    if base == "null":  # "true": the key is absent; "false": it is present
        for value in values:
            if value.lower() not in ("true", "false"):
                state.problems.append(f"Null takes true or false, not {value!r}")
                return None
        return any(v.lower() == ("true" if actual is None else "false") for v in values)
    if_exists = base.endswith("ifexists")
    base = base[: -len("ifexists")] if if_exists else base
    if base not in _BY_LOWER:
        state.problems.append(f"unknown condition operator {operator!r}")
        return None
    definition = _OPERATORS[_BY_LOWER[base]]
    if actual is None:
        if if_exists:  # "If the key is not present, evaluate the condition element as true."
            return True
        if set_operator == "forallvalues:":  # "true if there are no keys in the request"
            return True
        if set_operator == "foranyvalue:":  # "For no matching key or a null dataset, the condition returns false."
            return False
        return definition.negated  # "...NotLike and the right key is not present, the condition is true"
    if set_operator:
        members = actual if isinstance(actual, list) else [actual]
        results = [_one_value(definition, member, values, state) for member in members]
        return _and(results) if set_operator == "forallvalues:" else _or(results)
    if isinstance(actual, list):  # "Multivalued condition keys require a set operator."
        return False
    return _one_value(definition, actual, values, state)


def conditions_hold(condition: Any, state: _Statement) -> Tri:
    """Every operator, every key in it (AND); values of one key are alternatives (OR)."""
    if not isinstance(condition, Mapping):
        state.problems.append("the Condition element is not an object")
        return None
    results: list[Tri] = []
    for operator, tests in condition.items():
        if not isinstance(tests, Mapping):
            state.problems.append(f"condition operator {operator!r} does not map keys to values")
            results.append(None)
            continue
        for key, policy_values in tests.items():
            results.append(condition_holds(operator, key, policy_values, state.context, state))
            if results[-1] is False:
                return False
    return _and(results)


# ---------------------------------------------------------------------------------------------
# Principals
# ---------------------------------------------------------------------------------------------

# How a Principal element names the caller, strongest first.
PrincipalMatch = Literal["principal", "role", "account"]
_RANK = {"principal": 3, "role": 2, "account": 1}


@dataclass(frozen=True)
class Caller:
    """The requester: its own ARN (a role session, a user), the role behind a session, its account."""

    arn: str
    account: str
    role_name: str | None = None  # for an assumed-role session
    role_arn: str | None = None  # the role's full ARN (with its path), if known

    @classmethod
    def of(cls, principal: str, context: Mapping[str, Value]) -> Caller:
        parts = principal.split(":", 5)
        account = parts[4] if len(parts) == 6 else ""
        if not account and isinstance(context.get("aws:principalaccount"), str):
            account = str(context["aws:principalaccount"])
        role_name = role_arn = None
        if len(parts) == 6 and parts[2] == "sts" and parts[5].startswith("assumed-role/"):
            role_name = parts[5].split("/")[1]
            principal_arn = context.get("aws:principalarn")
            role_arn = principal_arn if isinstance(principal_arn, str) and ":role/" in principal_arn else None
        elif len(parts) == 6 and parts[2] == "iam" and parts[5].startswith("role/"):
            role_name, role_arn = parts[5].rsplit("/", 1)[-1], principal
        return cls(principal, account, role_name, role_arn)


def _principal_entry(kind: str, entry: str, caller: Caller, variables: bool) -> PrincipalMatch | None | Literal["unknown"]:
    if variables and has_variable(entry):
        return "unknown"  # AWS documents variables only in Resource and Condition
    if kind == "AWS":
        if entry == "*" or entry == caller.arn:
            return "principal"
        if caller.account and entry in (caller.account, f"arn:aws:iam::{caller.account}:root"):
            return "account"
        if caller.role_name and entry == caller.role_arn:
            return "role"
        parts = entry.split(":", 5)
        if caller.role_name and len(parts) == 6 and parts[2] == "iam" and parts[4] == caller.account:
            # a role ARN names the role's sessions; role names are case-insensitive, the path is not in the session
            if parts[5].startswith("role/") and parts[5].rsplit("/", 1)[-1].lower() == caller.role_name.lower():
                return "role"
        return None
    if kind == "Service":
        return "principal" if entry == caller.arn else None
    return None  # Federated, CanonicalUser: not this project's callers


def _principal_matches(element: Any, caller: Caller, variables: bool) -> list[PrincipalMatch | None | Literal["unknown"]]:
    if element == "*":
        return ["principal"]
    if not isinstance(element, Mapping):
        return [None]
    return [
        _principal_entry(kind, str(entry), caller, variables) for kind, entries in element.items() for entry in _as_list(entries)
    ]


def _best(matches: list[PrincipalMatch | None | Literal["unknown"]]) -> PrincipalMatch | None | Literal["unknown"]:
    named = [m for m in matches if m in _RANK]
    if named:
        return max(named, key=lambda m: _RANK[str(m)])  # type: ignore[return-value]
    return "unknown" if "unknown" in matches else None


def _not_principal(
    element: Any, caller: Caller, effect: str, variables: bool, boundary: bool
) -> PrincipalMatch | None | Literal["unknown"]:
    """Whether a NotPrincipal statement covers the caller (as a "principal" match) or not (None)."""
    matches = _principal_matches(element, caller, variables)
    named = {m for m in matches if m in _RANK}
    everybody = element == "*" or (isinstance(element, Mapping) and "*" in [str(e) for e in _as_list(element.get("AWS", []))])
    if effect == "Deny":
        # "The NotPrincipal element with a Deny effect will always deny any IAM principal that has a
        # permissions boundary policy attached, regardless of the values specified" (boundaries page).
        if boundary:
            return "principal"
        whole_chain = "principal" in named and (caller.role_name is None or "role" in named) and "account" in named
        if everybody or whole_chain:
            return None
        if "unknown" in matches:
            return "unknown"
        if named:  # "AWS might validate the account first, then the role, and then the assumed-role user"
            return "unknown"
        return "principal"
    # With Allow: "allows all principals except the one named"; naming any part excludes the caller.
    if named:
        return None
    return "unknown" if "unknown" in matches else "principal"


# ---------------------------------------------------------------------------------------------
# Statements and decisions
# ---------------------------------------------------------------------------------------------


def _statements(policy: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [s for s in _as_list(policy.get("Statement", [])) if isinstance(s, Mapping)]


def _action_match(statement: Mapping[str, Any], action: str, state: _Statement) -> Tri:
    element = "Action" if "Action" in statement else "NotAction" if "NotAction" in statement else None
    if element is None:
        return False

    def one(pattern: str) -> Tri:
        if state.variables and has_variable(pattern):
            state.problems.append(f"policy variable in the {element} {pattern!r}, where AWS takes none")
            return None
        if pattern == "*":
            return True
        prefix, colon, name = pattern.partition(":")
        if not colon or any(c in prefix for c in "*?"):
            # "a service namespace as an action prefix ... followed by the name of the action"; wildcards are
            # documented "as part of the action name" only.
            state.problems.append(f"the {element} {pattern!r} is not <service>:<action name>")
            return None
        service, _, called = action.partition(":")
        return prefix.lower() == service.lower() and wildcard_match(name, called, ignore_case=True)

    hit = _or(one(str(p)) for p in _as_list(statement[element]))
    return hit if element == "Action" else _not(hit)


def _resource_element_match(statement: Mapping[str, Any], resource: str, state: _Statement, implied: bool) -> Tri:
    element = "Resource" if "Resource" in statement else "NotResource" if "NotResource" in statement else None
    if element is None:  # a resource policy may leave out its own resource; an identity policy may not
        return implied
    hits: list[Tri] = []
    for pattern in (str(p) for p in _as_list(statement[element])):
        try:
            hits.append(resource_match(pattern, resource, state.context, variables=state.variables))
        except _Unresolved as exc:
            if element == "NotResource":  # matching "fails and causes the statement to be invalid"
                raise _Invalid(f"policy variable ${{{exc}}} in the NotResource {pattern!r} has no value") from None
            hits.append(False)  # "will not match any resource"
        except Unevaluable as exc:
            state.problems.append(str(exc))
            hits.append(None)
    hit = _or(hits)
    return hit if element == "Resource" else _not(hit)


def _check_defaults(statement: Mapping[str, Any]) -> None:
    """A variable default not written ${key, 'default'} makes the whole statement invalid, whatever is evaluated."""
    texts = [str(p) for element in ("Resource", "NotResource") for p in _as_list(statement.get(element, []))]
    condition = statement.get("Condition")
    if isinstance(condition, Mapping):
        texts += [
            str(v) for tests in condition.values() if isinstance(tests, Mapping) for vs in tests.values() for v in _as_list(vs)
        ]
    for text in texts:
        for inner in _VARIABLE.findall(text):
            if ("," in inner or "'" in inner) and not _DEFAULT.match(inner):
                raise _Invalid(f"policy variable ${{{inner}}} is not written as ${{key, 'default'}} (a comma and a space)")


def _applies(statement: Mapping[str, Any], action: str, resource: str, state: _Statement, implied: bool = False) -> Tri:
    """Action, Resource and Condition together (not the principal); raises _Invalid. `implied`: the statement is in
    the resource's own policy, so a missing Resource element means that resource."""
    if state.variables:
        _check_defaults(statement)
    matched = _and([_action_match(statement, action, state), _resource_element_match(statement, resource, state, implied)])
    if matched is False or "Condition" not in statement:
        return matched
    return _and([matched, conditions_hold(statement["Condition"], state)])


@dataclass
class _Tally:
    """Statement outcomes of one policy kind."""

    allows: bool = False
    denies: bool = False
    unknown_deny: bool = False
    resource_grant: PrincipalMatch | None = None  # resource policies: the strongest principal an Allow named
    problems: list[str] = field(default_factory=list)


def _evaluate(
    policies: Iterable[Mapping[str, Any]],
    action: str,
    resource: str,
    context: Mapping[str, Value],
    label: str,
    *,
    caller: Caller | None = None,
    boundary: bool = False,
) -> _Tally:
    """Evaluate every statement of `policies` (identity-like, or with `caller` a resource policy)."""
    tally = _Tally()
    for policy in policies:
        variables = policy.get("Version") == VARIABLES_VERSION
        for statement in _statements(policy):
            effect = statement.get("Effect")
            if effect not in ("Allow", "Deny"):
                continue
            state = _Statement(context, variables, str(effect))
            principal: PrincipalMatch | None | Literal["unknown"] = "principal"
            if caller is not None:
                if "NotPrincipal" in statement:
                    principal = _not_principal(statement["NotPrincipal"], caller, str(effect), variables, boundary)
                else:
                    principal = _best(_principal_matches(statement.get("Principal"), caller, variables))
                if principal is None:
                    continue
            try:
                applies = _applies(statement, action, resource, state, implied=caller is not None)
            except _Invalid as exc:
                tally.problems.append(f"{label} {effect} statement does not apply: {exc}")
                continue
            if applies is not False and principal == "unknown":
                state.problems.append(f"the {'Not' if 'NotPrincipal' in statement else ''}Principal cannot be matched")
                applies = None
            if applies is True:
                if effect == "Deny":
                    tally.denies = True
                else:
                    tally.allows = True
                    if caller is not None and (
                        tally.resource_grant is None or _RANK[str(principal)] > _RANK[tally.resource_grant]
                    ):
                        tally.resource_grant = principal  # type: ignore[assignment]
            elif applies is None:
                treated = "undecided" if effect == "Deny" else "not applying"
                tally.problems += [f"{label} {effect} statement, treated as {treated}: {p}" for p in state.problems or ["?"]]
                tally.unknown_deny = tally.unknown_deny or effect == "Deny"
    return tally


def _account_of(arn: str) -> str:
    parts = arn.split(":", 5)
    return parts[4] if len(parts) == 6 else ""


def _is_kms_key(action: str, resource: str) -> bool:
    """KMS key policies must allow: "No AWS principal ... has any permissions to a KMS key unless they
    are explicitly allowed, and never denied, in a key policy" (KMS developer guide, key policies)."""
    return action.split(":", 1)[0].lower() == "kms" and split_arn(resource, variables=False)[-1].startswith("key/")


def decide(
    policies: list[Mapping[str, Any]],
    action: str,
    resource: str,
    context: Mapping[str, Any] | None = None,
    *,
    resource_policy: Mapping[str, Any] | None = None,
    principal: str | None = None,
    permission_boundary: Mapping[str, Any] | None = None,
    resource_account: str | None = None,
    resource_policy_required: bool | None = None,
) -> Result:
    """The decision for `principal` (a role session's ARN; default: aws:PrincipalArn) doing `action` on
    `resource` under its identity `policies`, the resource's own policy (a KMS key policy for kms:*
    on a key: None means no key policy, no grant) and its role's `permission_boundary`, in the request
    `context` AWS would supply. `resource_account` defaults to the resource ARN's account;
    `resource_policy_required` (default: kms:* on a key ARN) says the resource policy must allow, as a
    KMS key policy must (set it for a key known only by an alias ARN)."""
    ctx = normalize_context(context)
    if principal is None:
        arn = ctx.get("aws:principalarn")
        principal = arn if isinstance(arn, str) else ""
    caller = Caller.of(principal, ctx)
    resource_account = resource_account or _account_of(resource)
    if not resource_account and isinstance(ctx.get("aws:resourceaccount"), str):
        resource_account = str(ctx["aws:resourceaccount"])
    same_account = not resource_account or not caller.account or resource_account == caller.account
    identity = _evaluate(policies, action, resource, ctx, "identity policy")
    boundary = _evaluate([permission_boundary], action, resource, ctx, "permission boundary") if permission_boundary else None
    has_boundary = permission_boundary is not None
    owned = (
        _evaluate([resource_policy], action, resource, ctx, "resource policy", caller=caller, boundary=has_boundary)
        if resource_policy is not None
        else _Tally()
    )
    tallies = [t for t in (identity, boundary, owned) if t is not None]
    problems = tuple(p for t in tallies for p in t.problems)
    if any(t.denies for t in tallies):
        return Result("explicit_deny", problems)
    if any(t.unknown_deny for t in tallies):
        return Result("undecided", problems)
    identity_path = identity.allows and (boundary is None or boundary.allows)
    grant = owned.resource_grant
    if _is_kms_key(action, resource) if resource_policy_required is None else resource_policy_required:
        # The key policy must allow: itself (the principal or its role), or by naming the account, which
        # "allows IAM policies in the account to allow access" (the identity path).
        allowed = (
            grant in ("principal", "role") and same_account and (grant == "principal" or boundary is None or boundary.allows)
        ) or (grant is not None and identity_path)
    elif same_account:
        # "Permissions granted directly to a session are not limited by an implicit deny in an identity-based
        # policy, a permissions boundary, or session policy"; a grant to the role ARN "is limited by an
        # implicit deny in a permissions boundary"; an account grant delegates to the identity policies.
        allowed = grant == "principal" or (grant == "role" and (boundary is None or boundary.allows)) or identity_path
    else:
        # "the resource-based policy in AccountB must allow the requester in AccountA" and the requester's
        # identity-based policy must allow it too.
        allowed = grant is not None and identity_path
    return Result("allowed" if allowed else "implicit_deny", problems)


def evaluate(
    policies: list[Mapping[str, Any]],
    action: str,
    resource: str,
    context: Mapping[str, Any] | None = None,
    *,
    resource_policy: Mapping[str, Any] | None = None,
    principal: str | None = None,
    permission_boundary: Mapping[str, Any] | None = None,
    resource_account: str | None = None,
    resource_policy_required: bool | None = None,
) -> Decision:
    """The decision alone; see decide()."""
    return decide(
        policies,
        action,
        resource,
        context,
        resource_policy=resource_policy,
        principal=principal,
        permission_boundary=permission_boundary,
        resource_account=resource_account,
        resource_policy_required=resource_policy_required,
    ).decision
