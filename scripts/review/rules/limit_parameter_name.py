"""LIMIT005: an SSM parameter's name over 1011 characters, counted with the ARN before it as AWS counts it."""

from __future__ import annotations

from collections.abc import Iterator

from scripts.review.limits import PARAMETER_NAME_CHARS, known_name, of_app, ssm_arn_prefix
from scripts.review.model import Risk, Severity
from scripts.review.rule import ResourceRule
from scripts.review.view import Change, PlanView


class ParameterNameTooLong(ResourceRule):
    """SSM's PutParameter, request parameter Name: "The maximum length for a parameter name that you
    specify is 1011 characters." and "This count of 1011 characters includes the characters in
    the ARN that precede the name you specify. This ARN length will vary depending on your
    partition and Region. For example, the following 45 characters count toward the 1011
    character maximum for a parameter created in the US East (Ohio) Region:
    arn:aws:ssm:us-east-2:111122223333:parameter/."
    (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html).

    Counted as the stack counts it (terraform/stack/main.tf, local.ssm_arn_length): that prefix,
    with the plan's region, plus the name; so possibly one character stricter than AWS for a
    name that starts with "/" (docs/troubleshooting.md). No region in the plan: not measured.
    """

    id = "LIMIT005"
    title = "parameter name over 1011 characters with its ARN"
    severity = Severity.HIGH
    why = "SSM refuses the parameter, so the apply fails part-way"
    types = frozenset({"aws_ssm_parameter"})

    def scan_change(self, change: Change, view: PlanView) -> Iterator[Risk]:
        name = known_name(change) if change.creates else None
        region = view.region(change.after)
        if name is None or not region:
            return
        prefix = ssm_arn_prefix(region)
        size = len(prefix) + len(name)
        if size > PARAMETER_NAME_CHARS:
            yield self.risk(
                change.address,
                f"{of_app(change.address)}{self.why}: its name has {len(name):,} characters, {size:,} with the "
                f"{len(prefix)} of {prefix} before it, over SSM's {PARAMETER_NAME_CHARS:,}; shorten the name (or its path)",
            )
