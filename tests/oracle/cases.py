"""Seeded policy/request cases for the differential test (tests/oracle/test_iam_differential.py).

Written from AWS's documentation (IAM User Guide: "Policy evaluation logic", "Cross-account
policy evaluation logic", "Condition operators", "Creating a condition with multiple keys or
values", "Variables and tags", "Version", "Resource", "NotResource", "NotAction", "Principal",
"NotPrincipal", "Permissions boundaries"; KMS Developer Guide: "Key policies", "Default key
policy"), one family per rule those pages state. Every case is a plain dict that the oracle
script (simulate.js) and scripts/iam/policy.py both read: identity policies, an optional
resource policy and permission boundary, action, principal, resource, the resource's account
and the request context. `family` names what the case exercises. The shapes are this
project's: SSM parameters and secrets under /<env>/<app>/<scope>/<name>, a function's role
session, KMS keys; the contexts start from scripts/iam/context.py.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from scripts.iam import context as iam_context

ACCOUNT = "123456789012"
OTHER_ACCOUNT = "210987654321"
REGION = "us-east-1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/prod-app-fn"
SESSION = iam_context.session_arn(ROLE, "prod-app-fn")
OTHER_ROLE = f"arn:aws:iam::{OTHER_ACCOUNT}:role/reader-fn"
OTHER_SESSION = iam_context.session_arn(OTHER_ROLE, "reader-fn")
SIBLING_ROLE = f"arn:aws:iam::{ACCOUNT}:role/other-fn"
NOW = datetime(2026, 11, 29, 12, 0, 0, tzinfo=UTC)
PARAMETER = f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter"
SECRET = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
OTHER_KEY = f"arn:aws:kms:{REGION}:{OTHER_ACCOUNT}:key/0987dcba-21ba-43dc-65fe-0987654321ba"
V2012, V2008 = "2012-10-17", "2008-10-17"

RESOURCES = {
    "ssm:GetParameter": [
        f"{PARAMETER}/prod/app/config/url",
        f"{PARAMETER}/prod/app/secrets/db",
        f"{PARAMETER}/prod/other/config/url",
        f"{PARAMETER}/dev/app/config/url",
        f"{PARAMETER}/prod/App/config/url",
        f"{PARAMETER}/prod/payments/config/url",
        f"arn:aws:ssm:{REGION}:{OTHER_ACCOUNT}:parameter/prod/app/config/url",
    ],
    "secretsmanager:GetSecretValue": [
        f"{SECRET}/prod/app/secrets/api-AbC123",
        f"{SECRET}/prod/other/secrets/api-XyZ789",
        f"{SECRET}/dev/app/secrets/api-QwE456",
    ],
}
# Resource element: "You can use wildcard characters (* and ?) within ARN segments"; ARNs are case-sensitive.
RESOURCE_PATTERNS = [
    "*",
    f"{PARAMETER}/prod/app/*",
    f"{PARAMETER}/prod/app/config/*",
    f"{PARAMETER}/prod/*/config/url",
    f"{PARAMETER}/prod/app/config/ur?",
    f"{PARAMETER}/prod/app/config/url",
    f"{PARAMETER}/prod/app",
    f"{PARAMETER}/Prod/app/*",
    "arn:aws:ssm:*:*:parameter/prod/app/*",
    f"arn:aws:ssm:*:{ACCOUNT}:parameter/prod/*",
    f"arn:aws:ssm:us-*-1:{ACCOUNT}:parameter/prod/app/*",
    f"arn:aws:ssm:{REGION}:{ACCOUNT}:*",
    f"arn:aws:ssm:{REGION}:{OTHER_ACCOUNT}:parameter/*",
    f"{SECRET}/prod/app/secrets/*",
    f"{SECRET}/prod/app/secrets/api-??????",
    f"{SECRET}/prod/*",
    f"arn:aws:secretsmanager:*:{ACCOUNT}:secret:/prod/app/*",
    f"{SECRET}/dev/app/secrets/api-QwE456",
    f"arn:aws:*:{REGION}:{ACCOUNT}:*",  # "You can't use a wildcard in the service segment"
    f"arn:aws:ssm:{REGION}:{ACCOUNT}:param*",  # "You cannot use a wildcard in the portion ... that specifies the resource type"
    f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:/prod/${{aws:username}}/*",  # no such key for a role session
]
# "If the * wildcard is the last character of a resource ARN segment, it can expand to match beyond the colon boundaries."
SHORT_PATTERNS = [
    "arn:aws:ssm:*:parameter/prod/app/*",
    "arn:aws:secretsmanager:*:secret:/prod/app/*",
    f"arn:aws:ssm:{REGION}:*",
    "arn:aws:ssm:us-*:parameter/prod/*",
    f"arn:aws:ssm:{REGION}:*:parameter/prod/app/*",
]
# Action element: case-insensitive, * and ? wildcards.
ACTION_PATTERNS = [
    "ssm:GetParameter",
    "SSM:getparameter",
    "ssm:Get*",
    "ssm:*Parameter",
    "ssm:GetParam?ter",
    "ssm:*",
    "*",
    "ssm:PutParameter",
    "secretsmanager:GetSecretValue",
    "secretsmanager:get*",
    "secretsmanager:Describe*",
    "kms:*",
]

# --- Condition keys by type (global condition keys page), with request and policy values ----------

STRING_KEYS = {
    "aws:userid": ["AROAEXAMPLEROLEID0000:prod-app-fn", "AROAEXAMPLEROLEID0000:other-fn"],
    "aws:PrincipalTag/team": ["payments", "Payments", "ops", ""],
    "aws:RequestedRegion": ["us-east-1", "eu-west-1"],
    "aws:PrincipalAccount": [ACCOUNT, OTHER_ACCOUNT],
    "aws:PrincipalType": ["AssumedRole", "User"],
}
STRING_POLICY_VALUES = [
    "payments",
    "PAYMENTS",
    "pay*",
    "*ments",
    "p?yments",
    "ops",
    "",
    "us-east-1",
    "us-*",
    ACCOUNT,
    "1234*",
    "AROAEXAMPLEROLEID0000:prod-app-fn",
    "*:prod-app-fn",
    "AROA*:other-*",
    "AssumedRole",
    "assumedrole",
    "*",
]
ARN_KEYS = {
    "aws:PrincipalArn": [ROLE, SIBLING_ROLE, OTHER_ROLE],
    "aws:SourceArn": [f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:prod-app-fn", "arn:aws:s3:::bucket/a:b"],
}
ARN_POLICY_VALUES = [
    ROLE,
    f"arn:aws:iam::{ACCOUNT}:role/*",
    "arn:aws:iam::*:role/prod-app-fn",
    "arn:aws:iam::*:role/prod-*",
    "arn:aws:*:*:123456789012:*",
    "arn:*:iam::123456789012:role/prod-app-f?",
    f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:*",
    "arn:aws:s3:::bucket/*",
    "arn:aws:s3:::bucket/a:*",
    f"arn:aws:iam::{ACCOUNT}",  # five parts: not an ARN an Arn operator can read
]
BOOL_KEYS = {"aws:SecureTransport": ["true", "false"], "aws:ViaAWSService": ["true", "false"]}
BOOL_POLICY_VALUES = ["true", "false", "TRUE", "False"]

# Numeric: "comparing a key to an integer or decimal value". The last ones are not numbers.
NUMERIC_KEYS = {"aws:MultiFactorAuthAge": ["0", "300", "3600", "86400", "12.5"]}
NUMERIC_POLICY_VALUES = ["0", "300", "3600", "3600.0", "-1", "+300", ".5", "12.50", "100000"]
NUMERIC_UNREADABLE = ["1e3", "0x10", "3,600", "ten"]

# Date: "one of the W3C implementations of the ISO 8601 date formats or in epoch (UNIX) time".
DATE_KEYS = {"aws:CurrentTime": "iso", "aws:TokenIssueTime": "iso", "aws:EpochTime": "epoch"}
DATE_UNREADABLE = ["2027-03-14T09Z", "2026-11-29T12:00", "2026/11/29", "29 Nov 2026", "2026-11-29T12:00:00", "2026-13-01"]

# IP address: "in the standard CIDR format"; "without the associated routing prefix, IAM uses the default prefix value of /32".
IP_KEYS = {"aws:SourceIp": ["203.0.113.7", "10.1.2.3", "2001:db8::1", "2001:db8:85a3::8a2e:370:7334"]}
IP_POLICY_VALUES = [
    "203.0.113.0/24",
    "10.0.0.0/8",
    "203.0.113.7",
    "203.0.113.7/32",
    "2001:db8::/32",
    "2001:DB8:0:0:0:0:0:1",
    "2001:db8::1/128",
    "0.0.0.0/0",
    "::/0",
    "2001:db8:85a3::/48",
]
IP_UNREADABLE = ["10.0.0.0/255.0.0.0", "300.1.2.3", "10.1.2.3/33", "10.1.2"]

# Multivalued keys (type ArrayOf...): "Multivalued condition keys require a set operator."
MULTI_KEYS = {
    "aws:CalledVia": ["cloudformation.amazonaws.com", "athena.amazonaws.com", "dynamodb.amazonaws.com"],
    "aws:PrincipalServiceNamesList": ["lambda.amazonaws.com", "ec2.amazonaws.com"],
    "aws:TagKeys": ["team", "Team", "cost-center"],
}
MULTI_POLICY_VALUES = [
    "cloudformation.amazonaws.com",
    "athena.amazonaws.com",
    "*.amazonaws.com",
    "lambda.*",
    "ec2.amazonaws.com",
    "team",
    "cost-*",
]

FAMILIES: dict[str, tuple[list[str], dict[str, Any], list[str]]] = {
    "String": (
        ["StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike", "StringNotLike"],
        STRING_KEYS,
        STRING_POLICY_VALUES,
    ),
    "Arn": (["ArnEquals", "ArnNotEquals", "ArnLike", "ArnNotLike"], ARN_KEYS, ARN_POLICY_VALUES),
    "Bool": (["Bool"], BOOL_KEYS, BOOL_POLICY_VALUES),
}
NUMERIC_OPERATORS = [
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
]
DATE_OPERATORS = ["DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals"]


def base_context(role: str = ROLE, session: str = "prod-app-fn", **tags: str) -> dict[str, Any]:
    """What AWS supplies for a role session's own call (scripts/iam/context.py), as strings."""
    context = iam_context.for_function(
        role_arn=role, session_name=session, region=REGION, principal_tags=tags or {"team": "payments"}, now=NOW
    )
    return {k: ("true" if v is True else "false" if v is False else v) for k, v in context.items()}


