"""scripts/iam/policy.py: the sandbox's IAM decisions."""

from __future__ import annotations

from scripts.iam.policy import evaluate, wildcard_match

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


def test_unknown_condition_operators_fail_closed() -> None:
    """An operator this evaluator does not know never grants, and always lets a Deny apply."""
    allow = {
        "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"DateLessThan": {"aws:CurrentTime": "2100-01-01"}}}
        ]
    }
    assert evaluate([allow], "ssm:GetParameter", "x") == "implicit_deny"
    deny = {
        "Statement": [
            {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}
        ]
    }
    assert evaluate([READ, deny], "ssm:GetParameter", OWN.replace("*", "url")) == "explicit_deny"
