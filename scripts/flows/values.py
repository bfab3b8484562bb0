"""Secret values, set out-of-band: never argv, never Terraform, never printed.

The value comes from stdin (a prompt without echo on a terminal) or from a file. The
name must be one an app of the environment declares: a Secrets Manager secret gets a new version
(AWSCURRENT moves to it), a SecureString parameter is created or overwritten. Only the
name and the new version are printed. The command is `make put-secret` (scripts/cli.py).
"""

from __future__ import annotations

import getpass
import re
import secrets
import sys
from pathlib import Path

from scripts.common import UserError, say
from scripts.deployment import App, Deployment, Item
from scripts.review.cost import PRICES
from scripts.targets import Target

# Size limits, checked here: values never reach Terraform, so no plan-time validation sees them.
# - Secrets Manager: SecretString "Length Constraints: Minimum length of 1. Maximum length of 65536" (API
#   reference, PutSecretValue / SecretValueEntry; the service model botocore ships says max 65536 too).
# - Parameter Store: "Standard parameters have a value limit of 4 KB. Advanced parameters have a value limit
#   of 8 KB" (API reference, PutParameter, Value; user guide "Managing parameter tiers": maximum size of a
#   parameter value, 4 KB / 8 KB). Intelligent-Tiering moves a value over 4 KB to the Advanced tier.
# Counted in UTF-8 bytes: AWS's Standard-tier refusal speaks of 4096 characters, so bytes never pass more.
MAX_SECRET_BYTES = 65536
MAX_PARAMETER_BYTES = {"Standard": 4096, "Advanced": 8192, "Intelligent-Tiering": 8192}


def read_value(file: str | None) -> str:
    """The value from a file, or from stdin (prompting without echo on a terminal), by these rules (README,
    "Setting secret values"), each refusal one line with the fix and never a byte of the value:

    - UTF-8 text only (Secrets Manager's SecretString and Parameter Store's values are text); UTF-16 (what
      Windows PowerShell's `>` writes) is named as such.
    - A UTF-8 byte order mark at the very start is dropped, with a note: it marks the encoding (Windows
      editors write it), it is not text, and kept it would make the value differ from what was typed.
    - One line ending at the end is dropped: `\n` or `\r\n` (an editor's or `echo`'s last newline). A
      second one is part of the value, as are line endings inside it.
    - A value that then ends in `\r` is refused: a lone carriage return is invisible, no credential format
      ends in one, and it comes from a broken conversion or a paste; dropping it silently would change the
      value unseen, keeping it would store a credential that never matches.
    - A NUL anywhere is refused: text does not hold one; it means binary data or UTF-16.
    - An empty or whitespace-only value is refused. Other whitespace (leading or trailing spaces and tabs)
      is kept as it is.
    """
    if file:
        try:
            raw = Path(file).read_bytes()
        except OSError as exc:
            raise UserError(f"cannot read FILE={file} ({exc.strerror}); give a readable file") from None
    elif sys.stdin is None or sys.stdin.closed:
        raise UserError("no value: pipe it on stdin or give FILE=path")
    elif sys.stdin.isatty():
        raw = getpass.getpass("value (not echoed): ").encode()
    else:
        raw = sys.stdin.buffer.read()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UserError("the value is not UTF-8 text: it starts with a UTF-16 byte order mark; save it as UTF-8 and run again")
    try:
        value = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UserError(
            f"the value is not UTF-8 text (byte {exc.start} of {len(raw)}); store text, e.g. base64 of binary data"
        ) from None
    if value.startswith("\ufeff"):
        value = value[1:]
        say("note: the UTF-8 byte order mark at the start was dropped (it marks the encoding; it is not part of the value)")
    if value.endswith("\r\n"):
        value = value[:-2]
    elif value.endswith("\n"):
        value = value[:-1]
    if value.endswith("\r"):
        raise UserError(
            "the value ends in a carriage return (\\r) with no newline after it; remove it "
            "(e.g. tr -d '\\r' < FILE > FILE.new) and run again: a value cannot end in one"
        )
    if "\x00" in value:
        at = raw.index(b"\x00")
        raise UserError(
            f"the value holds a NUL byte (byte {at} of {len(raw)}): binary data or UTF-16, not text; "
            "save it as UTF-8 text, or store binary data base64-encoded"
        )
    if not value.strip():
        raise UserError("the value is empty or only whitespace; pipe the real value on stdin or give FILE=path")
    return value