def _case(
    family: str,
    policies: list[dict],
    action: str,
    resource: str,
    context: dict,
    *,
    resource_policy: dict | None = None,
    boundary: dict | None = None,
    principal: str = SESSION,
) -> dict[str, Any]:
    account = resource.split(":")[4] if resource.count(":") >= 5 else ACCOUNT
    return {
        "family": family,
        "policies": policies,
        "resourcePolicy": resource_policy,
        "permissionBoundary": boundary,
        "action": action,
        "principal": principal,
        "resource": resource,
        "accountId": account or ACCOUNT,
        "context": context,
    }


def _policy(*statements: dict, version: str | None = V2012) -> dict:
    document: dict[str, Any] = {"Statement": list(statements)}
    if version is not None:
        document["Version"] = version
    return document


def _one_or_list(rng: random.Random, values: list[Any]) -> Any:
    return values[0] if len(values) == 1 and rng.random() < 0.5 else values


def _mixed_case(rng: random.Random, key: str) -> str:
    """ "Key names are case-insensitive" - written as-is, lower-cased, or mixed."""
    choice = rng.random()
    if choice < 0.6:
        return key
    if choice < 0.8:
        return key.lower()
    return "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in key)


def _with_condition(rng: random.Random, operator: str, key: str, values: Any, context: dict, label: str) -> dict[str, Any]:
    """One statement testing `operator` on `key`, as an Allow or as a Deny under an Allow-all."""
    effect = "Allow" if rng.random() < 0.55 else "Deny"
    action = rng.choice(["ssm:GetParameter", "secretsmanager:GetSecretValue"])
    resource = RESOURCES[action][0]
    statement = {"Effect": effect, "Action": action, "Resource": "*", "Condition": {operator: {_mixed_case(rng, key): values}}}
    if rng.random() < 0.2:  # a second key under another operator: "evaluated using a logical AND"
        statement["Condition"]["StringEquals"] = {"aws:PrincipalTag/team": rng.choice(["payments", "ops"])}
    statements = [statement]
    if effect == "Deny":
        statements.insert(0, {"Effect": "Allow", "Action": "*", "Resource": "*"})
    return _case(f"Condition {label} ({effect})", [_policy(*statements)], action, resource, context)


