"""Keep secret-looking values out of every review: by Terraform's sensitive marks, by name, by regex.

A value is secret-looking when Terraform marks it sensitive, or it sits under a
secret-looking name (an attribute, a Lambda environment variable, a variable, an output),
or it matches one of the patterns below, or it is the value of an environment variable
named in a mask (`env:NAME`, as tfcmt's masks offer; `regexp:PATTERN` adds a pattern), given
as arguments or in $REVIEW_MASKS (comma-separated).
The review collects every such value from the whole plan first, then masks it wherever it
appears: in attribute diffs, outputs, risk details, and as a last pass over each rendering.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from typing import Any

from scripts.common import UserError
from scripts.review.model import MASK
from scripts.review.plan import leaves

SECRET_WORDS = re.compile(r"(secret|password|passwd|passphrase|token|api_?key|private_?key|credential)", re.IGNORECASE)
# Names of names: a secret's ARN, ID, path or version is not the secret.
NAME_SUFFIXES = re.compile(
    r"(_NAMES?|_IDS?|_ARNS?|_PATHS?|_PREFIX|_VERSION|_TTL|_DAYS|_ENABLED|_LENGTH|_DESCRIPTION|_TYPE|_TIER|_POLICY|_RULES|_COUNT|_MODE)$",
    re.IGNORECASE,
)
# Settings of the Parameters and Secrets extension: their names say SECRETS, their values are not secrets.
EXTENSION_SETTINGS = re.compile(
    r"^(PARAMETERS_SECRETS_EXTENSION_\w+|SECRETS_MANAGER_\w+|SSM_PARAMETER_STORE_\w+|SECRETS_CLIENT_\w+)$"
)
PATTERNS = (
    r"\b(AKIA|ASIA)[0-9A-Z]{16}\b",  # AWS access key ID
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)",
    r"\bgh[pousr]_[A-Za-z0-9]{30,}\b",  # GitHub tokens
    r"\bgithub_pat_[A-Za-z0-9_]{30,}\b",
    r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b",  # Slack tokens
    r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b",  # JWT
    r"(?i)\b(password|passwd|pwd|secret|token)=[^\s&\"']+",  # credentials in a URL or connection string
)
ENV_MASKS = ("GITHUB_TOKEN", "GH_TOKEN", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
MIN_LENGTH = 6  # shorter values ("TRUE", "300") would mask ordinary words; they are masked by position only


def secret_name(name: str) -> bool:
    """True for a name whose value would be a secret (DB_PASSWORD, api_key, secret_string)."""
    key = re.sub(r"\[\d+\]$", "", name.rsplit(".", 1)[-1])
    return bool(SECRET_WORDS.search(key)) and not NAME_SUFFIXES.search(key) and not EXTENSION_SETTINGS.match(key)


def looks_like_a_name(value: Any) -> bool:
    """Paths and ARNs are names of secrets, not secrets."""
    return isinstance(value, str) and (value.startswith(("/", "arn:")) or value == "")


class Redactor:
    """Collects the secret-looking values of a plan, then masks them in anything shown."""

    def __init__(self, masks: Iterable[str] = ()) -> None:
        self.values: set[str] = set()
        self.patterns = [re.compile(p) for p in PATTERNS]
        for name in ENV_MASKS:
            self._add(os.environ.get(name))
        for mask in [*masks, *filter(None, os.environ.get("REVIEW_MASKS", "").split(","))]:
            kind, _, rest = mask.partition(":")
            if kind == "env" and rest:
                self._add(os.environ.get(rest))
            elif kind == "regexp" and rest:
                try:
                    self.patterns.append(re.compile(rest))
                except re.error as exc:
                    raise UserError(f"mask {mask!r} is not a valid regular expression ({exc}); fix the pattern") from None
            else:
                raise UserError(f"mask {mask!r} is not env:NAME or regexp:PATTERN; e.g. --mask env:DB_PASSWORD")
        self._literal: re.Pattern[str] | None = None

    def _add(self, value: Any) -> None:
        if isinstance(value, bool) or value is None:
            return
        text = str(value)
        if len(text) >= MIN_LENGTH:
            self.values.add(text)
            self._literal = None

    def _add_leaves(self, value: Any, sensitive: Any = None, secret: bool = False) -> None:
        marks = leaves(sensitive) if isinstance(sensitive, dict | list) else {}
        for path, leaf in leaves(value).items():
            if isinstance(leaf, dict | list):
                continue
            marked = sensitive is True or marks.get(path) is True or _marked(marks, path)
            if marked or ((secret or secret_name(path)) and not looks_like_a_name(leaf)):
                self._add(leaf)

    def collect(self, plan: dict[str, Any]) -> Redactor:
        """Gather every secret-looking value in the plan (resources, drift, variables, outputs)."""
        for rc in plan.get("resource_changes", []) + plan.get("resource_drift", []):
            change = rc.get("change", {})
            self._add_leaves(change.get("before"), change.get("before_sensitive"))
            self._add_leaves(change.get("after"), change.get("after_sensitive"))
        declared = plan.get("configuration", {}).get("root_module", {}).get("variables", {})
        for name, variable in (plan.get("variables") or {}).items():
            hidden = (declared.get(name) or {}).get("sensitive") or secret_name(name)
            if hidden:
                self._add_leaves(variable.get("value"), secret=True)
        for name, change in (plan.get("output_changes") or {}).items():
            hidden = secret_name(name)
            self._add_leaves(change.get("before"), change.get("before_sensitive"), secret=hidden)
            self._add_leaves(change.get("after"), change.get("after_sensitive"), secret=hidden)
        return self

    def text(self, text: str) -> str:
        """`text` with every collected value and every pattern match replaced by MASK."""
        if self.values:
            if self._literal is None:
                ordered = sorted(self.values, key=len, reverse=True)
                self._literal = re.compile("|".join(re.escape(v) for v in ordered))
            text = self._literal.sub(MASK, text)
        for pattern in self.patterns:
            text = pattern.sub(MASK, text)
        return text

    def value(self, value: Any, sensitive: Any = None, name: str = "") -> Any:
        """`value` with sensitive leaves, leaves under secret-looking names and collected values masked."""
        if sensitive is True or (isinstance(value, str) and name and secret_name(name) and not looks_like_a_name(value)):
            return MASK
        if isinstance(value, dict):
            marks = sensitive if isinstance(sensitive, dict) else {}
            return {k: self.value(v, marks.get(k), str(k)) for k, v in value.items()}
        if isinstance(value, list):
            marks = sensitive if isinstance(sensitive, list) else []
            return [self.value(v, marks[i] if i < len(marks) else None, name) for i, v in enumerate(value)]
        if isinstance(value, str):
            return self.text(value)
        return value


def _marked(marks: dict[str, Any], path: str) -> bool:
    """True if `path` or a container above it is marked sensitive."""
    return any(marks.get(prefix) is True for prefix in _prefixes(path))


def _prefixes(path: str) -> list[str]:
    parts = re.split(r"(?=[.\[])", path)
    return ["".join(parts[:i]).lstrip(".") for i in range(1, len(parts))]
