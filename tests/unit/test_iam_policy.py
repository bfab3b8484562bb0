"""scripts/iam/policy.py: the sandbox's IAM decisions, each rule against the AWS sentence that states it.

Unless a test says otherwise the sentences are from the IAM User Guide; "variables page" is
"IAM policy elements: Variables and tags", "operators page" is "IAM JSON policy elements:
Condition operators".
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from scripts.iam import context as iam_context
from scripts.iam.policy import decide, evaluate, parse_date, resource_match, wildcard_match

ACCOUNT, OTHER = "123456789012", "210987654321"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/service/prod-app-fn"
SESSION = iam_context.session_arn(ROLE, "prod-app-fn")
OTHER_ROLE = f"arn:aws:iam::{OTHER}:role/reader"
OTHER_SESSION = iam_context.session_arn(OTHER_ROLE, "reader")
PARAMETER = f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter"
SECRET = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:/prod/app/secrets/api-AbC123"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
OWN = f"{PARAMETER}/prod/payments/config/*"
URL = f"{PARAMETER}/prod/payments/config/url"
V2012 = "2012-10-17"


def policy(*statements: dict[str, Any], version: str | None = V2012) -> dict[str, Any]:
    document: dict[str, Any] = {"Statement": list(statements)}
    if version:
        document["Version"] = version
    return document


READ = policy({"Effect": "Allow", "Action": ["ssm:GetParameter"], "Resource": OWN})
ALLOW_ALL = {"Effect": "Allow", "Action": "*", "Resource": "*"}


def ctx(**extra: Any) -> dict[str, Any]:
    """The function's own request context (scripts/iam/context.py) plus `extra` keys (aws_x -> aws:x)."""
    base = iam_context.for_function(
        role_arn=ROLE, session_name="prod-app-fn", region="us-east-1", principal_tags={"team": "payments"}
    )
    base.update({k.replace("__", "/").replace("_", ":", 1): v for k, v in extra.items()})
    return base


def allowed_when(condition: dict, context: dict | None = None, *, version: str | None = V2012) -> bool:
    statement = {**ALLOW_ALL, "Condition": condition}
    return evaluate([policy(statement, version=version)], "ssm:GetParameter", URL, context or {}) == "allowed"


