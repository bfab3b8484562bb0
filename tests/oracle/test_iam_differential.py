"""scripts/iam/policy.py against an independent IAM simulator, over seeded generated cases.

The oracle is npm @cloud-copilot/iam-simulate (AGPL-3.0): a test-time tool only, pinned in
tests/oracle/package.json + package-lock.json, installed with `npm ci` into build/oracle/
(git-ignored) when missing, and run once, in one node process, for every case and every
rewritten case. Nothing of it is imported or shipped by the product.

Every disagreement must be excused by one of the DIFFERENCES below, each with the sentence of
AWS's documentation that says which side is right (or that AWS documents no outcome), and each
excuse is proved, not matched: the difference's rewrite removes the construct its class names
(or writes it in an equivalent form the oracle reads correctly), and the evaluator and the
oracle must then agree; a rewrite that keeps AWS's meaning must also keep the evaluator's
decision. A disagreement no class proves fails the test.
"""

from __future__ import annotations

import collections
import copy
import ipaddress
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
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
MINIMUM_CASES = 5000
Case = dict[str, Any]

# --- Walking a case's policies ------------------------------------------------------------------


def _documents(case: Case) -> list[dict[str, Any]]:
    found = list(case["policies"])
    found += [p for p in (case["resourcePolicy"], case["permissionBoundary"]) if p]
    return found


def _statements(case: Case) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(policy, statement) for every statement of every policy in the case."""
    for document in _documents(case):
        for statement in policy._as_list(document["Statement"]):
            yield document, statement


def _conditions(case: Case) -> Iterator[tuple[dict[str, Any], dict[str, Any], str, str, list[str]]]:
    """(policy, statement, operator, key, values) of every condition in the case."""
    for document, statement in _statements(case):
        for operator, tests in statement.get("Condition", {}).items():
            for key, values in tests.items():
                yield document, statement, operator, key, [str(v) for v in policy._as_list(values)]


def _context(case: Case) -> dict[str, policy.Value]:
    return policy.normalize_context(case["context"])


def _variables(document: dict[str, Any]) -> bool:
    return document.get("Version") == policy.VARIABLES_VERSION


def _base(operator: str) -> str:
    lowered = operator.lower()
    for prefix in ("forallvalues:", "foranyvalue:"):
        lowered = lowered.removeprefix(prefix)
    return lowered.removesuffix("ifexists")


def _rewrite_values(case: Case, pick: Callable[[dict, str, str, str], bool], change: Callable[[str, str], list[str]]) -> Case:
    """A copy of `case` where each condition value v that pick(policy, operator, key, v) selects becomes change(key, v)
    (several values, or none); a key left without values, an operator without keys, a Condition without operators go."""
    case = copy.deepcopy(case)
    for document, statement in _statements(case):
        condition = statement.get("Condition")
        if not condition:
            continue
        for operator in list(condition):
            for key in list(condition[operator]):
                values = [str(v) for v in policy._as_list(condition[operator][key])]
                new = [n for v in values for n in (change(key, v) if pick(document, operator, key, v) else [v])]
                if new:
                    condition[operator][key] = new if len(new) > 1 or isinstance(condition[operator][key], list) else new[0]
                else:
                    del condition[operator][key]
            if not condition[operator]:
                del condition[operator]
        if not condition:
            del statement["Condition"]
    return case


# --- The classes of intended disagreement --------------------------------------------------------


def _crossing_patterns(case: Case) -> list[str]:
    """Resource/NotResource patterns whose segment-ending * crosses a colon for this case's resource."""
    found = []
    context = _context(case)
    for document, statement in _statements(case):
        for pattern in policy._as_list(statement.get("Resource", statement.get("NotResource", []))):
            try:
                crossing = policy.resource_match(pattern, case["resource"], context, variables=_variables(document))
                inside = policy.resource_match(pattern, case["resource"], context, variables=_variables(document), crossing=False)
            except Exception:
                continue
            if crossing and not inside:
                found.append(pattern)
    return found


def _rewrite_crossing(case: Case) -> Case:
    """The pattern that matched only by crossing colons becomes the resource's own ARN (it matched it)."""
    crossing = set(_crossing_patterns(case))
    case = copy.deepcopy(case)
    for _, statement in _statements(case):
        for element in ("Resource", "NotResource"):
            if element in statement:
                patterns = [case["resource"] if p in crossing else p for p in policy._as_list(statement[element])]
                statement[element] = patterns if isinstance(statement[element], list) else patterns[0]
    return case


def _unmatched_short_not_resources(case: Case) -> list[str]:
    """NotResource patterns of fewer than six parts that match the resource on neither reading."""
    found = []
    context = _context(case)
    for document, statement in _statements(case):
        for pattern in policy._as_list(statement.get("NotResource", [])):
            variables = _variables(document)
            if pattern == "*" or len(policy.split_arn(pattern, variables=variables)) == 6:
                continue
            try:
                if policy.resource_match(pattern, case["resource"], context, variables=variables) is False:
                    found.append(pattern)
            except Exception:
                continue
    return found


NOWHERE = "arn:aws:ssm:us-east-1:000000000000:parameter/nowhere"