def _operator(rng: random.Random, base: str, label: str, multivalued: bool = False) -> tuple[str, str]:
    """The base operator, maybe with ...IfExists and (always for multivalued keys) a set operator."""
    operator = base
    if rng.random() < 0.3:
        operator, label = operator + "IfExists", label + " IfExists"
    if multivalued or rng.random() < 0.1:
        prefix = rng.choice(["ForAnyValue:", "ForAllValues:"])
        operator, label = prefix + operator, f"{prefix} {label}"
    return operator, label


def _set_key(rng: random.Random, context: dict, key: str, values: list[str], label: str) -> str:
    """Absent (25%), else one of `values`; returns the label with what was done."""
    for existing in [k for k in context if k.lower() == key.lower()]:
        del context[existing]
    if rng.random() < 0.25:
        return label + ", key absent"
    context[key] = rng.choice(values)
    return label


# --- Families -----------------------------------------------------------------------------------


def action_resource(rng: random.Random) -> dict[str, Any]:
    """Action/NotAction and Resource/NotResource, both effects, several statements (identity policies)."""
    action = rng.choice(list(RESOURCES))
    resource = rng.choice(RESOURCES[action])
    statements = []
    negated = []
    for _ in range(rng.randint(1, 3)):
        statement: dict[str, Any] = {"Effect": "Allow" if rng.random() < 0.6 else "Deny"}
        not_action, not_resource = rng.random() < 0.25, rng.random() < 0.25
        statement["NotAction" if not_action else "Action"] = _one_or_list(rng, rng.sample(ACTION_PATTERNS, rng.randint(1, 2)))
        statement["NotResource" if not_resource else "Resource"] = _one_or_list(
            rng, rng.sample(RESOURCE_PATTERNS, rng.randint(1, 2))
        )
        negated += [f"NotAction {statement['Effect']}"] * not_action + [f"NotResource {statement['Effect']}"] * not_resource
        statements.append(statement)
    label = "Action/Resource" + (f" ({', '.join(sorted(set(negated)))})" if negated else "")
    return _case(label, [_policy(*statements)], action, resource, base_context())


