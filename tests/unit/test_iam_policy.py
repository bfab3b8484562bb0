"""scripts/iam/policy.py: the sandbox's IAM decisions."""

from __future__ import annotations

import json

from scripts.iam.policy import decide, evaluate, resource_match, wildcard_match

OWN = "arn:aws:ssm:us-east-1:123456789012:parameter/prod/payments/config/*"
READ = {"Statement": [{"Effect": "Allow", "Action": ["ssm:GetParameter"], "Resource": OWN}]}


def test_allows_under_the_prefix_and_not_beside_it() -> None:
    """An Allow on /prod/payments/config/* covers a name under it, not a neighbour's."""
    assert evaluate([READ], "ssm:GetParameter", OWN.replace("*", "url")) == "allowed"
    assert (
        evaluate([READ], "ssm:GetParameter", "arn:aws:ssm:us-east-1:123456789012:parameter/prod/other/config/url")
        == "implicit_deny"
    )
    assert (
        evaluate([READ], "ssm:GetParameter", "arn:aws:ssm:us-east-1:123456789012:parameter/prod/payments/configx/url")
        == "implicit_deny"
    )


def test_other_actions_are_denied() -> None:
    """Allowing GetParameter does not allow PutParameter."""
    assert evaluate([READ], "ssm:PutParameter", OWN.replace("*", "url")) == "implicit_deny"


def test_actions_match_case_insensitively() -> None:
    """IAM action names are case-insensitive."""
    assert evaluate([READ], "SSM:getparameter", OWN.replace("*", "url")) == "allowed"


def test_explicit_deny_wins_over_allow_in_another_policy() -> None:
    """A Deny anywhere beats an Allow anywhere."""
    deny = {"Statement": {"Effect": "Deny", "Action": "ssm:*", "Resource": "*"}}
    assert evaluate([READ, deny], "ssm:GetParameter", OWN.replace("*", "url")) == "explicit_deny"


def test_only_star_and_question_mark_are_wildcards() -> None:
    """A dot in a pattern is a dot (moto's evaluator treats it as any character)."""
    assert wildcard_match("a.b", "a.b")
    assert not wildcard_match("a.b", "axb")
    assert wildcard_match("a?c", "abc")
    assert not wildcard_match("a?c", "abbc")
    assert wildcard_match("a*", "a/b/c")


