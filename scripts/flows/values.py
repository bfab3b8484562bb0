"""Secret values, set out-of-band: never argv, never Terraform, never printed.

The value comes from stdin (a prompt without echo on a terminal) or from a file. The
name must be one an app of the environment declares: a Secrets Manager secret gets a new version
(AWSCURRENT moves to it), a SecureString parameter is created or overwritten. Only the
name and the new version are printed. The command is `make put-secret` (scripts/cli.py).
"""

from __future__ import annotations

import getpass
import secrets
import sys
from pathlib import Path

from scripts.common import UserError, say
from scripts.deployment import App, Deployment, Item
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


def put(target: Target, app: App, item: Item, value: str | bytes) -> str:
    """Store the value; return the new version's id."""
    size = len(value.encode() if isinstance(value, str) else value)
    if item.kind == "secret":
        if size > MAX_SECRET_BYTES:
            raise UserError(f"{item.name}: the value is {size} bytes; Secrets Manager takes at most {MAX_SECRET_BYTES}")
        field = {"SecretBinary": value} if isinstance(value, bytes) else {"SecretString": value}
        response = target.client("secretsmanager", app.region).put_secret_value(SecretId=item.name, **field)
        return response["VersionId"]
    if size > MAX_STANDARD_PARAMETER_BYTES:
        raise UserError(
            f"{item.name}: the value is {size} bytes; a standard parameter takes at most {MAX_STANDARD_PARAMETER_BYTES}"
        )
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


def put_named(target: Target, deployment: Deployment, name: str, file: str | None) -> None:
    """Store the value read from `file` or stdin under a declared `name` of any app."""
    if not name:
        raise UserError("which item? give NAME=/<env>/<app>/<scope>/<name> (make put-secret NAME=... < value.txt)")
    found = deployment.item(name)
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