def short_patterns(rng: random.Random) -> dict[str, Any]:
    """Resource patterns with fewer than six parts whose last-in-segment * spans colons."""
    action = rng.choice(list(RESOURCES))
    resource = rng.choice(RESOURCES[action])
    effect = rng.choice(["Allow", "Deny"])
    statement = {"Effect": effect, "Action": action, rng.choice(["Resource", "NotResource"]): rng.choice(SHORT_PATTERNS)}
    statements = [statement] if effect == "Allow" else [{"Effect": "Allow", "Action": "*", "Resource": "*"}, statement]
    return _case("Resource short pattern", [_policy(*statements)], action, resource, base_context())


def string_arn_bool(rng: random.Random) -> dict[str, Any]:
    """String, ARN and Bool operators, IfExists, Null, the missing-key rules, key-name case."""
    name = rng.choice(list(FAMILIES))
    operators, keys, policy_values = FAMILIES[name]
    key = rng.choice(list(keys))
    context = base_context()
    if rng.random() < 0.12:
        label = _set_key(rng, context, key, keys[key], "Null")
        return _with_condition(rng, "Null", key, rng.choice(["true", "false", ["true", "false"]]), context, label)
    operator, label = _operator(rng, rng.choice(operators), name)
    label = _set_key(rng, context, key, keys[key], label)
    values = _one_or_list(rng, rng.sample(policy_values, rng.randint(1, 3)))
    return _with_condition(rng, operator, key, values, context, label)


def numeric(rng: random.Random) -> dict[str, Any]:
    """Numeric operators against integers and decimals, and against values that are not numbers."""
    key = "aws:MultiFactorAuthAge"
    context = base_context()
    operator, label = _operator(rng, rng.choice(NUMERIC_OPERATORS), "Numeric")
    if rng.random() < 0.06:  # a typed operator on a key of another type: the request's value is no number
        key, label = "aws:PrincipalTag/team", label + ", on a string key"
    label = _set_key(rng, context, key, NUMERIC_KEYS.get(key, ["payments"]), label)
    values = rng.sample(NUMERIC_POLICY_VALUES, rng.randint(1, 2))
    if rng.random() < 0.15:
        values.append(rng.choice(NUMERIC_UNREADABLE))
        label += ", not a number"
    return _with_condition(rng, operator, key, _one_or_list(rng, values), context, label)


def _w3c(rng: random.Random, moment: datetime) -> str:
    """`moment` in one W3C NOTE-datetime form (UTC or an offset; truncated to what the form holds)."""
    form = rng.choice(["YYYY", "YYYY-MM", "YYYY-MM-DD", "hh:mmTZD", "hh:mm:ssTZD", "hh:mm:ss.sTZD"])
    if form == "YYYY":
        return f"{moment.year:04d}"
    if form == "YYYY-MM":
        return f"{moment.year:04d}-{moment.month:02d}"
    if form == "YYYY-MM-DD":
        return moment.strftime("%Y-%m-%d")
    offset = rng.choice([timedelta(0), timedelta(hours=1), timedelta(hours=-5, minutes=-30)])
    local = moment.astimezone(UTC) + offset
    tz = (
        "Z"
        if not offset
        else ("+" if offset > timedelta(0) else "-")
        + f"{abs(offset) // timedelta(hours=1):02d}:{(abs(offset) % timedelta(hours=1)) // timedelta(minutes=1):02d}"
    )
    if form == "hh:mmTZD":
        return local.strftime("%Y-%m-%dT%H:%M") + tz
    if form == "hh:mm:ssTZD":
        return local.strftime("%Y-%m-%dT%H:%M:%S") + tz
    return local.strftime("%Y-%m-%dT%H:%M:%S") + "." + rng.choice(["5", "25", "125", "000"]) + tz


