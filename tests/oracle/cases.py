"""Seeded policy/request cases for the differential test (tests/oracle/test_iam_differential.py).

Every case is a plain dict the oracle script (simulate.js) and scripts/iam/policy.py both
read: identity policies, an optional resource policy, action, principal, resource, the
resource's account and the request context. Each has a `family` naming what it exercises.
The shapes are this project's: SSM parameters and secrets under /<env>/<app>/<scope>/<name>,
a function's role session, KMS keys; the contexts start from scripts/iam/context.py.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

from scripts.iam import context as iam_context

ACCOUNT = "123456789012"
OTHER_ACCOUNT = "210987654321"
REGION = "us-east-1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/prod-app-fn"
SESSION = iam_context.session_arn(ROLE, "prod-app-fn")
OTHER_ROLE = f"arn:aws:iam::{ACCOUNT}:role/other-fn"
NOW = datetime(2026, 11, 29, 12, 0, 0, tzinfo=UTC)
PARAMETER = f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter"
SECRET = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"

RESOURCES = {
    "ssm:GetParameter": [
        f"{PARAMETER}/prod/app/config/url",
        f"{PARAMETER}/prod/app/secrets/db",
        f"{PARAMETER}/prod/other/config/url",
        f"{PARAMETER}/dev/app/config/url",
        f"{PARAMETER}/prod/App/config/url",
    ],
    "secretsmanager:GetSecretValue": [
        f"{SECRET}/prod/app/secrets/api-AbC123",
        f"{SECRET}/prod/other/secrets/api-XyZ789",
        f"{SECRET}/dev/app/secrets/api-QwE456",
    ],
}
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
    f"arn:aws:ssm:us-*:{ACCOUNT}:parameter/prod/app/*",
    f"arn:aws:ssm:{REGION}:{ACCOUNT}:*",
    f"{SECRET}/prod/app/secrets/*",
    f"{SECRET}/prod/app/secrets/api-??????",
    f"{SECRET}/prod/*",
    f"arn:aws:secretsmanager:*:{ACCOUNT}:secret:/prod/app/*",
    f"{SECRET}/dev/app/secrets/api-QwE456",
]
# Short patterns whose `*` ends a segment: AWS lets it expand past colons (listed difference).
SHORT_PATTERNS = [
    "arn:aws:ssm:*:parameter/prod/app/*",
    "arn:aws:secretsmanager:*:secret:/prod/app/*",
    "arn:aws:ssm:us-east-1:*",
]
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
]

# Condition keys by type, with values a request may carry and values a policy may test.
STRING_KEYS = {
    "aws:userid": ["AROAEXAMPLEROLEID0000:prod-app-fn", "AROAEXAMPLEROLEID0000:other-fn"],
    "aws:PrincipalTag/team": ["payments", "Payments", "ops"],
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
    "us-east-1",
    "us-*",
    "eu-west-1",
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
    "aws:PrincipalArn": [ROLE, OTHER_ROLE, f"arn:aws:iam::{OTHER_ACCOUNT}:role/prod-app-fn"],
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
]
NUMERIC_KEYS = {"aws:MultiFactorAuthAge": ["0", "300", "3600", "86400"]}
NUMERIC_POLICY_VALUES = ["0", "300", "3600", "3600.0", "100000"]
DATE_KEYS = {
    "aws:CurrentTime": ["2026-11-29T12:00:00Z", "2030-01-01T00:00:00Z"],
    "aws:TokenIssueTime": ["2026-11-29T11:00:00Z", "2020-06-01T00:00:00Z"],
}
DATE_POLICY_VALUES = [
    "2026-11-29T12:00:00Z",
    "2026-11-29",
    "2027-01-01T00:00:00Z",
    "2025-01-01T00:00:00+01:00",
    "2026-11-29T11:59:59.500Z",
]
BOOL_KEYS = {"aws:SecureTransport": ["true", "false"], "aws:ViaAWSService": ["true", "false"]}
BOOL_POLICY_VALUES = ["true", "false", "TRUE", "False"]
IP_KEYS = {"aws:SourceIp": ["203.0.113.7", "10.1.2.3", "2001:db8::1"]}
IP_POLICY_VALUES = ["203.0.113.0/24", "10.0.0.0/8", "203.0.113.7", "2001:db8::/32", "0.0.0.0/0"]
MULTI_KEYS = {
    "aws:CalledVia": ["cloudformation.amazonaws.com", "athena.amazonaws.com", "dynamodb.amazonaws.com"],
    "aws:PrincipalServiceNamesList": ["lambda.amazonaws.com", "ec2.amazonaws.com"],
}
MULTI_POLICY_VALUES = ["cloudformation.amazonaws.com", "athena.amazonaws.com", "*.amazonaws.com", "lambda.*", "ec2.amazonaws.com"]

FAMILIES = {
    "String": (
        ["StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike", "StringNotLike"],
        STRING_KEYS,
        STRING_POLICY_VALUES,
    ),
    "Arn": (["ArnEquals", "ArnNotEquals", "ArnLike", "ArnNotLike"], ARN_KEYS, ARN_POLICY_VALUES),
    "Numeric": (
        [
            "NumericEquals",
            "NumericNotEquals",
            "NumericLessThan",
            "NumericLessThanEquals",
            "NumericGreaterThan",
            "NumericGreaterThanEquals",
        ],
        NUMERIC_KEYS,
        NUMERIC_POLICY_VALUES,
    ),
    "Date": (
        ["DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals"],
        DATE_KEYS,
        DATE_POLICY_VALUES,
    ),
    "Bool": (["Bool"], BOOL_KEYS, BOOL_POLICY_VALUES),
    "Ip": (["IpAddress", "NotIpAddress"], IP_KEYS, IP_POLICY_VALUES),
    "Multivalued": (["StringEquals", "StringNotEquals", "StringLike", "StringNotLike"], MULTI_KEYS, MULTI_POLICY_VALUES),
}


def base_context() -> dict[str, Any]:
    """What AWS supplies for the function's own call (scripts/iam/context.py), as strings."""
    context = iam_context.for_function(
        role_arn=ROLE, session_name="prod-app-fn", region=REGION, principal_tags={"team": "payments"}, now=NOW
    )
    return {k: ("true" if v is True else "false" if v is False else v) for k, v in context.items()}


