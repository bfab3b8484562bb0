"""POL011 (scripts/review/rules/policy_not_modelled.py): a policy the review does not model is a finding."""

from tests.unit.review_rules._plans import doc, found, plan, policy_change, rc

STATEMENT = {"Effect": "Allow", "Action": "example:Get", "Resource": "*", "Principal": "*"}


def test_a_policy_on_an_attribute_the_list_does_not_know_trips_it() -> None:
    """A type outside the 6.69.1 schema list with a policy document: reported, never passed over."""
    the_plan = plan(policy_change("aws_future_thing", "access_document", None, doc(STATEMENT)))
    assert found("POL011", the_plan) == [("POL011", "medium", "aws_future_thing.x")]


def test_a_grammar_the_review_does_not_read_trips_it() -> None:
    """A Cedar policy (Verified Access) is listed as unmodelled: any change is a finding."""
    cedar = 'permit(principal, action, resource) when { context.http_request.http_method == "GET" };'
    the_plan = plan(policy_change("aws_verifiedaccess_group", "policy_document", None, cedar))
    assert found("POL011", the_plan) == [("POL011", "medium", "aws_verifiedaccess_group.x")]


def test_an_unknown_policy_named_attribute_of_an_unknown_type_trips_it() -> None:
    """Known only after apply, on a type the list lacks: reported."""
    change = rc("aws_future_thing.x", "aws_future_thing", ["create"], None, {}, after_unknown={"resource_policy": True})
    assert found("POL011", plan(change)) == [("POL011", "medium", "aws_future_thing.x")]


def test_modelled_documents_and_unchanged_ones_do_not() -> None:
    """A listed type is modelled; an unlisted document that did not change is no news; a data-protection policy is no grant."""
    listed = plan(policy_change("aws_sqs_queue_policy", "policy", None, doc(STATEMENT)))
    same = plan(policy_change("aws_future_thing", "access_document", doc(STATEMENT), doc(STATEMENT)))
    masking = plan(
        policy_change("aws_sns_topic_data_protection_policy", "policy", None, doc({"Sid": "mask", "DataIdentifier": []}))
    )
    assert found("POL011", listed) == found("POL011", same) == found("POL011", masking) == []