def dates(rng: random.Random) -> dict[str, Any]:
    """Date operators with every W3C form, epoch seconds, and forms that are neither."""
    key = rng.choice(list(DATE_KEYS))
    context = base_context()
    operator, label = _operator(rng, rng.choice(DATE_OPERATORS), "Date")
    request = NOW + timedelta(minutes=rng.choice([0, -90, 60 * 24 * 400]))
    for existing in [k for k in context if k.lower() == key.lower()]:
        del context[existing]
    if rng.random() < 0.2:
        label += ", key absent"
    else:
        context[key] = str(int(request.timestamp())) if DATE_KEYS[key] == "epoch" else request.strftime("%Y-%m-%dT%H:%M:%SZ")
    values = []
    for _ in range(rng.randint(1, 2)):
        moment = NOW + timedelta(seconds=rng.choice([0, 1, -1, -3600, 86400 * 40, -86400 * 400]))
        values.append(str(int(moment.timestamp())) if rng.random() < 0.2 else _w3c(rng, moment))
    if rng.random() < 0.15:
        values.append(rng.choice(DATE_UNREADABLE))
        label += ", not W3C"
    return _with_condition(rng, operator, key, _one_or_list(rng, values), context, label)


def ip_addresses(rng: random.Random) -> dict[str, Any]:
    """IpAddress / NotIpAddress with IPv4 and IPv6 blocks and single addresses, and values that are not addresses."""
    key = "aws:SourceIp"
    context = base_context()
    operator, label = _operator(rng, rng.choice(["IpAddress", "NotIpAddress"]), "Ip")
    label = _set_key(rng, context, key, IP_KEYS[key], label)
    values = rng.sample(IP_POLICY_VALUES, rng.randint(1, 3))
    if rng.random() < 0.12:
        values.append(rng.choice(IP_UNREADABLE))
        label += ", not an address"
    return _with_condition(rng, operator, key, _one_or_list(rng, values), context, label)


def multivalued(rng: random.Random) -> dict[str, Any]:
    """Multivalued keys with ForAnyValue / ForAllValues, absent and empty sets, and without a set operator."""
    key = rng.choice(list(MULTI_KEYS))
    context = base_context()
    base = rng.choice(["StringEquals", "StringNotEquals", "StringLike", "StringNotLike", "StringEqualsIgnoreCase"])
    operator, label = _operator(rng, base, "Multivalued", multivalued=rng.random() < 0.85)
    presence = rng.random()
    if presence < 0.2:
        label += ", key absent"
    elif presence < 0.4:
        context[key] = []
        label += ", empty set"
    else:
        context[key] = rng.sample(MULTI_KEYS[key], rng.randint(1, len(MULTI_KEYS[key])))
    values = _one_or_list(rng, rng.sample(MULTI_POLICY_VALUES, rng.randint(1, 3)))
    return _with_condition(rng, operator, key, values, context, label)


# Variables page: ${key}, ${key, 'default'} ("a comma and space"), the special ${*} ${?} ${$}.
VARIABLES = [
    ("${aws:PrincipalTag/team}", "tag"),
    ("${aws:principaltag/TEAM}", "tag, key case"),
    ("${aws:PrincipalTag/team, 'app'}", "default"),
    ("${aws:PrincipalTag/nope, 'app'}", "default used"),
    ("${aws:PrincipalTag/nope}", "no value"),
    ("${aws:username}", "no value (role session)"),
    ("${aws:CalledVia}", "multivalued"),
    ("${aws:CalledVia, 'app'}", "multivalued, default"),
    ("${aws:PrincipalTag/team,'app'}", "default without the space"),
    ("${*}", "special"),
]