def _case(family: str, policies: list[dict], action: str, resource: str, context: dict, **extra: Any) -> dict[str, Any]:
    account = resource.split(":")[4] if resource.count(":") >= 5 else ACCOUNT
    return {
        "family": family,
        "policies": policies,
        "resourcePolicy": extra.get("resource_policy"),
        "action": action,
        "principal": SESSION,
        "resource": resource,
        "accountId": account or ACCOUNT,
        "context": context,
    }


def _policy(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _mixed_case(rng: random.Random, key: str) -> str:
    choice = rng.random()
    if choice < 0.6:
        return key
    if choice < 0.8:
        return key.lower()
    return "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in key)


def _matching_family(rng: random.Random) -> dict[str, Any]:
    action = rng.choice(list(RESOURCES))
    resource = rng.choice(RESOURCES[action])
    statements = []
    for _ in range(rng.randint(1, 3)):
        statement: dict[str, Any] = {"Effect": "Allow" if rng.random() < 0.7 else "Deny"}
        actions = rng.sample(ACTION_PATTERNS, rng.randint(1, 2))
        statement["NotAction" if rng.random() < 0.15 else "Action"] = actions if len(actions) > 1 else actions[0]
        patterns = rng.sample(RESOURCE_PATTERNS, rng.randint(1, 2))
        statement["NotResource" if rng.random() < 0.15 else "Resource"] = patterns if len(patterns) > 1 else patterns[0]
        statements.append(statement)
    return _case("Action/Resource", [_policy(*statements)], action, resource, base_context())


def _short_pattern_family(rng: random.Random) -> dict[str, Any]:
    action = rng.choice(list(RESOURCES))
    resource = rng.choice(RESOURCES[action])
    statement = {"Effect": "Allow", "Action": action, "Resource": rng.choice(SHORT_PATTERNS)}
    return _case("Resource short pattern", [_policy(statement)], action, resource, base_context())


def _condition_family(rng: random.Random) -> dict[str, Any]:
    name = rng.choice(list(FAMILIES))
    operators, keys, policy_values = FAMILIES[name]
    base = rng.choice(operators)
    key = rng.choice(list(keys))
    multivalued = name == "Multivalued"
    variant = rng.random()
    if variant < 0.12:
        operator, label = "Null", "Null"
    else:
        operator, label = base, name
        if rng.random() < 0.3:
            operator, label = operator + "IfExists", label + " IfExists"
        if multivalued or rng.random() < 0.15:
            prefix = rng.choice(["ForAnyValue:", "ForAllValues:"])
            operator, label = prefix + operator, f"{prefix} {label}"
    values: Any
    if operator == "Null":
        values = rng.choice(["true", "false", ["true", "false"]])
    else:
        values = rng.sample(policy_values, rng.randint(1, 3))
        values = values[0] if len(values) == 1 and rng.random() < 0.5 else values
    context = base_context()
    for existing in list(context):
        if existing.lower() == key.lower():
            del context[existing]
    presence = rng.random()
    if presence < 0.25:
        label += ", key absent"
    elif multivalued:
        members = rng.sample(keys[key], rng.randint(0, len(keys[key])))
        context[key] = members
        label += ", empty list" if not members else ""
    else:
        context[key] = rng.choice(keys[key])
    policy_key = _mixed_case(rng, key)
    if policy_key != key:
        label += ", key name case"
    effect = "Allow" if rng.random() < 0.6 else "Deny"
    action = rng.choice(list(RESOURCES))
    resource = RESOURCES[action][0]
    statement = {"Effect": effect, "Action": action, "Resource": "*", "Condition": {operator: {policy_key: values}}}
    statements = [statement]
    if effect == "Deny":
        statements.insert(0, {"Effect": "Allow", "Action": "*", "Resource": "*"})
    if rng.random() < 0.25:  # a second operator on another key: both must hold
        statement["Condition"]["StringEquals"] = {"aws:PrincipalTag/team": rng.choice(["payments", "ops"])}
    return _case(f"Condition {label}", [_policy(*statements)], action, resource, context)


def _variable_family(rng: random.Random) -> dict[str, Any]:
    context = base_context()
    choice = rng.random()
    if rng.random() < 0.3:
        del context["aws:PrincipalTag/team"]
    team = "${aws:PrincipalTag/team}"
    if choice < 0.5:
        pattern = rng.choice(
            [
                f"{PARAMETER}/prod/{team}/*",
                f"{PARAMETER}/prod/${{aws:principaltag/TEAM}}/*",
                f"{PARAMETER}/prod/${{aws:PrincipalTag/team, 'app'}}/*",
                f"{PARAMETER}/prod/${{aws:PrincipalTag/nope, 'app'}}/*",
                f"{PARAMETER}/prod/${{aws:PrincipalTag/nope}}/*",
                f"{PARAMETER}/prod/${{*}}/config/url",
            ]
        )
        action, resource = "ssm:GetParameter", rng.choice([f"{PARAMETER}/prod/payments/x", f"{PARAMETER}/prod/app/x"])
        return _case(
            "Variable in Resource",
            [_policy({"Effect": "Allow", "Action": action, "Resource": pattern})],
            action,
            resource,
            context,
        )
    operator = rng.choice(["StringLike", "StringEquals", "StringNotLike", "StringNotEquals", "ArnLike"])
    key, value = rng.choice(
        [
            ("aws:userid", "*:${aws:PrincipalTag/team}-fn"),
            ("aws:userid", "*:prod-app-fn"),
            ("aws:PrincipalTag/team", "${aws:PrincipalTag/team}"),
            ("aws:userid", "${aws:userid}"),
            ("aws:PrincipalArn", "arn:aws:iam::${aws:PrincipalAccount}:role/*"),
            ("aws:PrincipalArn", "arn:aws:iam::${aws:PrincipalAccount}:role/${aws:PrincipalTag/team}"),
        ]
    )
    if operator == "ArnLike" and not key == "aws:PrincipalArn":
        operator = "StringLike"
    if operator != "ArnLike" and key == "aws:PrincipalArn":
        operator = "ArnLike"
    effect = rng.choice(["Allow", "Deny"])
    statements = [{"Effect": effect, "Action": "ssm:GetParameter", "Resource": "*", "Condition": {operator: {key: value}}}]
    if effect == "Deny":
        statements.insert(0, {"Effect": "Allow", "Action": "*", "Resource": "*"})
    resource = RESOURCES["ssm:GetParameter"][0]
    return _case(f"Variable in {operator}", [_policy(*statements)], "ssm:GetParameter", resource, context)


def _kms_family(rng: random.Random) -> dict[str, Any]:
    service = rng.choice(["ssm", "secretsmanager"])
    item = RESOURCES["ssm:GetParameter"][0] if service == "ssm" else RESOURCES["secretsmanager:GetSecretValue"][0]
    encryption = iam_context.encryption_context(service, item, "v1")
    context = iam_context.for_decrypt_via(base_context(), service, encryption=encryption, key_account=ACCOUNT)
    context = {k: ("true" if v is True else "false" if v is False else v) for k, v in context.items()}
    if rng.random() < 0.2:  # called directly, not through the service
        for key in [k for k in context if k.startswith("kms:") and k != "kms:CallerAccount"]:
            del context[key]
        context["aws:ViaAWSService"] = "false"
    conditions = [
        {"StringEquals": {"kms:ViaService": f"{service}.{REGION}.amazonaws.com"}},
        {"StringLike": {"kms:ViaService": ["ssm.*.amazonaws.com", "secretsmanager.*.amazonaws.com"]}},
        {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}},
        {"StringEquals": {"kms:CallerAccount": ACCOUNT}},
        {"StringLike": {"kms:EncryptionContext:SecretARN": f"{SECRET}/prod/app/*"}},
        {"StringLike": {"kms:encryptioncontext:PARAMETER_ARN": f"{PARAMETER}/prod/app/*"}},
        {"ArnLike": {"kms:EncryptionContext:PARAMETER_ARN": f"arn:aws:ssm:*:{ACCOUNT}:parameter/prod/*"}},
        {"ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["SecretARN", "SecretVersionId"]}},
        {"ForAnyValue:StringEquals": {"kms:EncryptionContextKeys": "PARAMETER_ARN"}},
        {"Null": {"kms:ViaService": "false"}},
        {"StringEqualsIfExists": {"kms:ViaService": f"{service}.{REGION}.amazonaws.com"}},
        {},
    ]
    identity = {
        "Effect": "Allow",
        "Action": rng.choice(["kms:Decrypt", "kms:*", "kms:Encrypt"]),
        "Resource": rng.choice([KEY, "*", f"arn:aws:kms:{REGION}:{ACCOUNT}:key/*", f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/app"]),
    }
    condition = rng.choice(conditions)
    if condition:
        identity["Condition"] = condition
    identity_policies = [_policy(identity)] if rng.random() < 0.85 else []
    key_statements = []
    if rng.random() < 0.8:
        key_statements.append(
            {
                "Sid": "Enable IAM policies",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        )
    if rng.random() < 0.3:
        direct = {
            "Effect": "Allow",
            "Principal": {"AWS": rng.choice([ROLE, OTHER_ROLE])},
            "Action": "kms:Decrypt",
            "Resource": "*",
        }
        if rng.random() < 0.5:
            direct["Condition"] = rng.choice([c for c in conditions if c])
        key_statements.append(direct)
    if rng.random() < 0.2:
        key_statements.append(
            {
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Action": "kms:Decrypt",
                "Resource": "*",
                "Condition": rng.choice([c for c in conditions if c]),
            }
        )
    if not key_statements:
        key_statements.append(iam_context.aws_managed_key_policy(service, REGION, ACCOUNT)["Statement"][0])
    label = "KMS key policy" + (
        " + direct grant" if any(s.get("Principal", {}).get("AWS") in (ROLE, OTHER_ROLE) for s in key_statements) else ""
    )
    return _case(label, identity_policies, "kms:Decrypt", KEY, context, resource_policy=_policy(*key_statements))


def _resource_policy_family(rng: random.Random) -> dict[str, Any]:
    resource = RESOURCES["secretsmanager:GetSecretValue"][0]
    principal = rng.choice(
        [
            {"AWS": ROLE},
            {"AWS": OTHER_ROLE},
            {"AWS": ACCOUNT},
            {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "*",
            {"AWS": "*"},
            {"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"},
        ]
    )
    statement = {
        "Effect": rng.choice(["Allow", "Allow", "Deny"]),
        "Principal": principal,
        "Action": rng.choice(["secretsmanager:GetSecretValue", "secretsmanager:*", "ssm:GetParameter"]),
        "Resource": rng.choice(["*", resource, f"{SECRET}/prod/other/*"]),
    }
    if rng.random() < 0.3:
        statement["Condition"] = rng.choice(
            [
                {"StringEquals": {"aws:PrincipalTag/team": "payments"}},
                {"Bool": {"aws:SecureTransport": "false"}},
                {"StringNotEquals": {"aws:PrincipalAccount": ACCOUNT}},
            ]
        )
    identity = []
    if rng.random() < 0.6:
        identity = [
            _policy(
                {
                    "Effect": rng.choice(["Allow", "Allow", "Deny"]),
                    "Action": "secretsmanager:GetSecretValue",
                    "Resource": rng.choice([resource, f"{SECRET}/prod/app/*", f"{SECRET}/dev/*"]),
                }
            )
        ]
    return _case(
        "Resource policy", identity, "secretsmanager:GetSecretValue", resource, base_context(), resource_policy=_policy(statement)
    )


GENERATORS = [
    (_matching_family, 700),
    (_short_pattern_family, 60),
    (_condition_family, 2000),
    (_variable_family, 300),
    (_kms_family, 500),
    (_resource_policy_family, 300),
]


def generate(seed: int = 20261129) -> list[dict[str, Any]]:
    """Every case, in a fixed order for a given seed."""
    rng = random.Random(seed)
    return [generator(rng) for generator, count in GENERATORS for _ in range(count)]