def read_binary(file: str | None) -> bytes:
    """A binary secret's bytes from a file, or from stdin; nothing stripped. Empty is refused."""
    if file:
        try:
            raw = Path(file).read_bytes()
        except OSError as exc:
            raise UserError(f"cannot read FILE={file} ({exc.strerror}); give a readable file") from None
    elif sys.stdin is None or sys.stdin.closed or sys.stdin.isatty():
        raise UserError("a binary secret's value comes from FILE=path or a pipe, not a terminal")
    else:
        raw = sys.stdin.buffer.read()
    if not raw:
        raise UserError("the value is empty; pipe the real value on stdin or give FILE=path")
    return raw


def _json_object(item: Item, value: str) -> None:
    """A secret declared format = "json" takes a JSON object (its fields are what rotation and the client read)."""
    import json

    try:
        decoded = json.loads(value)
    except ValueError as exc:
        raise UserError(
            f'{item.name} is declared format = "json" but the value is not JSON (line {exc.lineno}, column {exc.colno}); '
            'give a JSON object such as {"username": ..., "password": ...}'
        ) from None
    if not isinstance(decoded, dict):
        raise UserError(f'{item.name} is declared format = "json": give a JSON object ({{...}}), not a {type(decoded).__name__}')
    missing = [field for field in item.fields if field not in decoded] if item.rotation == "generated" else []
    if missing:  # else the next rotation stops at createSecret, the new version left AWSPENDING
        raise UserError(
            f"{item.name} rotates the field(s) {', '.join(missing)} (rotation.fields in its tfvars entry), "
            "which the object lacks: add them (any current value), or change rotation.fields"
        )


def check_size(kind: str, name: str, value: str | bytes, tier: str = "Standard") -> None:
    """Refuse a value over its service's limit (see MAX_SECRET_BYTES) before any call, naming the fix."""
    size = len(value.encode() if isinstance(value, str) else value)
    if kind == "secret":
        if size > MAX_SECRET_BYTES:
            raise UserError(
                f"{name}: the value is {size:,} bytes; a Secrets Manager secret holds at most {MAX_SECRET_BYTES:,}: "
                "store the data elsewhere (e.g. an S3 object encrypted with KMS) and keep its location here"
            )
        return
    limit = MAX_PARAMETER_BYTES[tier]
    if size <= limit:
        return
    secret = f"declare it as a secret instead (Secrets Manager holds {MAX_SECRET_BYTES:,} bytes)"
    if limit < max(MAX_PARAMETER_BYTES.values()):
        advanced = f"{MAX_PARAMETER_BYTES['Advanced']:,} bytes, ${PRICES['ssm_advanced_month']:.2f} per parameter-month"
        raise UserError(
            f"{name}: the value is {size:,} bytes; a {tier}-tier SecureString holds at most {limit:,}: {secret}, "
            f"or give the parameter the Advanced tier ({advanced})"
        )
    raise UserError(
        f"{name}: the value is {size:,} bytes; a SecureString holds at most {limit:,} even in the {tier} tier; {secret}"
    )


def put(target: Target, app: App, item: Item, value: str | bytes) -> str:
    """Store the value; return the new version's id."""
    check_size(item.kind, item.name, value, item.tier)
    if item.kind == "secret":
        field = {"SecretBinary": value} if isinstance(value, bytes) else {"SecretString": value}
        response = target.client("secretsmanager", app.region).put_secret_value(SecretId=item.name, **field)
        return response["VersionId"]
    key = {"KeyId": app.kms_key_arn} if app.kms_key_arn else {}  # else the AWS managed key aws/ssm
    response = target.client("ssm", app.region).put_parameter(
        Name=item.name,
        Value=value,
        Type="SecureString",
        Overwrite=True,
        Tier=item.tier,
        Description=f"SecureString of {app.function_name}, set out-of-band by make put-secret",
        **key,
    )
    return str(response["Version"])