def _full_not_resource(case: Case) -> Case:
    """A six-part ARN that matches nothing here stands in for the short pattern that matched nothing here."""
    short = set(_unmatched_short_not_resources(case))
    case = copy.deepcopy(case)
    for _, statement in _statements(case):
        if "NotResource" in statement:
            patterns = [NOWHERE if p in short else p for p in policy._as_list(statement["NotResource"])]
            statement["NotResource"] = patterns if isinstance(statement["NotResource"], list) else patterns[0]
    return case


def _disallowed_wildcards(case: Case) -> list[str]:
    """Resource/NotResource patterns that match only by a wildcard where AWS takes none (service segment, resource type)."""
    found = []
    context = _context(case)
    for document, statement in _statements(case):
        for pattern in policy._as_list(statement.get("Resource", statement.get("NotResource", []))):
            try:
                policy.resource_match(pattern, case["resource"], context, variables=_variables(document))
            except policy.Unevaluable as exc:
                if "wildcard in the" in str(exc):
                    found.append(pattern)
            except Exception:
                continue
    return found


def _drop_disallowed_wildcards(case: Case) -> Case:
    disallowed = set(_disallowed_wildcards(case))
    case = copy.deepcopy(case)
    for _, statement in _statements(case):
        for element in ("Resource", "NotResource"):
            if element in statement:
                patterns = [NOWHERE if p in disallowed else p for p in policy._as_list(statement[element])]
                statement[element] = patterns if isinstance(statement[element], list) else patterns[0]
    return case


def _any_value_if_exists_absent(case: Case) -> bool:
    context = _context(case)
    return any(
        op.lower().startswith("foranyvalue:") and op.lower().endswith("ifexists") and key.lower() not in context
        for _, _, op, key, _ in _conditions(case)
    )


def _drop_any_value_if_exists_absent(case: Case) -> Case:
    """IfExists on an absent key is true: the test can go."""
    context = _context(case)
    return _rewrite_values(
        case,
        lambda d, op, key, v: (
            op.lower().startswith("foranyvalue:") and op.lower().endswith("ifexists") and key.lower() not in context
        ),
        lambda key, v: [],
    )


