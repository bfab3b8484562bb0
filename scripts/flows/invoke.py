"""Invoke a deployed app's function with your own event (the command is `make invoke`).

    make invoke APP=orders EVENT='{"orders": [1, 2]}'
    make invoke APP=orders EVENT_FILE=events/two-orders.json

Prints what the function returned (or its error) and its log lines for this invocation.
Every value the app stores (its secrets, SecureStrings and configuration parameters, and each
field of a JSON secret) is read here and masked wherever it appears in either, so a handler
that returns or logs a secret by mistake does not print it. Sandbox: the local runner;
AWS: lambda:Invoke with the log tail (its last 4 KB).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scripts.common import UserError, say, step
from scripts.deployment import App, Deployment
from scripts.targets import Target

MIN_MASKED = 4  # shorter values are not masked (they would mask ordinary words); such values are not secrets


def event_from(text: str | None, file: str | None) -> Any:
    """The event from EVENT (JSON text) or EVENT_FILE (a JSON file); {} when neither is given."""
    if text and file:
        raise UserError("give EVENT or EVENT_FILE, not both")
    if file:
        try:
            text = Path(file).read_text()
        except OSError as exc:
            raise UserError(f"cannot read EVENT_FILE={file} ({exc.strerror}); give a readable JSON file") from None
    if not text:
        return {}
    try:
        return json.loads(text)
    except ValueError as exc:
        source = f"EVENT_FILE={file}" if file else "EVENT"
        raise UserError(f"{source} is not JSON ({exc}); e.g. EVENT='{{\"key\": 1}}'") from None


def stored_values(target: Target, app: App) -> dict[str, str]:
    """Every value the app stores, each by its item's name (JSON secrets: each string field too)."""
    from botocore.exceptions import ClientError

    secrets, ssm = target.client("secretsmanager", app.region), target.client("ssm", app.region)
    found: dict[str, str] = {}
    for item in app.items:
        try:
            if item.kind == "secret":
                value = secrets.get_secret_value(SecretId=item.name).get("SecretString")
            else:
                value = ssm.get_parameter(Name=item.name, WithDecryption=True)["Parameter"]["Value"]
        except ClientError:
            continue  # no value yet: nothing to mask
        if not value:
            continue
        found[value] = item.name
        if item.format == "json":
            try:
                fields = json.loads(value)
            except ValueError:
                fields = {}
            for key, field in fields.items() if isinstance(fields, dict) else []:
                if isinstance(field, str):
                    found[field] = f"{item.name}#{key}"
    return {value: name for value, name in found.items() if len(value) >= MIN_MASKED}


def mask(text: str, values: dict[str, str]) -> str:
    """`text` with each stored value replaced by a marker naming its item (longest values first)."""
    for value in sorted(values, key=len, reverse=True):
        text = text.replace(value, f"(masked: {values[value]})")
        escaped = json.dumps(value)[1:-1]  # as it appears inside a JSON string
        if escaped != value:
            text = text.replace(escaped, f"(masked: {values[value]})")
    return text


def invoke(target: Target, deployment: Deployment, app_name: str | None, event: Any) -> int:
    """Invoke the app's function once; print its result and log lines, masked. 1 if the function failed."""
    if not app_name:
        raise UserError(f"which app? give APP=<name> (ENV={target.env} has {', '.join(sorted(deployment.apps))})")
    app = deployment.app(app_name)
    step(f"invoke {app.function_name} (ENV={target.env})")
    invocation = target.invoke(app, event)
    values = stored_values(target, app)
    result = invocation.payload if invocation.error is None else {"error": invocation.error}
    if invocation.log_tail:
        say("log:")
        for line in mask(invocation.log_tail, values).rstrip().splitlines():
            say(f"  {line}")
    say(f"{'failed' if invocation.error else 'returned'} ({invocation.detail}):")
    print(mask(json.dumps(result, indent=2, ensure_ascii=False), values))
    return 1 if invocation.error else 0