def has_value(target: Target, app: App, item: Item) -> bool:
    """True if the item already holds a value (checked without reading it)."""
    if item.kind == "secret":
        described = target.client("secretsmanager", app.region).describe_secret(SecretId=item.name)
        return any("AWSCURRENT" in stages for stages in described.get("VersionIdsToStages", {}).values())
    found = target.client("ssm", app.region).describe_parameters(
        ParameterFilters=[{"Key": "Name", "Option": "Equals", "Values": [item.name]}]
    )["Parameters"]
    return bool(found)


def demo_value(item: Item) -> str | bytes:
    """A random value of the item's shape (the sandbox's demo): JSON secrets get a user and a password."""
    if item.format == "binary":
        return secrets.token_bytes(32)
    if item.format == "json":
        import json

        return json.dumps({"username": f"{item.app}-demo", "password": "demo-" + secrets.token_urlsafe(24)})
    return "demo-" + secrets.token_urlsafe(24)


def put_demo_values(target: Target, deployment: Deployment) -> None:
    """Random values for every declared item that has none yet (the sandbox's demo)."""
    for app in deployment.selected(None):
        for item in app.items:
            if not item.takes_value:
                continue
            if has_value(target, app, item):
                say(f"{item.name}: has a value already, left as it is")
                continue
            version = put(target, app, item, demo_value(item))
            say(f"{item.name}: demo value set ({item.label}, version {version})")


def delete_parameters(target: Target, region: str, names: list[str]) -> None:
    """Delete SecureString parameters made out-of-band (by make destroy)."""
    response = target.client("ssm", region).delete_parameters(Names=names)
    for name in response.get("DeletedParameters", []):
        say(f"{name}: deleted (SecureString made out-of-band)")


def refuse_value_on_the_command_line(makeflags: str) -> None:
    """make put-secret VALUE=...: refused, never read (make passes its command line in MAKEFLAGS)."""
    if re.search(r"(?:^|\s)VALUE=", makeflags):
        raise UserError(
            "VALUE= is not read: a value on the command line stays in the shell's history and the process list; "
            "pipe it on stdin or give FILE=path, and treat the value typed as exposed"
        )


def put_named(target: Target, deployment: Deployment, name: str, file: str | None) -> None:
    """Store the value read from `file` or stdin under a declared `name` of any app."""
    if not name:
        raise UserError("which item? give NAME=/<env>/<app>/<scope>/<name> (make put-secret NAME=... < value.txt)")
    found = deployment.item(name)
    if found is None and not name.startswith("/"):
        full = sorted(item.name for item in deployment.items if item.takes_value and item.name.endswith(f"/{name}"))
        if full:
            raise UserError(f"NAME is the full name, /<env>/<app>/<scope>/<name>: did you mean {' or '.join(full)}?")
    if found is None or not found[1].takes_value:
        if found is not None:
            problem = f"{name} is a configuration parameter of app {found[0].name}: its value is in the tfvars file"
        else:
            problem = f"{name} is not declared in ENV={target.env}"
        close = deployment.closest(name)
        hint = (
            f"closest declared: {', '.join(close)}"
            if close
            else f"declared: {', '.join(sorted(i.name for i in deployment.items if i.takes_value)) or 'none'}"
        )
        raise UserError(f"{problem}; {hint} (a new item is declared under its app in {target.config_hint})")
    app, item = found
    if item.format == "binary":
        value: str | bytes = read_binary(file)
    else:
        value = read_value(file)
        if item.format == "json":
            _json_object(item, value)
    version = put(target, app, item, value)
    say(f"{name}: new value stored ({item.label} of app {app.name}, version {version})")
