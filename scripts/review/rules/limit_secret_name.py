"""LIMIT004: a Secrets Manager secret's name over 512 characters."""

from __future__ import annotations

from collections.abc import Iterator

from scripts.review.limits import SECRET_NAME_CHARS, known_name, of_app
from scripts.review.model import Risk, Severity
from scripts.review.rule import ResourceRule
from scripts.review.view import Change, PlanView


class SecretNameTooLong(ResourceRule):
    """Secrets Manager's CreateSecret, request parameter Name: "Length Constraints: Minimum length
    of 1. Maximum length of 512." (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html;
    the service model, botocore's secretsmanager NameType, says max 512 too).

    A name known only after apply (name_prefix) is not measured.
    """

    id = "LIMIT004"
    title = "secret name over 512 characters"
    severity = Severity.HIGH
    why = "Secrets Manager refuses the secret, so the apply fails part-way"
    types = frozenset({"aws_secretsmanager_secret"})

    def scan_change(self, change: Change, view: PlanView) -> Iterator[Risk]:
        name = known_name(change) if change.creates else None
        if name is not None and len(name) > SECRET_NAME_CHARS:
            yield self.risk(
                change.address,
                f"{of_app(change.address)}{self.why}: its name has {len(name):,} characters, over Secrets Manager's "
                f"{SECRET_NAME_CHARS:,}; shorten the name (or its path)",
            )
