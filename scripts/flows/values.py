"""Secret values, set out-of-band: never argv, never Terraform, never printed.

The value comes from stdin (a prompt without echo on a terminal) or from a file. The
name must be one the stack declares: a Secrets Manager secret gets a new version
(AWSCURRENT moves to it), a SecureString parameter is created or overwritten. Only the
name and the new version are printed. The command is `make put-secret` (scripts/cli.py).
"""

from __future__ import annotations

import getpass
import secrets
import sys
from pathlib import Path
from typing import Any

from scripts.common import UserError, say
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


def check_size(kind: str, name: str, value: str, tier: str = "Standard") -> None:
    """Refuse a value over its service's limit (see MAX_SECRET_BYTES) before any call, naming the fix."""
    size = len(value.encode())
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


def declared(stack: dict[str, Any]) -> dict[str, str]:
    """Every item the stack declares that takes a value out-of-band: name -> "secret" or "secure_parameter"."""
    kinds = {name: "secret" for name in stack["secret_names"].values()}
    kinds.update({name: "secure_parameter" for name in stack["secure_parameter_names"].values()})
    return kinds


def put(target: Target, stack: dict[str, Any], kind: str, name: str, value: str, tier: str = "Standard") -> str:
    """Store the value (a SecureString in parameter tier `tier`); return the new version's id."""
    check_size(kind, name, value, tier)
    if kind == "secret":
        response = target.client("secretsmanager", stack["region"]).put_secret_value(SecretId=name, SecretString=value)
        return response["VersionId"]
    key = {"KeyId": stack["kms_key_arn"]} if stack.get("kms_key_arn") else {}  # else the AWS managed key aws/ssm
    response = target.client("ssm", stack["region"]).put_parameter(
        Name=name,
        Value=value,
        Type="SecureString",
        Overwrite=True,
        Tier=tier,
        Description=f"SecureString of {stack['function_name']}, set out-of-band by make put-secret",
        **key,
    )
    return str(response["Version"])


def has_value(target: Target, stack: dict[str, Any], kind: str, name: str) -> bool:
    """True if the item already holds a value (checked without reading it)."""
    if kind == "secret":
        versions = target.client("secretsmanager", stack["region"]).describe_secret(SecretId=name).get("VersionIdsToStages", {})
        return any("AWSCURRENT" in stages for stages in versions.values())
    found = target.client("ssm", stack["region"]).describe_parameters(
        ParameterFilters=[{"Key": "Name", "Option": "Equals", "Values": [name]}]
    )["Parameters"]
    return bool(found)


def put_demo_values(target: Target, stack: dict[str, Any]) -> None:
    """Random values for every declared item that has none yet (the sandbox's demo)."""
    for name, kind in sorted(declared(stack).items()):
        if has_value(target, stack, kind, name):
            say(f"{name}: has a value already, left as it is")
            continue
        version = put(target, stack, kind, name, "demo-" + secrets.token_urlsafe(24))
        say(f"{name}: demo value set ({kind.replace('_', ' ')}, version {version})")


def delete_parameters(target: Target, region: str, names: list[str]) -> None:
    """Delete SecureString parameters made out-of-band (by make destroy)."""
    response = target.client("ssm", region).delete_parameters(Names=names)
    for name in response.get("DeletedParameters", []):
        say(f"{name}: deleted (SecureString made out-of-band)")


def put_named(target: Target, stack: dict[str, Any], name: str, file: str | None) -> None:
    """Store the value read from `file` or stdin under a declared `name`."""
    if not name:
        raise UserError("which item? give NAME=/<env>/<app>/<scope>/<name> (make put-secret NAME=... < value.txt)")
    kinds = declared(stack)
    kind = kinds.get(name)
    if kind is None:
        known = ", ".join(sorted(kinds)) or "none"
        raise UserError(f"{name} is not a secret or SecureString of ENV={target.env}; declared: {known}")
    version = put(target, stack, kind, name, read_value(file))
    say(f"{name}: new value stored ({kind.replace('_', ' ')}, version {version})")