def variables(rng: random.Random) -> dict[str, Any]:
    """Policy variables in Resource, NotResource and String/Arn/Bool values, under each Version."""
    version = rng.choice([V2012, V2012, V2008, None])
    vlabel = {V2012: "2012-10-17", V2008: "2008-10-17", None: "no Version"}[version]
    context = base_context()
    team = rng.random()
    if team < 0.2:
        del context["aws:PrincipalTag/team"]
    elif team < 0.35:
        context["aws:PrincipalTag/team"] = ""
    elif team < 0.55:
        context["aws:PrincipalTag/team"] = "app"
    if rng.random() < 0.3:
        context["aws:CalledVia"] = ["athena.amazonaws.com"]
    variable, kind = rng.choice(VARIABLES)
    effect = rng.choice(["Allow", "Deny"])
    place = rng.random()
    action = "ssm:GetParameter"
    resource = rng.choice(
        [f"{PARAMETER}/prod/payments/x", f"{PARAMETER}/prod/app/x", f"{PARAMETER}/prod/ops/x", f"{PARAMETER}/prod//x"]
    )
    if place < 0.45:
        element = rng.choice(["Resource", "NotResource"])
        statement = {
            "Effect": effect,
            "Action": action,
            element: _one_or_list(
                rng, [f"{PARAMETER}/prod/{variable}/*"] + ([f"{PARAMETER}/dev/*"] if rng.random() < 0.3 else [])
            ),
        }
        where = element
    else:
        operator = rng.choice(
            ["StringEquals", "StringLike", "StringNotEquals", "StringNotLike", "ArnLike", "ArnNotEquals", "Bool"]
        )
        key, value = {
            "ArnLike": ("aws:PrincipalArn", f"arn:aws:iam::{ACCOUNT}:role/prod-{variable}-fn"),
            "ArnNotEquals": (
                "aws:PrincipalArn",
                rng.choice([f"arn:aws:iam::{ACCOUNT}:role/{variable}", "arn:aws:iam::${aws:PrincipalAccount}:role/prod-*"]),
            ),
            "Bool": (
                "aws:SecureTransport",
                rng.choice(["${aws:SecureTransport}", "${aws:ViaAWSService}", "${aws:PrincipalTag/nope, 'true'}"]),
            ),
        }.get(
            operator,
            rng.choice(
                [
                    ("aws:PrincipalTag/team", variable),
                    ("aws:userid", f"*:prod-{variable}-fn"),
                    ("aws:RequestedRegion", f"us-{variable}"),
                ]
            ),
        )
        statement = {"Effect": effect, "Action": action, "Resource": "*", "Condition": {operator: {key: value}}}
        where = operator
    statements = [statement] if effect == "Allow" else [{"Effect": "Allow", "Action": "*", "Resource": "*"}, statement]
    return _case(
        f"Variable in {where}, {kind}, {vlabel} ({effect})", [_policy(*statements, version=version)], action, resource, context
    )


# --- Resource-based policies, cross-account, NotPrincipal, boundaries -----------------------------


def _principal_options(caller_role: str, caller_session: str, caller_account: str) -> list[Any]:
    return [
        {"AWS": caller_session},
        {"AWS": caller_role},
        {"AWS": caller_account},
        {"AWS": f"arn:aws:iam::{caller_account}:root"},
        "*",
        {"AWS": "*"},
        {"AWS": SIBLING_ROLE},
        {"AWS": f"arn:aws:iam::{OTHER_ACCOUNT if caller_account == ACCOUNT else ACCOUNT}:root"},
        {"AWS": [caller_role, SIBLING_ROLE]},
    ]


