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
from scripts.targets import Target

MAX_SECRET_BYTES = 65536
MAX_STANDARD_PARAMETER_BYTES = 4096


def read_value(file: str | None) -> str:
    """The value from a file, or from stdin (prompting without echo on a terminal); one trailing newline dropped.

    Refused: an empty or whitespace-only value, and bytes that are not UTF-8 (Secrets
    Manager's SecretString and Parameter Store's values are text).
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
    try:
        value = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UserError(
            f"the value is not UTF-8 text (byte {exc.start} of {len(raw)}); store text, e.g. base64 of binary data"
        ) from None
    value = value[:-1] if value.endswith("\n") else value
    value = value[:-1] if value.endswith("\r") else value
    if not value.strip():
        raise UserError("the value is empty or only whitespace; pipe the real value on stdin or give FILE=path")
    return value


def declared(stack: dict[str, Any]) -> dict[str, str]:
    """Every item the stack declares that takes a value out-of-band: name -> "secret" or "secure_parameter"."""
    kinds = {name: "secret" for name in stack["secret_names"].values()}
    kinds.update({name: "secure_parameter" for name in stack["secure_parameter_names"].values()})
    return kinds


def put(target: Target, stack: dict[str, Any], kind: str, name: str, value: str) -> str:
    """Store the value; return the new version's id."""
    size = len(value.encode())
    if kind == "secret":
        if size > MAX_SECRET_BYTES:
            raise UserError(f"{name}: the value is {size} bytes; Secrets Manager takes at most {MAX_SECRET_BYTES}")
        response = target.client("secretsmanager", stack["region"]).put_secret_value(SecretId=name, SecretString=value)
        return response["VersionId"]
    if size > MAX_STANDARD_PARAMETER_BYTES:
        raise UserError(f"{name}: the value is {size} bytes; a standard parameter takes at most {MAX_STANDARD_PARAMETER_BYTES}")
    key = {"KeyId": stack["kms_key_arn"]} if stack.get("kms_key_arn") else {}  # else the AWS managed key aws/ssm
    response = target.client("ssm", stack["region"]).put_parameter(
        Name=name,
        Value=value,
        Type="SecureString",
        Overwrite=True,
        Tier="Standard",
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