def denied_when(condition: dict, context: dict | None = None, *, version: str | None = V2012) -> str:
    """The decision under Allow-all plus a Deny with `condition`."""
    deny = {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": condition}
    return evaluate([policy(ALLOW_ALL, deny, version=version)], "ssm:GetParameter", URL, context or {})


# --- Action and Resource ----------------------------------------------------------------------


def test_allows_under_the_prefix_and_not_beside_it() -> None:
    """An Allow on /prod/payments/config/* covers a name under it, not a neighbour's."""
    assert evaluate([READ], "ssm:GetParameter", URL) == "allowed"
    assert evaluate([READ], "ssm:GetParameter", f"{PARAMETER}/prod/other/config/url") == "implicit_deny"
    assert evaluate([READ], "ssm:GetParameter", f"{PARAMETER}/prod/payments/configx/url") == "implicit_deny"


def test_actions_match_case_insensitively_and_other_actions_are_denied() -> None:
    """Action names are case-insensitive; allowing GetParameter does not allow PutParameter."""
    assert evaluate([READ], "SSM:getparameter", URL) == "allowed"
    assert evaluate([READ], "ssm:PutParameter", URL) == "implicit_deny"


def test_explicit_deny_wins_over_allow_in_another_policy() -> None:
    """ "An explicit deny in any policy overrides any allows." """
    deny = policy({"Effect": "Deny", "Action": "ssm:*", "Resource": "*"})
    assert evaluate([READ, deny], "ssm:GetParameter", URL) == "explicit_deny"


def test_only_star_and_question_mark_are_wildcards() -> None:
    """A dot in a pattern is a dot (moto's evaluator treats it as any character)."""
    assert wildcard_match("a.b", "a.b") and not wildcard_match("a.b", "axb")
    assert wildcard_match("a?c", "abc") and not wildcard_match("a?c", "abbc")
    assert wildcard_match("a*", "a/b/c")


def test_not_resource_and_not_action_with_both_effects() -> None:
    """NotAction/NotResource: the statement covers everything except what they list, for Allow and for Deny."""
    allow = policy({"Effect": "Allow", "NotAction": "iam:*", "NotResource": f"{PARAMETER}/secret/*"})
    assert evaluate([allow], "ssm:GetParameter", f"{PARAMETER}/open/x") == "allowed"
    assert evaluate([allow], "ssm:GetParameter", f"{PARAMETER}/secret/x") == "implicit_deny"
    assert evaluate([allow], "iam:GetRole", f"{PARAMETER}/open/x") == "implicit_deny"
    deny = policy({"Effect": "Deny", "NotAction": "ssm:GetParameter", "NotResource": f"{PARAMETER}/open/*"})
    everything = policy(ALLOW_ALL)
    assert evaluate([everything, deny], "ssm:PutParameter", f"{PARAMETER}/secret/x") == "explicit_deny"
    assert evaluate([everything, deny], "ssm:GetParameter", f"{PARAMETER}/secret/x") == "allowed"
    assert evaluate([everything, deny], "ssm:PutParameter", f"{PARAMETER}/open/x") == "allowed"


def test_resource_star_ending_a_segment_crosses_colons_and_others_do_not() -> None:
    """Resource page: "If the * wildcard is the last character of a resource ARN segment, it can expand to
    match beyond the colon boundaries."""
    arn = f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/dev/app/x"
    assert resource_match("arn:aws:ssm:*:parameter/dev/app/*", arn)
    assert resource_match("arn:aws:ssm:us-*-1:*:parameter/dev/*", arn)
    assert not resource_match("arn:aws:ssm:us-*2:parameter/dev/*", arn)
    assert not resource_match("arn:aws:ssm:*:parameter/dev/app/*", arn, crossing=False)


def test_wildcards_where_aws_allows_none_never_grant() -> None:
    """ "You can't use a wildcard in the service segment"; "You cannot use a wildcard in the portion of the ARN
    that specifies the resource type": such a Resource never grants, and a Deny on it is undecided."""
    for pattern in (f"arn:aws:ss*:us-east-1:{ACCOUNT}:parameter/*", f"arn:aws:ssm:us-east-1:{ACCOUNT}:param*"):
        result = decide([policy({"Effect": "Allow", "Action": "*", "Resource": pattern})], "ssm:GetParameter", URL)
        assert result.decision == "implicit_deny" and "wildcard" in result.problems[0]
        deny = policy(ALLOW_ALL, {"Effect": "Deny", "Action": "*", "Resource": pattern})
        assert evaluate([deny], "ssm:GetParameter", URL) == "undecided"
        # Where the rest of the ARN differs, no reading of the wildcard matches: decided.
        elsewhere = policy(ALLOW_ALL, {"Effect": "Deny", "Action": "*", "Resource": pattern.replace("us-east-1", "eu-west-1")})
        assert evaluate([elsewhere], "ssm:GetParameter", URL) == "allowed"


# --- Conditions -------------------------------------------------------------------------------


def test_conditions_are_evaluated_against_the_context_and_a_failed_allow_is_neutral() -> None:
    """A StringEquals grants only when the context matches; an Allow whose condition fails is not a Deny."""
    condition = {"StringEquals": {"aws:RequestedRegion": "us-east-1"}}
    assert allowed_when(condition, ctx()) and not allowed_when(condition, ctx(aws_RequestedRegion="eu-west-1"))
    statements = [{**ALLOW_ALL, "Condition": {"StringEquals": {"aws:x": "1"}}}, READ["Statement"][0]]
    assert evaluate([policy(*statements)], "ssm:GetParameter", URL) == "allowed"


def test_condition_key_names_are_case_insensitive() -> None:
    """Condition keys page: "aws:SourceIP is equivalent to AWS:SourceIp"."""
    assert allowed_when({"StringEquals": {"AWS:PrincipalTag/Team": "payments"}}, {"aws:principaltag/team": "payments"})


def test_if_exists_null_and_missing_keys() -> None:
    """Operators page: IfExists "If the key is not present, evaluate the condition element as true"; Null; "If the
    policy condition requires that the key is not matched ... and the right key is not present, the condition is true"."""
    assert allowed_when({"StringEqualsIfExists": {"aws:x": "1"}}, {})
    assert not allowed_when({"StringEqualsIfExists": {"aws:x": "1"}}, {"aws:x": "2"})
    assert allowed_when({"Null": {"aws:x": "true"}}, {}) and not allowed_when({"Null": {"aws:x": "true"}}, {"aws:x": "1"})
    assert allowed_when({"StringNotLike": {"aws:x": "a*"}}, {}) and not allowed_when({"StringLike": {"aws:x": "*"}}, {})


def test_set_operators_with_empty_and_missing_sets() -> None:
    """ForAllValues "returns true if there are no keys in the request"; ForAnyValue: "For no matching key or a null
    dataset, the condition returns false"; "Multivalued condition keys require a set operator"."""
    assert allowed_when({"ForAllValues:StringEquals": {"aws:CalledVia": ["a", "b"]}}, {})
    assert allowed_when({"ForAllValues:StringEquals": {"aws:CalledVia": ["a", "b"]}}, {"aws:CalledVia": []})
    assert allowed_when({"ForAllValues:StringEquals": {"aws:CalledVia": ["a", "b"]}}, {"aws:CalledVia": ["a"]})
    assert not allowed_when({"ForAllValues:StringEquals": {"aws:CalledVia": ["a"]}}, {"aws:CalledVia": ["a", "c"]})
    assert allowed_when({"ForAnyValue:StringEquals": {"aws:CalledVia": ["c"]}}, {"aws:CalledVia": ["a", "c"]})
    assert not allowed_when({"ForAnyValue:StringEquals": {"aws:CalledVia": ["c"]}}, {})
    assert not allowed_when({"ForAnyValue:StringEquals": {"aws:CalledVia": ["c"]}}, {"aws:CalledVia": []})
    assert not allowed_when({"StringEquals": {"aws:CalledVia": "a"}}, {"aws:CalledVia": ["a"]})


def test_negated_operators_with_several_values_are_an_and() -> None:
    """Multiple values page: for negated operators "the effective permissions work like a logical AND"."""
    assert allowed_when({"StringNotEquals": {"aws:x": ["a", "b"]}}, {"aws:x": "c"})
    assert not allowed_when({"StringNotEquals": {"aws:x": ["a", "b"]}}, {"aws:x": "b"})


def test_arn_operators_match_part_by_part() -> None:
    """Operators page: ArnEquals and ArnLike "behave identically"; "Each of the six colon-delimited components of
    the ARN is checked separately"; StringLike's * crosses colons."""
    context = {"aws:PrincipalArn": ROLE}
    assert allowed_when({"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}}, context)
    assert not allowed_when({"ArnLike": {"aws:PrincipalArn": "arn:aws:*:role/service/prod-app-fn"}}, context)
    assert allowed_when({"StringLike": {"aws:PrincipalArn": "arn:aws:*:role/service/prod-app-fn"}}, context)


def test_numeric_bool_ip_and_binary_operators() -> None:
    """Each operator family compares by its type; "If you specify an IP address without the associated routing
    prefix, IAM uses the default prefix value of /32"."""
    assert allowed_when({"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}, {"aws:MultiFactorAuthAge": "300"})
    assert allowed_when({"NumericEquals": {"aws:MultiFactorAuthAge": "300.0"}}, {"aws:MultiFactorAuthAge": "300"})
    assert allowed_when({"Bool": {"aws:SecureTransport": "TRUE"}}, {"aws:SecureTransport": True})
    assert allowed_when({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"aws:SourceIp": "10.1.2.3"})
    assert allowed_when({"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}, {"aws:SourceIp": "10.1.2.3"})
    assert allowed_when({"IpAddress": {"aws:SourceIp": "10.1.2.3"}}, {"aws:SourceIp": "10.1.2.3"})
    assert allowed_when({"IpAddress": {"aws:SourceIp": "2001:DB8::1"}}, {"aws:SourceIp": "2001:db8:0:0::1"})
    assert allowed_when({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"aws:SourceIp": "2001:db8::1"})
    assert allowed_when({"BinaryEquals": {"aws:x": "QUJD"}}, {"aws:x": "QUJD"})


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("2027", "2027-01-01T00:00:00Z"),
        ("2027-03", "2027-03-01T00:00:00Z"),
        ("2027-03-14", "2027-03-14T00:00:00Z"),
        ("2027-03-14T09:30Z", "2027-03-14T09:30:00Z"),
        ("2027-03-14T09:30+01:00", "2027-03-14T08:30:00Z"),
        ("2027-03-14T09:30:15-02:30", "2027-03-14T12:00:15Z"),
        ("2027-03-14T09:30:15.25Z", "2027-03-14T09:30:15.250Z"),
        ("1805016615", "2027-03-14T09:30:15Z"),
    ],
)
def test_dates_in_every_w3c_form_and_epoch_seconds(text: str, moment: str) -> None:
    """Operators page: "You must specify date/time values with one of the W3C implementations of the ISO 8601 date
    formats or in epoch (UNIX) time" (W3C NOTE-datetime: YYYY, YYYY-MM, YYYY-MM-DD, then hh:mmTZD, hh:mm:ssTZD,
    hh:mm:ss.sTZD)."""
    assert int(parse_date(text)) == int(parse_date(moment))
    assert allowed_when({"DateGreaterThanEquals": {"aws:CurrentTime": text}}, {"aws:CurrentTime": moment})
    assert not allowed_when({"DateLessThan": {"aws:CurrentTime": text}}, {"aws:CurrentTime": moment})


@pytest.mark.parametrize(
    "text", ["2027-03-14T09Z", "2027-03-14T09:30", "2027-3-14", "2027-02-30", "2027-03-14 09:30Z", "1.5e9", "yesterday"]
)
def test_dates_not_in_a_w3c_form_never_grant_and_leave_a_deny_undecided(text: str) -> None:
    """Only the W3C forms (and epoch seconds) are dates; anything else cannot be evaluated: an Allow that
    depends on it does not apply, and a Deny that depends on it is "undecided" (AWS documents no outcome)."""
    context = {"aws:CurrentTime": "2027-03-14T09:30:00Z"}
    assert not allowed_when({"DateLessThan": {"aws:CurrentTime": text}}, context)
    assert not allowed_when({"DateNotEquals": {"aws:CurrentTime": text}}, context)
    assert denied_when({"DateLessThan": {"aws:CurrentTime": text}}, context) == "undecided"


def test_malformed_numbers_addresses_and_unknown_operators_never_grant() -> None:
    """Numeric operators compare "to an integer or decimal value"; IP values "must be in the standard CIDR format".
    Neither they nor an unknown operator grant; a Deny on them is undecided; the reason is in problems."""
    for condition in (
        {"NumericLessThan": {"aws:MultiFactorAuthAge": "1e9"}},
        {"IpAddress": {"aws:SourceIp": "10.0.0.0/255.0.0.0"}},
        {"DateBefore": {"aws:CurrentTime": "2100"}},
        {"NullIfExists": {"aws:x": "true"}},
    ):
        context = {"aws:MultiFactorAuthAge": "30", "aws:SourceIp": "10.1.2.3", "aws:CurrentTime": "2027-01-01T00:00:00Z"}
        result = decide([policy({**ALLOW_ALL, "Condition": condition})], "ssm:GetParameter", URL, context)
        assert result.decision == "implicit_deny" and result.problems, condition
        assert denied_when(condition, context) == "undecided", condition
    unknown = decide([policy({**ALLOW_ALL, "Condition": {"DateBefore": {"aws:CurrentTime": "2100"}}})], "ssm:GetParameter", URL)
    assert "unknown condition operator 'DateBefore'" in unknown.problems[0]
    # A Deny that does not depend on it still decides: its Action does not match.
    deny = {"Effect": "Deny", "Action": "iam:*", "Resource": "*", "Condition": {"DateBefore": {"aws:CurrentTime": "1"}}}
    assert evaluate([policy(ALLOW_ALL, deny)], "ssm:GetParameter", URL) == "allowed"


# --- Policy variables -------------------------------------------------------------------------

TEAM_PATH = f"{PARAMETER}/prod/${{aws:PrincipalTag/team}}/*"


def test_policy_variables_resolve_from_the_context() -> None:
    """Variables page: "When the policy is evaluated, the policy variables are replaced with values that come from
    the conditional context keys passed in the request"; a value's * is literal; ${*} is a literal *."""
    resource = f"{PARAMETER}/prod/payments/x"
    team = policy({"Effect": "Allow", "Action": "*", "Resource": TEAM_PATH})
    assert evaluate([team], "ssm:GetParameter", resource, {"aws:PrincipalTag/team": "payments"}) == "allowed"
    assert evaluate([team], "ssm:GetParameter", resource, {"aws:PrincipalTag/team": "*"}) == "implicit_deny"
    star = policy({"Effect": "Allow", "Action": "*", "Resource": f"{PARAMETER}/prod/${{*}}/x"})
    assert evaluate([star], "ssm:GetParameter", f"{PARAMETER}/prod/*/x") == "allowed"
    assert evaluate([star], "ssm:GetParameter", resource) == "implicit_deny"
    assert allowed_when({"StringEquals": {"aws:userid": "${aws:userid}"}}, {"aws:userid": "AROAX:fn"})


def test_variables_with_defaults() -> None:
    """Variables page: "surround the default value with single quotes (' '), and separate the variable text and the
    default value with a comma and space (, )"; the default applies when the key has no single value."""
    resource = f"{PARAMETER}/prod/payments/x"
    default = policy({"Effect": "Allow", "Action": "*", "Resource": f"{PARAMETER}/prod/${{aws:PrincipalTag/team, 'payments'}}/*"})
    assert evaluate([default], "ssm:GetParameter", resource) == "allowed"
    assert evaluate([default], "ssm:GetParameter", resource, {"aws:PrincipalTag/team": "ops"}) == "implicit_deny"
    # "You can't use a multivalued condition key as a variable": the default stands in.
    assert evaluate([default], "ssm:GetParameter", resource, {"aws:PrincipalTag/team": ["ops"]}) == "allowed"


@pytest.mark.parametrize(
    "written",
    ["${aws:PrincipalTag/team,'payments'}", "${aws:PrincipalTag/team ,'payments'}", "${aws:PrincipalTag/team, payments}"],
)
def test_a_malformed_default_makes_its_statement_invalid(written: str) -> None:
    """A default not written `${key, 'default'}` makes the statement invalid: it neither grants nor denies."""
    resource = f"{PARAMETER}/prod/payments/x"
    allow = policy({"Effect": "Allow", "Action": "*", "Resource": [f"{PARAMETER}/prod/{written}/*", f"{PARAMETER}/prod/*"]})
    result = decide([allow], "ssm:GetParameter", resource)
    assert result.decision == "implicit_deny" and "comma and a space" in result.problems[0]
    deny = policy(
        ALLOW_ALL, {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"StringEquals": {"aws:x": written}}}
    )
    assert evaluate([deny], "ssm:GetParameter", resource, {"aws:x": "payments"}) == "allowed"
    # Even where the value is never compared (an inverted operator on an absent key is true by itself).
    absent = {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"StringNotLike": {"aws:x": written}}}
    assert evaluate([policy(ALLOW_ALL, absent)], "ssm:GetParameter", resource, {}) == "allowed"


def test_an_empty_tag_value_is_a_value() -> None:
    """IAM tags: "You can create a tag with an empty value"; the variable resolves to the empty string."""
    empty = policy({"Effect": "Allow", "Action": "*", "Resource": f"{PARAMETER}/prod/x${{aws:PrincipalTag/team}}/*"})
    assert evaluate([empty], "ssm:GetParameter", f"{PARAMETER}/prod/x/y", {"aws:PrincipalTag/team": ""}) == "allowed"
    assert evaluate([empty], "ssm:GetParameter", f"{PARAMETER}/prod/x/y") == "implicit_deny"


@pytest.mark.parametrize("version", ["2008-10-17", None])
def test_variables_are_literal_in_version_2008_and_without_a_version(version: str | None) -> None:
    """Variables page: "If you don't include the Version element and set it to an appropriate version date,
    variables like ${aws:username} are treated as literal strings in the policy"."""
    literal = policy({"Effect": "Allow", "Action": "*", "Resource": TEAM_PATH}, version=version)
    context = {"aws:PrincipalTag/team": "payments"}
    assert evaluate([literal], "ssm:GetParameter", f"{PARAMETER}/prod/payments/x", context) == "implicit_deny"
    assert evaluate([literal], "ssm:GetParameter", f"{PARAMETER}/prod/${{aws:PrincipalTag/team}}/x", context) == "allowed"
    assert allowed_when({"StringEquals": {"aws:x": "${aws:y}"}}, {"aws:x": "${aws:y}", "aws:y": "1"}, version=version)
    assert not allowed_when({"StringEquals": {"aws:x": "${aws:y}"}}, {"aws:x": "1", "aws:y": "1"}, version=version)
    # No default syntax to get wrong either: the text is literal.
    assert allowed_when({"StringEquals": {"aws:x": "${aws:y,'d'}"}}, {"aws:x": "${aws:y,'d'}"}, version=version)


def test_not_resource_with_an_unresolvable_variable_never_grants() -> None:
    """Variables page: for a key that is not present "any attempt to match it fails and causes the statement to be
    invalid". An Allow with NotResource naming ${aws:username} for a role session (no such key) grants nothing
    (it used to grant every other resource); a Deny with it does not apply."""
    not_own = f"{PARAMETER}/home/${{aws:username}}/*"
    allow = policy({"Effect": "Allow", "Action": "ssm:GetParameter", "NotResource": not_own})
    result = decide([allow], "ssm:GetParameter", URL, ctx())
    assert result.decision == "implicit_deny" and "aws:username" in result.problems[0]
    assert evaluate([allow], "ssm:GetParameter", URL, ctx(aws_username="alice")) == "allowed"
    deny = policy(ALLOW_ALL, {"Effect": "Deny", "Action": "*", "NotResource": not_own})
    assert evaluate([deny], "ssm:GetParameter", URL, ctx()) == "allowed"
    assert evaluate([deny], "ssm:GetParameter", URL, ctx(aws_username="alice")) == "explicit_deny"
    # No attempt to match the variable when the ARN's service already differs: the NotResource holds.
    other_service = policy(ALLOW_ALL, {"Effect": "Deny", "Action": "*", "NotResource": not_own.replace(":ssm:", ":sqs:")})
    assert evaluate([other_service], "ssm:GetParameter", URL, ctx()) == "explicit_deny"


def test_resource_with_an_unresolvable_variable_matches_nothing() -> None:
    """Variables page: "the resource that includes a policy variable with no value will not match any resource"."""
    allow = policy({"Effect": "Allow", "Action": "*", "Resource": [f"{PARAMETER}/home/${{aws:username}}/*", OWN]})
    assert evaluate([allow], "ssm:GetParameter", URL, ctx()) == "allowed"
    assert evaluate([allow], "ssm:GetParameter", f"{PARAMETER}/home//x", ctx()) == "implicit_deny"


def test_conditions_with_an_unresolvable_variable() -> None:
    """Variables page: "operators like StringEquals or StringLike do not match"; "Inverted condition operators like
    StringNotEquals or StringNotLike do match against a null value" - its example is a Deny, where "Access is
    specifically denied when aws:principaltag/Team is not set". An Allow never grants on such a value."""
    missing = {"StringNotEquals": {"aws:x": "${aws:PrincipalTag/nope}"}}
    assert not allowed_when({"StringEquals": {"aws:x": "${aws:PrincipalTag/nope}"}}, {"aws:x": "a"})
    assert not allowed_when(missing, {"aws:x": "a"})
    assert denied_when(missing, {"aws:x": "a"}) == "explicit_deny"
    assert allowed_when({"ForAnyValue:StringEquals": {"aws:x": ["${aws:nope}", "a"]}}, {"aws:x": ["a"]})


@pytest.mark.parametrize(
    "element",
    [
        {"Action": "ssm:${aws:PrincipalTag/team}"},
        {"NotAction": "ssm:${aws:PrincipalTag/team}"},
        {"Resource": "arn:aws:ssm:us-east-1:${aws:PrincipalAccount}:parameter/*"},
        {"Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": "${aws:EpochTime}"}}},
        {"Condition": {"IpAddress": {"aws:SourceIp": "${aws:SourceIp}"}}},
    ],
)
def test_variables_where_aws_takes_none_never_grant(element: dict[str, Any]) -> None:
    """Variables page: "You can use policy variables in the Resource element and in string comparisons in the
    Condition element"; "only in the resource portion of the ARN"; "You can't use a policy variable with other
    operators, such as Numeric, Date, Boolean, Binary, IP Address, or Null". Elsewhere AWS documents no
    reading: an Allow never grants, a Deny is undecided."""
    context = ctx(aws_MultiFactorAuthAge="10", aws_SourceIp="10.1.2.3")
    statement = {k: v for k, v in {"Action": "*", "Resource": "*"}.items() if "Not" + k not in element} | element
    assert evaluate([policy({"Effect": "Allow", **statement})], "ssm:GetParameter", URL, context) == "implicit_deny"
    assert evaluate([policy(ALLOW_ALL, {"Effect": "Deny", **statement})], "ssm:GetParameter", URL, context) == "undecided"


def test_a_variable_holding_a_colon_is_one_unit_in_an_arn_value() -> None:
    """Operators page: "You can use a policy variable with the ARN condition operator"; the variable's key name
    holds a colon, which does not split the ARN's six parts."""
    condition = {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::${aws:PrincipalAccount}:role/*"}}
    assert allowed_when(condition, ctx())
    assert not allowed_when(condition, ctx(aws_PrincipalAccount=OTHER))


# --- Resource policies, cross-account, key policies, boundaries ---------------------------------


def secret_policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return policy(*[{"Action": "secretsmanager:GetSecretValue", "Resource": "*", **s} for s in statements])


IDENTITY_READ = policy({"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"})


def secret_decision(identity: list, resource_policy: dict | None, principal: str = SESSION, **kwargs: Any) -> str:
    role = ROLE if principal == SESSION else OTHER_ROLE
    context = iam_context.for_function(role_arn=role, session_name=principal.rsplit("/", 1)[-1], region="us-east-1")
    return evaluate(
        identity, "secretsmanager:GetSecretValue", SECRET, context, resource_policy=resource_policy, principal=principal, **kwargs
    )


def test_same_account_an_allow_in_either_policy_grants() -> None:
    """Evaluation logic: "If an action is allowed by an identity-based policy, a resource-based policy, or both,
    then AWS allows the action. An explicit deny in either of these policies overrides the allow." Naming the
    account delegates to the identity policies."""
    assert secret_decision([IDENTITY_READ], None) == "allowed"
    assert secret_decision([], secret_policy({"Effect": "Allow", "Principal": {"AWS": SESSION}})) == "allowed"
    assert secret_decision([], secret_policy({"Effect": "Allow", "Principal": {"AWS": ROLE}})) == "allowed"
    assert secret_decision([], secret_policy({"Effect": "Allow", "Principal": {"AWS": ACCOUNT}})) == "implicit_deny"
    deny = secret_policy({"Effect": "Deny", "Principal": "*"})
    assert secret_decision([IDENTITY_READ], deny) == "explicit_deny"


def test_a_resource_policy_statement_without_resource_means_its_own_resource() -> None:
    """A resource-based policy is attached to its resource (the SNS example in "Variables and tags" names no Resource);
    an identity policy statement without Resource or NotResource matches nothing ("Statements must include either a
    Resource or a NotResource element")."""
    grant = policy({"Effect": "Allow", "Principal": {"AWS": SESSION}, "Action": "secretsmanager:GetSecretValue"})
    assert secret_decision([], grant) == "allowed"
    assert secret_decision([policy({"Effect": "Allow", "Action": "secretsmanager:GetSecretValue"})], None) == "implicit_deny"


def test_cross_account_needs_the_resource_policy_to_allow_the_requester() -> None:
    """Cross-account evaluation: "the resource-based policy in AccountB must allow the requester in AccountA to
    access the resource", and the requester's identity-based policy must allow it too."""
    assert secret_decision([IDENTITY_READ], None, OTHER_SESSION) == "implicit_deny"
    assert secret_decision([IDENTITY_READ], secret_policy({"Effect": "Allow", "Principal": {"AWS": ACCOUNT}}), OTHER_SESSION) == (
        "implicit_deny"
    )
    for named in (OTHER, f"arn:aws:iam::{OTHER}:root", OTHER_ROLE, OTHER_SESSION):
        grant = secret_policy({"Effect": "Allow", "Principal": {"AWS": named}})
        assert secret_decision([IDENTITY_READ], grant, OTHER_SESSION) == "allowed", named
        assert secret_decision([], grant, OTHER_SESSION) == "implicit_deny", named


def test_not_principal_with_deny() -> None:
    """NotPrincipal page: with Deny the actions "are explicitly denied to all principals except for the ones
    specified"; "AWS might validate the account first, then the role, and then the assumed-role user", so only
    naming all three spares a session; naming part of them is undecided."""
    whole = [SESSION, ROLE, f"arn:aws:iam::{ACCOUNT}:root"]
    assert secret_decision([IDENTITY_READ], secret_policy({"Effect": "Deny", "NotPrincipal": {"AWS": whole}})) == "allowed"
    assert (
        secret_decision([IDENTITY_READ], secret_policy({"Effect": "Deny", "NotPrincipal": {"AWS": OTHER_ROLE}}))
        == "explicit_deny"
    )
    for part in ([SESSION], [ROLE, ACCOUNT], [f"arn:aws:iam::{ACCOUNT}:root"]):
        assert secret_decision([IDENTITY_READ], secret_policy({"Effect": "Deny", "NotPrincipal": {"AWS": part}})) == "undecided"


def test_permission_boundaries() -> None:
    """Boundaries: the entity "can perform only the actions that are allowed by both its identity-based policies
    and its permissions boundaries"; a resource policy granting the session directly is "not limited by an
    implicit deny in ... a permissions boundary", one granting the role ARN "is limited"; and "The NotPrincipal
    element with a Deny effect will always deny any IAM principal that has a permissions boundary"."""
    narrow = policy({"Effect": "Allow", "Action": "ssm:*", "Resource": "*"})
    assert secret_decision([IDENTITY_READ], None, permission_boundary=narrow) == "implicit_deny"
    assert secret_decision([IDENTITY_READ], None, permission_boundary=policy(ALLOW_ALL)) == "allowed"
    deny = policy(ALLOW_ALL, {"Effect": "Deny", "Action": "secretsmanager:*", "Resource": "*"})
    assert secret_decision([IDENTITY_READ], None, permission_boundary=deny) == "explicit_deny"
    to_session = secret_policy({"Effect": "Allow", "Principal": {"AWS": SESSION}})
    to_role = secret_policy({"Effect": "Allow", "Principal": {"AWS": ROLE}})
    assert secret_decision([], to_session, permission_boundary=narrow) == "allowed"
    assert secret_decision([], to_role, permission_boundary=narrow) == "implicit_deny"
    spared = secret_policy({"Effect": "Deny", "NotPrincipal": {"AWS": [SESSION, ROLE, ACCOUNT]}})
    assert secret_decision([IDENTITY_READ], spared, permission_boundary=policy(ALLOW_ALL)) == "explicit_deny"


DECRYPT = policy({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY})


def key_decision(identity: list, key_policy: dict | None, context: dict | None = None) -> str:
    return evaluate(identity, "kms:Decrypt", KEY, context or ctx(), resource_policy=key_policy, principal=SESSION)


def test_a_kms_key_needs_its_key_policy() -> None:
    """KMS developer guide: "No AWS principal, including the account root user or key creator, has any permissions to
    a KMS key unless they are explicitly allowed, and never denied, in a key policy". No key policy, no grant."""
    assert key_decision([DECRYPT], None) == "implicit_deny"
    assert key_decision([DECRYPT], {"Version": V2012, "Statement": []}) == "implicit_deny"
    assert key_decision([DECRYPT], iam_context.default_key_policy(ACCOUNT)) == "allowed"
    assert key_decision([], iam_context.default_key_policy(ACCOUNT)) == "implicit_deny"
    direct = policy({"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "kms:Decrypt", "Resource": "*"})
    assert key_decision([], direct) == "allowed"
    someone_else = policy({"Effect": "Allow", "Principal": {"AWS": OTHER_ROLE}, "Action": "kms:*", "Resource": "*"})
    assert key_decision([DECRYPT], someone_else) == "implicit_deny"


def test_the_aws_managed_key_allows_use_through_its_service_only() -> None:
    """The aws/ssm key policy: principals of the account through ssm.<region>.amazonaws.com (kms:ViaService and
    kms:CallerAccount), with no identity-policy statement; not directly."""
    managed = iam_context.aws_managed_key_policy("ssm", "us-east-1", ACCOUNT)
    via = iam_context.for_decrypt_via(ctx(), "ssm", encryption=iam_context.encryption_context("ssm", URL), key_account=ACCOUNT)
    assert key_decision([], managed, via) == "allowed"
    assert key_decision([DECRYPT], managed, ctx()) == "implicit_deny"


def test_results_are_json_serialisable_and_refusals_are_not_allowed() -> None:
    """A Result's decision is one of four strings; only "allowed" is allowed."""
    result = decide([READ], "ssm:GetParameter", URL)
    assert json.loads(json.dumps(result.decision)) == "allowed" and result.allowed
    assert not decide([], "ssm:GetParameter", URL).allowed
