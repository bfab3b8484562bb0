"""The list of policy-bearing attributes (scripts/review/policy-attributes.json) and how it is classified."""

from __future__ import annotations

import json

import pytest

from scripts.review import policy_attributes
from scripts.review.policy_attributes import KINDS, DeriveError, classify, is_candidate, string_attributes


def test_the_committed_list_is_what_its_rules_say() -> None:
    """Every listed attribute is a candidate, and classifying it again gives the same kind or reason."""
    data = json.loads(policy_attributes.DATA_FILE.read_text())
    assert data["provider_version"] == "6.69.1" and data["rebuilt_from"] == "cdktn-provider-aws==25.8.1"
    for type_name, attributes in data["policies"].items():
        for path, kind in attributes.items():
            assert kind in KINDS and is_candidate(type_name, path) and classify(type_name, path) == kind, (type_name, path)
    for type_name, attributes in data["not_permissions"].items():
        for path, reason in attributes.items():
            assert classify(type_name, path) == f"- {reason}", (type_name, path)


def test_it_covers_the_types_the_kit_and_common_stacks_use() -> None:
    policies = policy_attributes.policies()
    expected = {
        ("aws_iam_role", "assume_role_policy"): "trust",
        ("aws_iam_role", "inline_policy.policy"): "identity",
        ("aws_iam_role_policy", "policy"): "identity",
        ("aws_kms_key", "policy"): "key",
        ("aws_secretsmanager_secret", "policy"): "resource",
        ("aws_secretsmanager_secret_policy", "policy"): "resource",
        ("aws_s3_bucket_policy", "policy"): "resource",
        ("aws_sqs_queue", "policy"): "resource",
        ("aws_lambda_layer_version_permission", "policy"): "resource",
        ("aws_organizations_policy", "content"): "boundary",
        ("aws_verifiedaccess_group", "policy_document"): "unmodelled",
    }
    assert {key: policies[key[0]][key[1]] for key in expected} == expected
    assert len([p for a in policies.values() for p in a]) == 102
    assert policy_attributes.known("aws_sqs_queue", "redrive_policy") is not False  # a setting, known not to be one


@pytest.mark.parametrize(
    ("type_name", "path", "expected"),
    [
        ("aws_future_policy", "policy", "resource"),
        ("aws_iam_future", "policy", "identity"),
        ("aws_kms_future", "policy", "key"),
        ("aws_future", "assume_role_policy", "trust"),
        ("aws_lb_listener", "ssl_policy", policy_attributes.SETTING),
    ],
)
def test_names_and_type_prefixes_classify_new_attributes(type_name: str, path: str, expected: str) -> None:
    assert classify(type_name, path) == expected


def test_a_policy_named_attribute_no_rule_knows_stops_the_regeneration() -> None:
    """A new provider's widget_policy is looked at, never guessed."""
    assert is_candidate("aws_widget", "widget_policy") and not is_candidate("aws_widget", "widget_policy_arn")
    with pytest.raises(DeriveError, match=r"aws_widget\.widget_policy looks like a policy but no rule classifies it"):
        classify("aws_widget", "widget_policy")


def test_string_attributes_are_read_from_the_bindings_through_nested_blocks() -> None:
    """The bindings' comment, getter and nested-class forms, as cdktn writes them (abridged from iam-role/index.js)."""
    source = """
class IamRoleInlinePolicyOutputReference extends cdktn.ComplexObject {
    // policy - computed: false, optional: true, required: false
    _policy;
    get policy() {
        return this.getStringAttribute('policy');
    }
}
class IamRole extends cdktn.TerraformResource {
    static tfResourceType = "aws_iam_role";
    // assume_role_policy - computed: false, optional: false, required: true
    _assumeRolePolicy;
    get assumeRolePolicy() {
        return this.getStringAttribute('assume_role_policy');
    }
    // max_session_duration - computed: false, optional: true, required: false
    get maxSessionDuration() {
        return this.getNumberAttribute('max_session_duration');
    }
    // inline_policy - computed: false, optional: true, required: false
    _inlinePolicy = new IamRoleInlinePolicyList(this, "inline_policy", true);
}
"""
    assert string_attributes(source) == ("aws_iam_role", ["assume_role_policy", "inline_policy.policy"])