RESOURCE_CONDITIONS = [
    {"StringEquals": {"aws:PrincipalTag/team": "payments"}},
    {"Bool": {"aws:SecureTransport": "false"}},
    {"StringNotEquals": {"aws:PrincipalAccount": ACCOUNT}},
    {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/prod-*"}},
]


def resource_policies(rng: random.Random) -> dict[str, Any]:
    """A secret's resource policy with identity policies, same-account and cross-account
    ("the resource-based policy in AccountB must allow the requester in AccountA")."""
    cross = rng.random() < 0.4
    role, session, account = (OTHER_ROLE, OTHER_SESSION, OTHER_ACCOUNT) if cross else (ROLE, SESSION, ACCOUNT)
    resource = RESOURCES["secretsmanager:GetSecretValue"][0]
    statements = []
    for _ in range(rng.randint(1, 2)):
        statement: dict[str, Any] = {
            "Effect": rng.choice(["Allow", "Allow", "Deny"]),
            "Principal": rng.choice(_principal_options(role, session, account)),
            "Action": rng.choice(["secretsmanager:GetSecretValue", "secretsmanager:*", "ssm:GetParameter"]),
            "Resource": rng.choice(["*", resource, f"{SECRET}/prod/other/*"]),
        }
        if rng.random() < 0.3:
            statement["Condition"] = rng.choice(RESOURCE_CONDITIONS)
        if rng.random() < 0.1:  # a resource policy may leave its own resource implied
            del statement["Resource"]
        statements.append(statement)
    identity = []
    if rng.random() < 0.7:
        identity = [
            _policy(
                {
                    "Effect": rng.choice(["Allow", "Allow", "Deny"]),
                    "Action": "secretsmanager:GetSecretValue",
                    "Resource": rng.choice([resource, f"{SECRET}/prod/app/*", f"{SECRET}/dev/*", "*"]),
                }
            )
        ]
    none = rng.random() < 0.15
    label = f"Resource policy{' absent' if none else ''}, {'cross-account' if cross else 'same account'}"
    context = base_context(role, session.rsplit("/", 1)[-1])
    context["aws:ResourceAccount"] = ACCOUNT
    resource_policy = None if none else _policy(*statements)
    return _case(
        label, identity, "secretsmanager:GetSecretValue", resource, context, resource_policy=resource_policy, principal=session
    )


def not_principal(rng: random.Random) -> dict[str, Any]:
    """NotPrincipal with Deny: "explicitly denied to all principals except for the ones specified"; naming all of
    the session, its role and its account, some of them, none of them (and a few with Allow)."""
    cross = rng.random() < 0.3
    role, session, account = (OTHER_ROLE, OTHER_SESSION, OTHER_ACCOUNT) if cross else (ROLE, SESSION, ACCOUNT)
    resource = RESOURCES["secretsmanager:GetSecretValue"][0]
    chain = [session, role, rng.choice([account, f"arn:aws:iam::{account}:root"])]
    named = [c for c in chain if rng.random() < 0.6] + ([SIBLING_ROLE] if rng.random() < 0.3 else [])
    effect = "Deny" if rng.random() < 0.85 else "Allow"
    statements = [
        {
            "Effect": effect,
            "NotPrincipal": {"AWS": _one_or_list(rng, named or [SIBLING_ROLE])},
            "Action": "secretsmanager:*",
            "Resource": "*",
        }
    ]
    if rng.random() < 0.6:
        statements.append(
            {
                "Effect": "Allow",
                "Principal": {"AWS": rng.choice([role, account, session])},
                "Action": "secretsmanager:GetSecretValue",
                "Resource": "*",
            }
        )
    identity = (
        [_policy({"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"})] if rng.random() < 0.7 else []
    )
    named_parts = sum(c in named for c in chain)
    label = f"NotPrincipal with {effect}, names {named_parts} of 3, {'cross-account' if cross else 'same account'}"
    context = base_context(role, session.rsplit("/", 1)[-1])
    return _case(
        label,
        identity,
        "secretsmanager:GetSecretValue",
        resource,
        context,
        resource_policy=_policy(*statements),
        principal=session,
    )


def boundaries(rng: random.Random) -> dict[str, Any]:
    """Permission boundaries: "the entity can perform only the actions that are allowed by both its identity-based
    policies and its permissions boundaries"; a resource policy naming the session is not limited by it."""
    action = rng.choice(list(RESOURCES))
    resource = RESOURCES[action][0]
    identity = (
        [_policy({"Effect": "Allow", "Action": rng.choice([action, "*", "ssm:*"]), "Resource": rng.choice(["*", resource])})]
        if rng.random() < 0.8
        else []
    )
    boundary_statements = [
        {"Effect": "Allow", "Action": rng.choice(["ssm:*", "secretsmanager:*", "*", "kms:*"]), "Resource": "*"}
    ]
    if rng.random() < 0.3:
        boundary_statements.append(
            {"Effect": "Deny", "Action": rng.choice(["ssm:GetParameter", "secretsmanager:*"]), "Resource": "*"}
        )
    resource_policy = None
    if action.startswith("secretsmanager") and rng.random() < 0.5:
        resource_policy = _policy(
            {
                "Effect": "Allow",
                "Principal": rng.choice([{"AWS": SESSION}, {"AWS": ROLE}, {"AWS": ACCOUNT}, "*"]),
                "Action": action,
                "Resource": "*",
            }
        )
    return _case(
        "Permission boundary",
        identity,
        action,
        resource,
        base_context(),
        resource_policy=resource_policy,
        boundary=_policy(*boundary_statements),
    )


KEY_CONDITIONS = [
    {"StringEquals": {"kms:ViaService": f"secretsmanager.{REGION}.amazonaws.com"}},
    {"StringLike": {"kms:ViaService": ["ssm.*.amazonaws.com", "secretsmanager.*.amazonaws.com"]}},
    {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}},
    {"StringEquals": {"kms:CallerAccount": ACCOUNT}},
    {"StringLike": {"kms:EncryptionContext:SecretARN": f"{SECRET}/prod/app/*"}},
    {"StringLike": {"kms:encryptioncontext:PARAMETER_ARN": f"{PARAMETER}/prod/app/*"}},
    {"ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["SecretARN", "SecretVersionId"]}},
    {"ForAnyValue:StringEquals": {"kms:EncryptionContextKeys": "PARAMETER_ARN"}},
    {"Null": {"kms:ViaService": "false"}},
    {"StringEqualsIfExists": {"kms:ViaService": f"ssm.{REGION}.amazonaws.com"}},
    {"Bool": {"aws:ViaAWSService": "true"}},
]


def key_policies(rng: random.Random) -> dict[str, Any]:
    """kms:Decrypt directly and through Secrets Manager / Parameter Store, under no key policy, KMS's default key
    policy, the AWS managed keys' policy, or a custom one (KMS: a key policy must allow; naming the account
    "enables IAM policies"); keys in the caller's account and in another."""
    service = rng.choice(["ssm", "secretsmanager"])
    item = RESOURCES["ssm:GetParameter"][0] if service == "ssm" else RESOURCES["secretsmanager:GetSecretValue"][0]
    key, key_account = (OTHER_KEY, OTHER_ACCOUNT) if rng.random() < 0.2 else (KEY, ACCOUNT)
    context = base_context()
    direct = rng.random() < 0.2
    if not direct:
        context = iam_context.for_decrypt_via(
            context, service, encryption=iam_context.encryption_context(service, item, "v1"), key_account=key_account
        )
        context = {k: ("true" if v is True else "false" if v is False else v) for k, v in context.items()}
    context["aws:ResourceAccount"] = key_account
    identity_statement: dict[str, Any] = {
        "Effect": "Allow" if rng.random() < 0.9 else "Deny",
        "Action": rng.choice(["kms:Decrypt", "kms:*", "kms:Encrypt"]),
        "Resource": rng.choice(
            [key, "*", f"arn:aws:kms:{REGION}:{key_account}:key/*", f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/app"]
        ),
    }
    if rng.random() < 0.5:
        identity_statement["Condition"] = rng.choice(KEY_CONDITIONS)
    identity = [_policy(identity_statement)] if rng.random() < 0.85 else []
    shape = rng.random()
    if shape < 0.12:
        key_policy, label = None, "no key policy"
    elif shape < 0.35:
        key_policy, label = iam_context.default_key_policy(key_account), "default key policy"
    elif shape < 0.5:
        key_policy, label = iam_context.aws_managed_key_policy(service, REGION, ACCOUNT), "AWS managed key policy"
    else:
        statements = []
        if rng.random() < 0.5:
            statements.append(
                {
                    "Sid": "Enable IAM policies",
                    "Effect": "Allow",
                    "Principal": {
                        "AWS": rng.choice([f"arn:aws:iam::{ACCOUNT}:root", ACCOUNT, f"arn:aws:iam::{OTHER_ACCOUNT}:root"])
                    },
                    "Action": "kms:*",
                    "Resource": "*",
                }
            )
        if rng.random() < 0.5:
            grant = {
                "Effect": "Allow",
                "Principal": {"AWS": rng.choice([ROLE, SESSION, SIBLING_ROLE, "*"])},
                "Action": rng.choice(["kms:Decrypt", "kms:*"]),
                "Resource": "*",
            }
            if rng.random() < 0.5:
                grant["Condition"] = rng.choice(KEY_CONDITIONS)
            statements.append(grant)
        if rng.random() < 0.25:
            statements.append(
                {
                    "Effect": "Deny",
                    "Principal": {"AWS": "*"},
                    "Action": "kms:Decrypt",
                    "Resource": "*",
                    "Condition": rng.choice(KEY_CONDITIONS),
                }
            )
        key_policy, label = _policy(*statements), "custom key policy"
    where = "cross-account" if key_account != ACCOUNT else "same account"
    label = f"KMS {label}, {'direct' if direct else 'via ' + service}, {where}"
    return _case(label, identity, "kms:Decrypt", key, context, resource_policy=key_policy)


GENERATORS: list[tuple[Callable[[random.Random], dict[str, Any]], int]] = [
    (action_resource, 900),
    (short_patterns, 100),
    (string_arn_bool, 1100),
    (numeric, 400),
    (dates, 550),
    (ip_addresses, 400),
    (multivalued, 450),
    (variables, 750),
    (resource_policies, 650),
    (not_principal, 300),
    (boundaries, 300),
    (key_policies, 650),
]


def generate(seed: int = 20261129) -> list[dict[str, Any]]:
    """Every case, in a fixed order for a given seed."""
    rng = random.Random(seed)
    return [generator(rng) for generator, count in GENERATORS for _ in range(count)]
