"""Set a secret's or a SecureString parameter's value out-of-band: never argv, never Terraform.

    make put-secret NAME=/sandbox/demo/secrets/api_key < value.txt
    make put-secret NAME=/sandbox/demo/secrets/api_key FILE=value.txt
    python -m scripts.put_value --env sandbox --demo   (random values for items still empty)

The value comes from stdin (a prompt without echo on a terminal) or from a file. The
name must be one the stack declares: a Secrets Manager secret gets a new version
(AWSCURRENT moves to it), a SecureString parameter is created or overwritten. Only the
name and the new version are printed.
"""

from __future__ import annotations

import argparse
import getpass
import os
import secrets
import sys
from pathlib import Path
from typing import Any

from scripts import aws
from scripts.common import UserError, check_env, run_main, say

MAX_SECRET_BYTES = 65536
MAX_STANDARD_PARAMETER_BYTES = 4096


def read_value(file: str | None) -> str:
    """The value from a file, or from stdin (prompting without echo on a terminal)."""
    if file:
        try:
            raw = Path(file).read_text()
        except OSError as exc:
            raise UserError(f"cannot read FILE={file} ({exc.strerror}); give a readable file") from None
    elif sys.stdin is None or sys.stdin.closed:
        raise UserError("no value: pipe it on stdin or give FILE=path")
    elif sys.stdin.isatty():
        raw = getpass.getpass("value (not echoed): ")
    else:
        raw = sys.stdin.read()
    value = raw[:-1] if raw.endswith("\n") else raw
    if value.endswith("\r"):
        value = value[:-1]
    if not value:
        raise UserError("the value is empty; pipe it on stdin or give FILE=path")
    return value


def declared(env: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The deployed stack's outputs and a map name -> kind ("secret" or "secure_parameter")."""
    from scripts.tf import outputs

    stack = outputs(env)
    kinds = {name: "secret" for name in stack["secret_names"].values()}
    kinds.update({name: "secure_parameter" for name in stack["secure_parameter_names"].values()})
    return stack, kinds


def put(env: str, stack: dict[str, Any], kind: str, name: str, value: str) -> str:
    """Store the value; return the new version's id."""
    size = len(value.encode())
    if kind == "secret":
        if size > MAX_SECRET_BYTES:
            raise UserError(f"{name}: the value is {size} bytes; Secrets Manager takes at most {MAX_SECRET_BYTES}")
        response = aws.client(env, "secretsmanager", stack["region"]).put_secret_value(SecretId=name, SecretString=value)
        return response["VersionId"]
    if size > MAX_STANDARD_PARAMETER_BYTES:
        raise UserError(f"{name}: the value is {size} bytes; a standard parameter takes at most {MAX_STANDARD_PARAMETER_BYTES}")
    response = aws.client(env, "ssm", stack["region"]).put_parameter(
        Name=name,
        Value=value,
        Type="SecureString",
        Overwrite=True,
        Tier="Standard",
        Description=f"SecureString of {stack['function_name']}, set out-of-band by make put-secret",
    )
    return str(response["Version"])


def has_value(env: str, stack: dict[str, Any], kind: str, name: str) -> bool:
    """True if the item already holds a value (checked without reading it)."""
    if kind == "secret":
        versions = aws.client(env, "secretsmanager", stack["region"]).describe_secret(SecretId=name).get("VersionIdsToStages", {})
        return any("AWSCURRENT" in stages for stages in versions.values())
    found = aws.client(env, "ssm", stack["region"]).describe_parameters(
        ParameterFilters=[{"Key": "Name", "Option": "Equals", "Values": [name]}]
    )["Parameters"]
    return bool(found)


def put_demo_values(env: str) -> None:
    """Random values for every declared item that has none yet (sandbox demo)."""
    stack, kinds = declared(env)
    for name, kind in sorted(kinds.items()):
        if has_value(env, stack, kind, name):
            say(f"{name}: has a value already, left as it is")
            continue
        version = put(env, stack, kind, name, "demo-" + secrets.token_urlsafe(24))
        say(f"{name}: demo value set ({kind.replace('_', ' ')}, version {version})")


def delete_parameters(env: str, region: str, names: list[str]) -> None:
    """Delete SecureString parameters made out-of-band (by make destroy)."""
    response = aws.client(env, "ssm", region).delete_parameters(Names=names)
    for name in response.get("DeletedParameters", []):
        say(f"{name}: deleted (SecureString made out-of-band)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--env", default=os.environ.get("ENV", "sandbox"), help="sandbox (default), dev or prod")
    parser.add_argument("--name", help="full name, e.g. /sandbox/demo/secrets/api_key")
    parser.add_argument("--file", help="read the value from this file instead of stdin")
    parser.add_argument("--demo", action="store_true", help="set random demo values for items still empty")
    args = parser.parse_args()
    env = check_env(args.env)
    if args.demo:
        put_demo_values(env)
        return 0
    if not args.name:
        raise UserError("which item? give NAME=/<env>/<app>/<scope>/<name> (make put-secret NAME=... < value.txt)")
    stack, kinds = declared(env)
    kind = kinds.get(args.name)
    if kind is None:
        known = ", ".join(sorted(kinds)) or "none"
        raise UserError(f"{args.name} is not a secret or SecureString of ENV={env}; declared: {known}")
    version = put(env, stack, kind, args.name, read_value(args.file))
    say(f"{args.name}: new value stored ({kind.replace('_', ' ')}, version {version})")
    return 0


if __name__ == "__main__":
    run_main(main)
