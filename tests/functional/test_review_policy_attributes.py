"""Regenerating scripts/review/policy-attributes.json from the pinned bindings wheel gives the committed bytes."""

from __future__ import annotations

import pytest

from scripts.review import policy_attributes
from scripts.schema_check import BINDINGS, PROVIDER_VERSION
from scripts.schema_check.regenerate import CACHE


def test_the_committed_list_is_what_the_pinned_wheel_gives() -> None:
    """Derived from cdktn-provider-aws 25.8.1 (hashicorp/aws 6.69.1) when it is cached, as the schema file's test does."""
    wheel = CACHE / "cdktn_provider_aws-25.8.1-py3-none-any.whl"
    if not wheel.is_file():
        pytest.skip("the 71 MB bindings wheel is not cached: run python -m scripts.schema_check --regenerate once")
    data = policy_attributes.derive(wheel, PROVIDER_VERSION, BINDINGS)
    assert policy_attributes.dump(data) == policy_attributes.DATA_FILE.read_text()
