"""LIMIT001: a Lambda function's environment variables over Lambda's 4 KB, measured as Lambda measures them."""

from __future__ import annotations

from collections.abc import Iterator

from scripts.review.limits import ENVIRONMENT_BYTES, environment_bytes, has_unknown, of_app
from scripts.review.model import Risk, Severity
from scripts.review.plan import environment_of
from scripts.review.rule import ResourceRule
from scripts.review.view import Change, PlanView


class LambdaEnvironmentTooLarge(ResourceRule):
    """Lambda's quota, "Function environment variables": "4 KB, for all environment variables
    associated with the function, in aggregate" (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).

    Measured as the stack measures it (terraform/stack/main.tf, local.environment_bytes): the
    JSON of the variables in UTF-8 bytes, the string Lambda quotes when it refuses one. With
    values known only after apply, the known part is measured and reported only when it alone
    is over.
    """

    id = "LIMIT001"
    title = "Lambda environment over 4 KB"
    severity = Severity.HIGH
    why = "Lambda refuses the function's configuration, so the apply fails part-way"
    types = frozenset({"aws_lambda_function"})

    def scan_change(self, change: Change, view: PlanView) -> Iterator[Risk]:
        if not (change.creates or change.updates):
            return
        unknown = change.after_unknown.get("environment")
        if unknown is True:
            return
        variables = {k: v for k, v in environment_of(change.after).items() if isinstance(v, str)}
        size = environment_bytes(variables)
        if size <= ENVIRONMENT_BYTES:
            return
        measured = f"at least {size:,}" if has_unknown(unknown) else f"{size:,}"
        yield self.risk(
            change.address,
            f"{of_app(change.address)}{self.why}: its {len(variables)} environment variables measure {measured} bytes "
            f"as JSON, over Lambda's {ENVIRONMENT_BYTES:,} for all of them; pass fewer or shorter values "
            "(e.g. the name of one parameter that lists them)",
        )