def test_not_resource_and_not_action() -> None:
    """NotResource and NotAction invert the match."""
    policy = {"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "NotResource": "arn:aws:ssm:*:*:parameter/secret/*"}]}
    assert evaluate([policy], "ssm:GetParameter", "arn:aws:ssm:r:1:parameter/open/x") == "allowed"
    assert evaluate([policy], "ssm:GetParameter", "arn:aws:ssm:r:1:parameter/secret/x") == "implicit_deny"
    assert evaluate([policy], "iam:GetRole", "arn:aws:ssm:r:1:parameter/open/x") == "implicit_deny"


def test_conditions_are_evaluated_against_the_context() -> None:
    """A StringEquals condition grants only when the context matches."""
    policy = {
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": "*",
                "Condition": {"StringEquals": {"kms:ViaService": "ssm.us-east-1.amazonaws.com"}},
            }
        ]
    }
    assert evaluate([policy], "kms:Decrypt", "k", {"kms:ViaService": "ssm.us-east-1.amazonaws.com"}) == "allowed"
    assert evaluate([policy], "kms:Decrypt", "k", {"kms:ViaService": "s3.us-east-1.amazonaws.com"}) == "implicit_deny"
    assert evaluate([policy], "kms:Decrypt", "k") == "implicit_deny"


def test_a_failed_condition_on_allow_is_not_a_deny() -> None:
    """An Allow whose condition fails is neutral: another statement can still allow."""
    policy = {
        "Statement": [
            {"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": "*", "Condition": {"StringEquals": {"aws:x": "1"}}},
            READ["Statement"][0],
        ]
    }
    assert evaluate([policy], "ssm:GetParameter", OWN.replace("*", "url")) == "allowed"


def test_unknown_condition_operators_fail_closed_with_the_reason() -> None:
    """An operator this evaluator does not know never grants, always lets a Deny apply, and says why."""
    allow = {
        "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"DateBefore": {"aws:CurrentTime": "2100"}}}
        ]
    }
    result = decide([allow], "ssm:GetParameter", "x")
    assert result.decision == "implicit_deny" and "unknown condition operator 'DateBefore'" in result.problems[0]
    deny = {"Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"NullIfExists": {"aws:x": "true"}}}]}
    assert evaluate([READ, deny], "ssm:GetParameter", OWN.replace("*", "url")) == "explicit_deny"
    bad_arn = {
        "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"ArnLike": {"aws:SourceArn": "*"}}}]
    }
    assert decide([READ, bad_arn], "ssm:GetParameter", OWN.replace("*", "url"), {"aws:SourceArn": "arn:a:b:c:d:e"}).decision == (
        "explicit_deny"
    )


ALLOW_ALL = {"Effect": "Allow", "Action": "*", "Resource": "*"}


def allowed_when(condition: dict, context: dict) -> bool:
    statement = {**ALLOW_ALL, "Condition": condition}
    return evaluate([{"Statement": [statement]}], "ssm:GetParameter", "arn:aws:ssm:r:1:parameter/x", context) == "allowed"


def test_condition_key_names_are_case_insensitive() -> None:
    """aws:SourceIP is aws:sourceip (IAM User Guide, condition keys)."""
    assert allowed_when({"StringEquals": {"AWS:PrincipalTag/Team": "payments"}}, {"aws:principaltag/team": "payments"})


def test_if_exists_null_and_missing_keys() -> None:
    """IfExists: absent key -> true; Null true/false; a negated operator on an absent key is true."""
    assert allowed_when({"StringEqualsIfExists": {"aws:x": "1"}}, {})
    assert not allowed_when({"StringEqualsIfExists": {"aws:x": "1"}}, {"aws:x": "2"})
    assert allowed_when({"Null": {"aws:x": "true"}}, {}) and not allowed_when({"Null": {"aws:x": "true"}}, {"aws:x": "1"})
    assert allowed_when({"StringNotLike": {"aws:x": "a*"}}, {}) and not allowed_when({"StringLike": {"aws:x": "*"}}, {})


def test_set_operators_and_multivalued_keys() -> None:
    """ForAllValues: true when absent or every value matches; ForAnyValue: one value; no set operator: no match."""
    assert allowed_when({"ForAllValues:StringEquals": {"aws:CalledVia": ["a", "b"]}}, {})
    assert allowed_when({"ForAllValues:StringEquals": {"aws:CalledVia": ["a", "b"]}}, {"aws:CalledVia": ["a"]})
    assert not allowed_when({"ForAllValues:StringEquals": {"aws:CalledVia": ["a"]}}, {"aws:CalledVia": ["a", "c"]})
    assert allowed_when({"ForAnyValue:StringEquals": {"aws:CalledVia": ["c"]}}, {"aws:CalledVia": ["a", "c"]})
    assert not allowed_when({"ForAnyValue:StringEquals": {"aws:CalledVia": ["c"]}}, {})
    assert not allowed_when({"StringEquals": {"aws:CalledVia": "a"}}, {"aws:CalledVia": ["a"]})


def test_arn_operators_match_part_by_part() -> None:
    """ArnEquals is ArnLike; a * in one of the six parts does not cross a colon, StringLike's does."""
    arn = "arn:aws:iam::123456789012:role/app"
    assert allowed_when({"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}}, {"aws:PrincipalArn": arn})
    assert not allowed_when({"ArnLike": {"aws:PrincipalArn": "arn:aws:*:role/app"}}, {"aws:PrincipalArn": arn})
    assert allowed_when({"StringLike": {"aws:PrincipalArn": "arn:aws:*:role/app"}}, {"aws:PrincipalArn": arn})


def test_numeric_date_bool_ip_and_binary_operators() -> None:
    """Each remaining operator family compares by its type."""
    assert allowed_when({"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}, {"aws:MultiFactorAuthAge": "300"})
    assert allowed_when(
        {"DateGreaterThan": {"aws:CurrentTime": "2026-01-01T00:00:00Z"}}, {"aws:CurrentTime": "2026-11-29T12:00:00Z"}
    )
    assert allowed_when({"DateLessThan": {"aws:EpochTime": "2000000000"}}, {"aws:EpochTime": "1795953600"})
    assert allowed_when({"Bool": {"aws:SecureTransport": "true"}}, {"aws:SecureTransport": True})
    assert allowed_when({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"aws:SourceIp": "10.1.2.3"})
    assert allowed_when({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"aws:SourceIp": "2001:db8::1"})
    assert allowed_when({"BinaryEquals": {"aws:x": "QUJD"}}, {"aws:x": "QUJD"})


def test_policy_variables() -> None:
    """${key} resolves from the context (a value's * is literal), ${key, 'default'} falls back; no value: no match."""
    resource = "arn:aws:ssm:r:1:parameter/prod/payments/x"
    policy = {
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "arn:aws:ssm:r:1:parameter/prod/${aws:PrincipalTag/team}/*"}]
    }
    assert evaluate([policy], "ssm:GetParameter", resource, {"aws:PrincipalTag/team": "payments"}) == "allowed"
    assert evaluate([policy], "ssm:GetParameter", resource, {"aws:PrincipalTag/team": "*"}) == "implicit_deny"
    assert evaluate([policy], "ssm:GetParameter", resource) == "implicit_deny"
    with_default = json.loads(json.dumps(policy).replace("team}", "team, 'payments'}"))
    assert evaluate([with_default], "ssm:GetParameter", resource) == "allowed"
    assert allowed_when({"StringNotEquals": {"aws:x": "${aws:missing}"}}, {"aws:x": "a"})


def test_resource_star_ending_a_segment_crosses_colons_and_others_do_not() -> None:
    """IAM User Guide, Resource: a * that ends a segment can expand past colons; a * inside one cannot."""
    arn = "arn:aws:ssm:us-east-1:123456789012:parameter/dev/app/x"
    assert resource_match("arn:aws:ssm:*:parameter/dev/app/*", arn)
    assert resource_match("arn:aws:ssm:us-*-1:*:parameter/dev/*", arn)
    assert not resource_match("arn:aws:ssm:us-*2:parameter/dev/*", arn)


def test_kms_key_policy_must_allow() -> None:
    """KMS: the key policy allows the role itself, or delegates to the account's IAM policies."""
    key = "arn:aws:kms:us-east-1:123456789012:key/k"
    role, session = "arn:aws:iam::123456789012:role/fn", "arn:aws:sts::123456789012:assumed-role/fn/fn"
    identity = {"Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key}]}
    delegate = {
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*", "Resource": "*"}
        ]
    }
    direct = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": role}, "Action": "kms:Decrypt", "Resource": "*"}]}
    context = {"aws:PrincipalArn": role}
    assert evaluate([identity], "kms:Decrypt", key, context, resource_policy=delegate, principal=session) == "allowed"
    assert evaluate([], "kms:Decrypt", key, context, resource_policy=delegate, principal=session) == "implicit_deny"
    assert evaluate([], "kms:Decrypt", key, context, resource_policy=direct, principal=session) == "allowed"
    assert (
        evaluate([identity], "kms:Decrypt", key, context, resource_policy={"Statement": []}, principal=session) == "implicit_deny"
    )