def _network(value: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return policy.parse_network(value)
    except policy.Unevaluable:
        return None


def _address(case: Case, key: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    actual = _context(case).get(key.lower())
    try:
        return ipaddress.ip_address(actual) if isinstance(actual, str) else None
    except ValueError:
        return None


def _ipv4_zero_prefix(case: Case) -> bool:
    return any(
        "ipaddress" in _base(op)
        and (n := _network(v)) is not None
        and n.version == 4
        and n.prefixlen == 0
        and (a := _address(case, key))
        and a.version == 4
        for _, _, op, key, values in _conditions(case)
        for v in values
    )


def _split_zero_prefix(case: Case) -> Case:
    """0.0.0.0/0 holds exactly what 0.0.0.0/1 and 128.0.0.0/1 hold."""
    return _rewrite_values(
        case,
        lambda d, op, key, v: "ipaddress" in _base(op) and (n := _network(v)) is not None and n.version == 4 and n.prefixlen == 0,
        lambda key, v: ["0.0.0.0/1", "128.0.0.0/1"],
    )


def _single_address(value: str) -> bool:
    return "/" not in value and _network(value) is not None


def _single_address_other_family(case: Case) -> bool:
    return any(
        _base(op) == "notipaddress" and _single_address(v) and (a := _address(case, key)) and _network(v).version != a.version  # type: ignore[union-attr]
        for _, _, op, key, values in _conditions(case)
        for v in values
    )


def _ipv6_spelled_differently(case: Case) -> bool:
    return any(
        "ipaddress" in _base(op)
        and _single_address(v)
        and ":" in v
        and (a := _address(case, key))
        and a == ipaddress.ip_address(v)
        and str(_context(case)[key.lower()]) != v
        for _, _, op, key, values in _conditions(case)
        for v in values
    )


def _with_prefix(case: Case) -> Case:
    """ "If you specify an IP address without the associated routing prefix, IAM uses the default prefix value": /32
    for IPv4, /128 (all of the address) for IPv6, written out."""
    return _rewrite_values(
        case,
        lambda d, op, key, v: "ipaddress" in _base(op) and _single_address(v),
        lambda key, v: [v + ("/128" if ":" in v else "/32")],
    )


def _encryption_context_key(case: Case) -> bool:
    return any(key.lower().startswith("kms:encryptioncontext:") for _, _, _, key, _ in _conditions(case))


def _drop_encryption_context(case: Case) -> Case:
    return _rewrite_values(case, lambda d, op, key, v: key.lower().startswith("kms:encryptioncontext:"), lambda key, v: [])


def _unresolvable(name_and_default: str, context: dict[str, policy.Value]) -> bool:
    try:
        policy._resolve(name_and_default, context)
    except policy._Unresolved:
        return True
    except policy._Invalid:
        return False
    return False


NEGATED_WITH_VARIABLES = ("stringnotequals", "stringnotequalsignorecase", "stringnotlike", "arnnotequals", "arnnotlike")


def _null_variable_in_negated_deny(case: Case) -> bool:
    context = _context(case)
    return any(
        statement.get("Effect") == "Deny"
        and _variables(document)
        and _base(op) in NEGATED_WITH_VARIABLES
        and key.lower() in context
        and any(_unresolvable(m, context) for v in values for m in policy._VARIABLE.findall(v))
        for document, statement, op, key, values in _conditions(case)
    )


NO_VALUE = "(no value)"


def _null_variables_spelled_out(case: Case) -> Case:
    """A variable with no value is "effectively null. There is no equal or like value": a literal no request
    value equals stands in for it."""
    context = _context(case)

    def change(key: str, value: str) -> list[str]:
        return [policy._VARIABLE.sub(lambda m: NO_VALUE if _unresolvable(m.group(1), context) else m.group(0), value)]

    return _rewrite_values(case, lambda d, op, key, v: _variables(d) and _base(op) in NEGATED_WITH_VARIABLES, change)


def _date_number(case: Case) -> bool:
    context = _context(case)
    return any(
        _base(op).startswith("date")
        and any(re.fullmatch(r"\d+", v) for v in [*values, *policy._as_list(context.get(key.lower(), []))])
        for _, _, op, key, values in _conditions(case)
    )


def _iso(text: str) -> str:
    """Epoch seconds, or a bare year (W3C "Year: YYYY"), written as the ISO 8601 UTC date-time it means."""
    if len(text) == 4:
        return f"{text}-01-01T00:00:00Z"
    return datetime.fromtimestamp(int(text), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _dates_as_iso(case: Case) -> Case:
    """Epoch seconds and a bare year (YYYY) written as the ISO 8601 date-time they mean, in the policy and in the request."""
    keys = {key.lower() for _, _, op, key, _ in _conditions(case) if _base(op).startswith("date")}
    case = _rewrite_values(
        case, lambda d, op, key, v: _base(op).startswith("date") and bool(re.fullmatch(r"\d+", v)), lambda key, v: [_iso(v)]
    )
    for key, value in list(case["context"].items()):
        if key.lower() in keys and isinstance(value, str) and re.fullmatch(r"\d+", value):
            case["context"][key] = _iso(value)
    return case


def _variable_texts(statement: dict[str, Any]) -> list[str]:
    texts = [str(p) for e in ("Resource", "NotResource") for p in policy._as_list(statement.get(e, []))]
    return texts + [
        str(v) for tests in statement.get("Condition", {}).values() for vs in tests.values() for v in policy._as_list(vs)
    ]


def _legacy_variables(case: Case) -> bool:
    return any(not _variables(d) and any(policy.has_variable(t) for t in _variable_texts(s)) for d, s in _statements(case))


def _escape_legacy(case: Case) -> Case:
    """Version 2012-10-17 with every $ written ${$}: the literal text the old Version reads, in the language the oracle reads."""
    case = copy.deepcopy(case)
    for document in _documents(case):
        if _variables(document) or not any(
            policy.has_variable(t) for s in policy._as_list(document["Statement"]) for t in _variable_texts(s)
        ):
            continue
        document["Version"] = policy.VARIABLES_VERSION
        for statement in policy._as_list(document["Statement"]):
            for element in ("Resource", "NotResource"):
                if element in statement:
                    escaped = [p.replace("$", "${$}") for p in policy._as_list(statement[element])]
                    statement[element] = escaped if isinstance(statement[element], list) else escaped[0]
            for tests in statement.get("Condition", {}).values():
                for key, values in tests.items():
                    escaped = [str(v).replace("$", "${$}") for v in policy._as_list(values)]
                    tests[key] = escaped if isinstance(values, list) else escaped[0]
    return case


def _colon_variable_in_arn(case: Case) -> bool:
    return any(
        _variables(d)
        and _base(op).startswith("arn")
        and any(":" in m for v in values for part in policy.split_arn(v)[:5] for m in policy._VARIABLE.findall(part))
        for d, _, op, _, values in _conditions(case)
    )


def _substitute(case: Case, pick: Callable[[dict, str, str, str], bool]) -> Case:
    """Resolvable variables in the values `pick` selects replaced by their values."""
    context = _context(case)

    def resolve(match: re.Match[str]) -> str:
        try:
            return policy._resolve(match.group(1), context).replace("*", "${*}").replace("?", "${?}")
        except (policy._Unresolved, policy._Invalid):
            return match.group(0)

    return _rewrite_values(case, pick, lambda key, v: [policy._VARIABLE.sub(resolve, v)])


def _empty_string_variable(case: Case) -> bool:
    context = _context(case)
    for document, statement in _statements(case):
        if _variables(document):
            for text in _variable_texts(statement):
                for inner in policy._VARIABLE.findall(text):
                    name = policy._DEFAULT.match(inner)
                    if context.get((name.group(1) if name else inner).strip().lower()) == "":
                        return True
    return False


def _substitute_empty(case: Case) -> Case:
    """A key whose value is the empty string, written in place of its variable."""
    context = _context(case)
    case = _substitute(case, lambda d, op, key, v: _variables(d))
    for document, statement in _statements(case):
        if not _variables(document):
            continue
        for element in ("Resource", "NotResource"):
            if element in statement:

                def fill(m: re.Match[str]) -> str:
                    name = policy._DEFAULT.match(m.group(1))
                    return "" if context.get((name.group(1) if name else m.group(1)).strip().lower()) == "" else m.group(0)

                filled = [policy._VARIABLE.sub(fill, p) for p in policy._as_list(statement[element])]
                statement[element] = filled if isinstance(statement[element], list) else filled[0]
    return case


def _caller_chain(case: Case) -> list[str]:
    caller = policy.Caller.of(case["principal"], _context(case))
    return [caller.arn, f"arn:aws:iam::{caller.account}:role/{caller.role_name}", f"arn:aws:iam::{caller.account}:root"]


def _partial_not_principal(case: Case) -> bool:
    if not case["resourcePolicy"]:
        return False
    caller = policy.Caller.of(case["principal"], _context(case))
    for statement in policy._as_list(case["resourcePolicy"]["Statement"]):
        if statement.get("Effect") == "Deny" and "NotPrincipal" in statement:
            matches = policy._principal_matches(statement["NotPrincipal"], caller, True)
            named = {m for m in matches if m}
            if named and named != {"principal", "role", "account"} and "*" not in str(statement["NotPrincipal"].get("AWS")):
                return True
    return False


def _complete_not_principal(case: Case) -> Case:
    """The session, its role and its account all named: the Deny spares the caller on every reading."""
    chain = _caller_chain(case)
    case = copy.deepcopy(case)
    for statement in policy._as_list(case["resourcePolicy"]["Statement"]):
        if statement.get("Effect") == "Deny" and "NotPrincipal" in statement:
            statement["NotPrincipal"] = {
                "AWS": sorted({*map(str, policy._as_list(statement["NotPrincipal"].get("AWS", []))), *chain})
            }
    return case


# Written here from the documents (not taken from the evaluator), so a broken parser in the evaluator cannot widen the class.
W3C = re.compile(
    r"\d{4}(-(0[1-9]|1[0-2])(-\d{2}(T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d))?)?)?"
)


def _readable_date(value: str) -> bool:
    """A W3C NOTE-datetime form (YYYY, YYYY-MM, YYYY-MM-DD, +Thh:mmTZD, +:ss, +.s) of a real day, or epoch seconds."""
    if re.fullmatch(r"\d+", value):
        return True
    if not W3C.fullmatch(value):
        return False
    try:
        datetime.strptime(value[:10], "%Y-%m-%d") if len(value) >= 10 else None
    except ValueError:
        return False
    return True


def _readable_address(value: str) -> bool:
    """An IPv4 or IPv6 address, or one with a /prefix of digits (CIDR)."""
    address, slash, prefix = value.partition("/")
    try:
        network = ipaddress.ip_network(value if slash else address, strict=False)
    except ValueError:
        return False
    return "%" not in value and (not slash or (prefix.isdigit() and int(prefix) <= network.max_prefixlen))


def _unreadable(operator: str, value: str, document: dict[str, Any] | None = None, context: Any = None) -> bool:
    """A value AWS documents no reading of for its operator: not a number, date, address, true/false."""
    base = _base(operator)
    if base == "bool":  # after its variables resolve (Version 2012-10-17), true or false
        try:
            text = policy._literal(policy._tokens(value, context or {}, bool(document and _variables(document))))
        except (policy._Unresolved, policy._Invalid):
            return False
        return text.lower() not in ("true", "false")
    if base.startswith("numeric"):
        return not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", value)
    if base.startswith("date"):
        return not _readable_date(value)
    if base in ("ipaddress", "notipaddress"):
        return not _readable_address(value)
    if base.startswith("arn"):  # "Each of the six colon-delimited components of the ARN"
        return len(policy.split_arn(value, variables=bool(document and _variables(document)))) != 6
    return False


def _unreadable_request(operator: str, key: str, context: dict[str, policy.Value]) -> bool:
    """The request's value of the key is not of the operator's type (a typed operator on a key of another type)."""
    actual = context.get(key.lower())
    base = _base(operator)
    if actual is None or not base.startswith(("numeric", "date", "ipaddress", "notipaddress", "bool", "arn")):
        return False
    return any(_unreadable(operator, str(v)) for v in policy._as_list(actual))


def _unreadable_value(case: Case) -> bool:
    context = _context(case)
    return any(
        _unreadable(op, v, d, context) or _unreadable_request(op, key, context)
        for d, _, op, key, values in _conditions(case)
        for v in values
    )


def _drop_unreadable(case: Case) -> Case:
    """Without the unreadable policy values, and without the tests whose request value is unreadable."""
    context = _context(case)
    return _rewrite_values(
        case, lambda d, op, key, v: _unreadable(op, v, d, context) or _unreadable_request(op, key, context), lambda key, v: []
    )


def _malformed_default(case: Case) -> bool:
    return any(_variables(d) and _has_malformed(s) for d, s in _statements(case))


def _has_malformed(statement: dict[str, Any]) -> bool:
    for text in _variable_texts(statement):
        for inner in policy._VARIABLE.findall(text):
            if ("," in inner or "'" in inner) and not policy._DEFAULT.match(inner):
                return True
    return False


def _drop_malformed_statements(case: Case) -> Case:
    """A statement AWS calls invalid applies with neither effect: without it, the same decision."""
    case = copy.deepcopy(case)
    for document in _documents(case):
        if _variables(document):
            document["Statement"] = [s for s in policy._as_list(document["Statement"]) if not _has_malformed(s)]
    return case


@dataclass(frozen=True)
class Difference:
    """An intended disagreement: which side is right, AWS's sentence, the narrow predicate, and the rewrite that
    removes the construct (`preserves`: the rewrite keeps AWS's meaning, so the evaluator's decision must not move)."""

    name: str
    right: str
    source: str
    applies: Callable[[Case], bool]
    rewrite: Callable[[Case], Case]
    preserves: bool
    never_grants: bool = False  # the construct may only take a grant away: allowed before means allowed after


DIFFERENCES = [
    Difference(
        "a resource pattern whose segment-ending * crosses a colon",
        "evaluator",
        'IAM User Guide, "IAM JSON policy elements: Resource": "If the * wildcard is the last character of a resource ARN '
        'segment, it can expand to match beyond the colon boundaries." The oracle pads short patterns with * segments.',
        lambda case: bool(_crossing_patterns(case)),
        _rewrite_crossing,
        True,
    ),
    Difference(
        "a short NotResource pattern that matches nothing",
        "evaluator",
        'IAM User Guide, "IAM JSON policy elements: NotResource": "NotResource ... explicitly matches every resource except '
        'those specified." The oracle does not invert a mismatch of a padded short pattern ("preserve existing conservative '
        'behavior"), so its statement applies to nothing.',
        lambda case: bool(_unmatched_short_not_resources(case)),
        _full_not_resource,
        True,
    ),
    Difference(
        "ForAnyValue:...IfExists on an absent key",
        "evaluator",
        'IAM User Guide, "Condition operators", ...IfExists: "If the key is not present, evaluate the condition element as '
        "true.\" The oracle applies ForAnyValue's absent-key rule (false) first.",
        _any_value_if_exists_absent,
        _drop_any_value_if_exists_absent,
        True,
    ),
    Difference(
        "an IPv4 /0 block",
        "evaluator",
        'IAM User Guide, "Condition operators": values "in the standard CIDR format" (RFC 4632): 0.0.0.0/0 holds every IPv4 '
        "address. The oracle's 32-bit shift makes /0 match one address.",
        _ipv4_zero_prefix,
        _split_zero_prefix,
        True,
    ),
    Difference(
        "NotIpAddress with a single address of the other IP family",
        "evaluator",
        'IAM User Guide, "Condition operators": NotIpAddress is "All IP addresses except the specified IP address or range"; '
        '"If you specify an IP address without the associated routing prefix, IAM uses the default prefix value of /32". '
        "The oracle answers no match for the other family.",
        _single_address_other_family,
        _with_prefix,
        True,
    ),
    Difference(
        "an IPv6 address spelled differently from the request's",
        "evaluator",
        'IAM User Guide, "Condition operators": IP address operators compare "to an IPv4 or IPv6 address or range of IP '
        'addresses" ("using :: to represent a range of 0s"); 2001:DB8:0:0:0:0:0:1 is 2001:db8::1. The oracle compares the '
        "strings.",
        _ipv6_spelled_differently,
        _with_prefix,
        True,
    ),
    Difference(
        "epoch seconds or a bare year in a Date condition",
        "evaluator",
        'IAM User Guide, "Condition operators": "one of the W3C implementations of the ISO 8601 date formats or in epoch (UNIX) '
        'time" (W3C: "Year: YYYY"); aws:EpochTime is in seconds. The oracle compares epoch numbers with milliseconds.',
        _date_number,
        _dates_as_iso,
        True,
    ),
    Difference(
        "policy variables in a Version 2008-10-17 or Version-less policy",
        "evaluator",
        'IAM User Guide, "Variables and tags": "If you don\'t include the Version element and set it to an appropriate version '
        'date, variables like ${aws:username} are treated as literal strings in the policy." The oracle substitutes them; '
        "the rewrite states AWS's literal reading in Version 2012-10-17 (each $ as ${$}) for the oracle to check.",
        _legacy_variables,
        _escape_legacy,
        True,
    ),
    Difference(
        "a key's empty-string value in a policy variable",
        "evaluator",
        'IAM User Guide, "Tagging IAM resources": "You can create a tag with an empty value"; "Omitting the tag value is the '
        'same as using an empty string." The variable resolves to the empty string; the oracle treats it as missing.',
        _empty_string_variable,
        _substitute_empty,
        True,
    ),
    Difference(
        "a variable whose key name holds a colon in an ARN value's first five parts",
        "evaluator",
        'IAM User Guide, "Condition operators": "You can use a policy variable with the ARN condition operator"; the oracle '
        "splits the ARN at the colon inside ${aws:PrincipalAccount}.",
        _colon_variable_in_arn,
        lambda case: _substitute(case, lambda d, op, key, v: _variables(d) and _base(op).startswith("arn")),
        True,
    ),
    Difference(
        "a Deny with an inverted operator on a variable that has no value",
        "evaluator",
        'IAM User Guide, "Variables and tags": "Inverted condition operators like StringNotEquals or StringNotLike do match '
        'against a null value"; its Deny example: "Access is specifically denied when aws:principaltag/Team is not set". '
        "The oracle makes the condition false.",
        _null_variable_in_negated_deny,
        _null_variables_spelled_out,
        True,
    ),
    Difference(
        "a variable default not written ${key, 'default'}",
        "evaluator",
        'IAM User Guide, "Variables and tags": "separate the variable text and the default value with a comma and space (, )". '
        "Written otherwise the statement is invalid and applies with neither effect; the oracle looks up a key named with the "
        "comma and still uses the statement's other resources and values.",
        _malformed_default,
        _drop_malformed_statements,
        True,
    ),
    Difference(
        "a condition on kms:EncryptionContext:<key>",
        "evaluator",
        'KMS Developer Guide, "kms:EncryptionContext:context-key": controls access "based on the encryption context in a '
        'request for a cryptographic operation". The oracle drops context keys of this form (it reports them as ignored).',
        _encryption_context_key,
        _drop_encryption_context,
        False,
    ),
    Difference(
        "a NotPrincipal Deny naming part of the caller's session, role and account",
        "AWS documents no single outcome (undecided)",
        'IAM User Guide, "NotPrincipal": "AWS might validate the account first, then the role, and then the assumed-role '
        'user ... we strongly recommend that you explicitly include ... both the ARN for a role and the ARN for the account". '
        "The oracle spares the caller when any of them is named.",
        _partial_not_principal,
        _complete_not_principal,
        False,
        never_grants=True,
    ),
    Difference(
        "a wildcard in a resource ARN's service segment or resource type",
        "AWS documents no outcome (never grants; a Deny is undecided)",
        'IAM User Guide, "IAM JSON policy elements: Resource": "You can\'t use a wildcard in the service segment that '
        'identifies the AWS product"; "Amazon Resource Names": "You cannot use a wildcard in the portion of the ARN that '
        'specifies the resource type ... arn:aws:iam::123456789012:u* <== not allowed". The oracle expands the service '
        "wildcard and matches a type-less prefix.",
        lambda case: bool(_disallowed_wildcards(case)),
        _drop_disallowed_wildcards,
        False,
        never_grants=True,
    ),
    Difference(
        "a condition value (in the policy or the request) that is not of its operator's type",
        "AWS documents no outcome (never grants; a Deny is undecided)",
        'IAM User Guide, "Condition operators": numbers are "an integer or decimal value", dates "one of the W3C '
        'implementations of the ISO 8601 date formats or in epoch (UNIX) time", addresses "in the standard CIDR format", '
        'ARNs have "six colon-delimited components", Boolean values are "true" or "false"; "The condition operator that you '
        'can use in a policy depends on the condition key you choose." The oracle reads some others leniently (JavaScript '
        "parseInt, Date.parse) and makes the rest false.",
        _unreadable_value,
        _drop_unreadable,
        False,
        never_grants=True,
    ),
]


# --- Running both sides ---------------------------------------------------------------------------


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


def oracle(cases: list[Case]) -> list[dict[str, Any]]:
    """The oracle's answer for each case ({"decision", "ignored"}), from one node process."""
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
    errors = [(c["family"], r["errors"]) for c, r in zip(cases, results, strict=True) if r["result"] == "Error"]
    assert not errors, f"the oracle refused {len(errors)} cases, first: {errors[0]}"
    return [{"decision": DECISIONS[r["result"]], "ignored": r["ignored"]} for r in results]


def ours(case: Case, evaluate: Callable[..., str] = policy.evaluate) -> str:
    return evaluate(
        case["policies"],
        case["action"],
        case["resource"],
        case["context"],
        resource_policy=case["resourcePolicy"],
        principal=case["principal"],
        permission_boundary=case["permissionBoundary"],
        resource_account=case["accountId"],
    )


@dataclass
class Differential:
    """The generated cases, their rewrites, and the oracle's answers for all of them (one node run).

    For a case that holds constructs of meaning-preserving classes, the oracle's answer on their
    combined rewrite (`PRESERVED`) is the expected decision: it states AWS's reading in a form the
    oracle reads correctly. Each other class's rewrite (on top of that) removes its construct."""

    cases: list[Case]
    matches: list[list[Difference]]
    rewrites: dict[tuple[int, str], Case]  # (case index, class name(s) or PRESERVED) -> rewritten case
    answers: list[dict[str, Any]]
    rewritten_answers: dict[tuple[int, str], str]


PRESERVED = "meaning-preserving rewrites"


def _rewrites(case: Case, found: list[Difference]) -> dict[str, Case]:
    kept = [d for d in found if d.preserves]
    base = case
    for difference in kept:
        base = difference.rewrite(base)
    rewrites = {PRESERVED: base} if kept else {}
    removals = [d for d in found if not d.preserves]
    for difference in removals:
        rewrites[difference.name] = difference.rewrite(base)
    if len(removals) > 1:
        combined = base
        for difference in removals:
            combined = difference.rewrite(combined)
        rewrites[" + ".join(d.name for d in removals)] = combined
    return rewrites


def build() -> Differential:
    cases = generated.generate()
    matches = [[d for d in DIFFERENCES if d.applies(case)] for case in cases]
    rewrites = {
        (i, name): rewritten
        for i, (c, found) in enumerate(zip(cases, matches, strict=True))
        for name, rewritten in _rewrites(c, found).items()
    }
    keys = list(rewrites)
    answers = oracle(cases + [rewrites[k] for k in keys])
    return Differential(
        cases,
        matches,
        rewrites,
        answers[: len(cases)],
        {k: a["decision"] for k, a in zip(keys, answers[len(cases) :], strict=True)},
    )


def classify(run: Differential, decide: Callable[[Case], str] = ours, *, first_failure: bool = False) -> dict[str, int]:
    """Disagreements with the oracle counted by the classes that prove them; failures as UNEXPLAINED (no class
    applies) or UNPROVED (classes apply, but the evaluator differs from AWS's reading the rewrites state, a
    meaning-preserving rewrite moves the evaluator's decision, or removing the construct leaves a disagreement).
    `first_failure`: stop at the first failure."""
    counts: collections.Counter[str] = collections.Counter()
    by_name = {d.name: d for d in DIFFERENCES}
    for index, (case, answer) in enumerate(zip(run.cases, run.answers, strict=True)):
        found = run.matches[index]
        kept = [d.name for d in found if d.preserves]
        decision = decide(case)
        expected = run.rewritten_answers[(index, PRESERVED)] if kept else answer["decision"]
        label = f"{case['family']} ({'; '.join(d.name for d in found)})"
        if kept and decide(run.rewrites[(index, PRESERVED)]) != decision:
            counts[f"UNPROVED (a rewrite moved the decision): {label}"] += 1
        elif decision == expected:
            if decision != answer["decision"]:
                counts[" + ".join(kept)] += 1
        elif not found:
            counts[f"UNEXPLAINED: {case['family']}"] += 1
        else:
            removals = [name for (i, name) in run.rewrites if i == index and name != PRESERVED]
            for name in removals:
                after = decide(run.rewrites[(index, name)])
                classes = [by_name[n] for n in name.split(" + ")]
                if after != run.rewritten_answers[(index, name)]:
                    continue
                if any(d.never_grants for d in classes) and decision == "allowed" and after != "allowed":
                    continue
                counts[" + ".join([*kept, name])] += 1
                break
            else:
                counts[f"UNPROVED: {label}"] += 1
        if first_failure and any(k.startswith(("UNEXPLAINED", "UNPROVED")) for k in counts):
            break
    return dict(counts)


@pytest.fixture(scope="module")
def differential() -> Differential:
    return build()


def test_every_disagreement_with_the_oracle_is_proved_by_its_class(differential: Differential) -> None:
    """Over >= 5,000 seeded cases, the evaluator and the independent simulator agree, except where a listed AWS sentence
    says the evaluator is right (or that AWS documents no outcome) and removing the construct makes them agree."""
    assert len(differential.cases) >= MINIMUM_CASES
    counts = classify(differential)
    summary = f"{len(differential.cases)} cases, {len(differential.rewrites)} rewrites"
    print(f"\n{summary}; disagreements by class: {json.dumps(counts, indent=1)}")
    failed = {k: v for k, v in counts.items() if k.startswith(("UNEXPLAINED", "UNPROVED"))}
    assert not failed, f"disagreements no listed difference proves: {failed}"


def test_the_oracle_saw_every_context_key_but_the_ones_a_class_names(differential: Differential) -> None:
    """The oracle drops context keys it does not know for the action; only kms:EncryptionContext:<key> may be dropped
    (its class excuses them), or a case would silently test a different request."""
    ignored = {key for answer in differential.answers for key in answer["ignored"]}
    assert ignored and all(key.lower().startswith("kms:encryptioncontext:") for key in ignored), ignored


def test_the_cases_cover_what_the_evaluator_claims(differential: Differential) -> None:
    """Each rule the evaluator claims appears, and every decision occurs often (a one-sided generator proves nothing)."""
    families = " | ".join(c["family"] for c in differential.cases)
    for needle in (
        "NotAction Allow",
        "NotAction Deny",
        "NotResource Allow",
        "NotResource Deny",
        "Resource policy, same account",
        "Resource policy, cross-account",
        "NotPrincipal with Deny, names 0 of 3",
        "NotPrincipal with Deny, names 3 of 3",
        "NotPrincipal with Deny, names 1 of 3",
        "Variable in Resource",
        "Variable in NotResource",
        "Variable in StringNotLike",
        "Variable in ArnLike",
        "Variable in Bool",
        "default used",
        "default without the space",
        "2008-10-17",
        "no Version",
        "Condition Numeric",
        "not a number",
        "Condition Date",
        "not W3C",
        "Condition Ip",
        "not an address",
        "Condition String",
        "Condition Arn",
        "Condition Bool",
        "Condition Null",
        "IfExists",
        "ForAnyValue:",
        "ForAllValues:",
        "Multivalued",
        "empty set",
        "key absent",
        "KMS no key policy",
        "KMS default key policy",
        "KMS AWS managed key policy",
        "KMS custom key policy",
        "direct",
        "via ssm",
        "via secretsmanager",
        "Permission boundary",
        "Resource short pattern",
    ):
        assert needle in families, needle
    kms = [c for c in differential.cases if c["action"] == "kms:Decrypt"]
    assert any(c["accountId"] != generated.ACCOUNT for c in kms)
    decisions = collections.Counter(a["decision"] for a in differential.answers)
    assert min(decisions.values()) > len(differential.cases) // 10, decisions
    # Rewritten cases exist for every class, so each class's proof actually ran.
    names = {n for _, name in differential.rewrites for n in name.split(" + ")}
    kept = {d.name for d in DIFFERENCES if d.preserves and any(d in found for found in differential.matches)}
    assert names >= {d.name for d in DIFFERENCES if not d.preserves} and kept == {d.name for d in DIFFERENCES if d.preserves}


def _fail_open_not_resource(statement: Any, resource: str, state: Any, implied: bool = False) -> Any:
    """The old bug: a NotResource entry with an unresolvable variable simply does not match (the Allow grants)."""
    element = "Resource" if "Resource" in statement else "NotResource" if "NotResource" in statement else None
    if element is None:
        return implied
    hits = []
    for pattern in policy._as_list(statement[element]):
        try:
            hits.append(policy.resource_match(str(pattern), resource, state.context, variables=state.variables))
        except (policy._Unresolved, policy.Unevaluable):
            hits.append(False)
    return any(hits) if element == "Resource" else not any(hits)


def _lenient_date(text: str) -> Any:
    """The old date parser: whatever datetime.fromisoformat takes (a bare number is epoch seconds)."""
    if text.isdigit():
        return policy.Decimal(text)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise policy.Unevaluable(text) from None
    return policy.Decimal(int(moment.replace(tzinfo=moment.tzinfo or UTC).timestamp()))


def _date_operators(monkeypatch: pytest.MonkeyPatch, parse: Callable[[str], Any]) -> None:
    for name, operator in list(policy._OPERATORS.items()):
        if name.startswith("Date"):
            compare = {"Equals": lambda a, b: a == b, "NotEquals": lambda a, b: a == b, "LessThan": lambda a, b: a < b}.get(
                name[4:],
                {"LessThanEquals": lambda a, b: a <= b, "GreaterThan": lambda a, b: a > b}.get(name[4:], lambda a, b: a >= b),
            )
            monkeypatch.setitem(policy._OPERATORS, name, policy._Operator(policy._typed(parse, compare), operator.negated, False))


def _wrap_evaluate(change: Callable[..., Any]) -> Callable[[pytest.MonkeyPatch], None]:
    def mutate(monkeypatch: pytest.MonkeyPatch) -> None:
        original = policy._evaluate
        monkeypatch.setattr(policy, "_evaluate", lambda *args, **kwargs: change(original, *args, **kwargs))

    return mutate


def _as_2012(original: Callable[..., Any], policies: Any, *args: Any, **kwargs: Any) -> Any:
    return original([{**p, "Version": policy.VARIABLES_VERSION} for p in policies], *args, **kwargs)


def _boundary_allows_all(
    original: Callable[..., Any], policies: Any, action: str, resource: str, context: Any, label: str, **kwargs: Any
) -> Any:
    tally = original(policies, action, resource, context, label, **kwargs)
    if label == "permission boundary":
        tally.allows, tally.denies = True, False
    return tally


def _same_account_without_policy(original: Callable[..., Any]) -> Callable[..., Any]:
    """The old bug: without a resource policy, the resource was taken to be in the caller's account."""

    def decide(*args: Any, **kwargs: Any) -> Any:
        if kwargs.get("resource_policy") is None:
            kwargs["resource_account"] = str(kwargs.get("principal") or "").split(":")[4]
        return original(*args, **kwargs)

    return decide


def _patch(name: str, replacement: Any) -> Callable[[pytest.MonkeyPatch], None]:
    return lambda monkeypatch: monkeypatch.setattr(policy, name, replacement)


# Bugs the evaluator had before issue 21, and others it could have; each must leave a disagreement no class proves.
MUTANTS: dict[str, Callable[[pytest.MonkeyPatch], None]] = {
    "NotResource with an unresolvable variable fails open": _patch("_resource_element_match", _fail_open_not_resource),
    "cross-account allowed on the identity policy alone": lambda monkeypatch: monkeypatch.setattr(
        policy, "decide", _same_account_without_policy(policy.decide)
    ),
    "kms:* decided without the key policy": _patch("_is_kms_key", lambda action, resource: False),
    "variables substituted whatever the Version": _wrap_evaluate(_as_2012),
    "a default without the space accepted": _patch("_DEFAULT", re.compile(r"^\s*([^,']+?)\s*,\s*'([^']*)'$")),
    "dates read by datetime.fromisoformat": lambda monkeypatch: _date_operators(monkeypatch, _lenient_date),
    "the permission boundary ignored": _wrap_evaluate(_boundary_allows_all),
    "a segment-ending * never crosses a colon": _patch("resource_match", lambda *a, **k: _no_crossing(*a, **k)),
}
_resource_match = policy.resource_match


def _no_crossing(pattern: str, resource: str, context: Any = None, *, variables: bool = True, crossing: bool = True) -> Any:
    return _resource_match(pattern, resource, context, variables=variables, crossing=False)


@pytest.mark.parametrize("mutant", list(MUTANTS))
def test_a_broken_evaluator_is_caught(differential: Differential, mutant: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each bug leaves disagreements no class proves: the classes are narrow, and the differential can fail."""
    MUTANTS[mutant](monkeypatch)
    counts = classify(differential, first_failure=True)
    failed = {k: v for k, v in counts.items() if k.startswith(("UNEXPLAINED", "UNPROVED"))}
    assert failed, f"{mutant}: no unexplained disagreement ({counts})"
