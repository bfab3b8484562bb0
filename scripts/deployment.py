"""What is deployed in an environment, typed: the roots' `apps` output turned into dataclasses.

The one place that reads the Terraform outputs by key. Everything else (flows, targets,
the review) takes a `Deployment`, its `App`s and their `Item`s.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any, Literal

from scripts.common import UserError

Kind = Literal["secret", "secure_parameter", "parameter"]
KINDS: tuple[Kind, ...] = ("secret", "secure_parameter", "parameter")


@dataclass(frozen=True)
class Item:
    """One secret or parameter an app declares."""

    app: str
    key: str  # "<scope>/<name>", relative to the app
    name: str  # /<env>/<app>/<scope>/<name>
    kind: Kind
    format: str = "string"  # secrets: string, json or binary
    rotation: str = "none"  # secrets: none, generated or lambda
    rotation_days: int | None = None
    schedule_expression: str | None = None
    rotation_lambda_arn: str | None = None
    fields: tuple[str, ...] = ()  # json secrets with generated rotation: the keys it replaces
    tier: str = "Standard"  # SecureStrings: the tier make put-secret writes

    @property
    def takes_value(self) -> bool:
        """Set out-of-band by make put-secret (a secret or a SecureString), not by Terraform."""
        return self.kind != "parameter"

    @property
    def label(self) -> str:
        return {"secret": "secret", "secure_parameter": "SecureString", "parameter": "parameter"}[self.kind]


@dataclass(frozen=True)
class App:
    """One app's deployed stack: its function, role and items."""

    name: str
    env: str
    region: str
    prefix: str
    function_name: str
    function_arn: str
    role_arn: str
    log_group_name: str
    manifest_parameter: str
    kms_key_arn: str | None
    rotation_function_name: str | None
    items: tuple[Item, ...]
    environment: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def account(self) -> str:
        return self.function_arn.split(":")[4]

    @property
    def partition(self) -> str:
        return self.function_arn.split(":")[1]

    def of_kind(self, kind: Kind) -> list[Item]:
        return [item for item in self.items if item.kind == kind]

    @property
    def secrets(self) -> list[Item]:
        return self.of_kind("secret")

    @property
    def parameters(self) -> list[Item]:
        """Configuration parameters and SecureStrings: every item read from Parameter Store."""
        return [item for item in self.items if item.kind != "secret"]

    def arn(self, item_name: str, kind: Kind) -> str:
        """An ARN for a name in the app's account and region (a secret's with a placeholder suffix)."""
        if kind == "secret":
            return f"arn:{self.partition}:secretsmanager:{self.region}:{self.account}:secret:{item_name}-AbCdEf"
        return f"arn:{self.partition}:ssm:{self.region}:{self.account}:parameter{item_name}"


@dataclass(frozen=True)
class Deployment:
    """Every app deployed in one environment."""

    env: str
    apps: dict[str, App]

    @property
    def items(self) -> list[Item]:
        return [item for app in self.apps.values() for item in app.items]

    def app(self, name: str) -> App:
        """The app called `name`, or a UserError listing the deployed ones."""
        if name not in self.apps:
            close = difflib.get_close_matches(name, list(self.apps), n=1)
            hint = f'did you mean "{close[0]}"? ' if close else ""
            raise UserError(f"APP={name} is not an app of ENV={self.env}; {hint}its apps: {', '.join(sorted(self.apps))}")
        return self.apps[name]

    def selected(self, name: str | None) -> list[App]:
        """The app APP names, or every app (sorted) when it is empty."""
        return [self.app(name)] if name else [self.apps[key] for key in sorted(self.apps)]

    def item(self, name: str) -> tuple[App, Item] | None:
        for app in self.apps.values():
            for item in app.items:
                if item.name == name:
                    return app, item
        return None

    def closest(self, name: str, *, takes_value: bool = True, count: int = 3) -> list[str]:
        """The declared names nearest to `name` (for "did you mean")."""
        names = [item.name for item in self.items if item.takes_value or not takes_value]
        return difflib.get_close_matches(name, names, n=count, cutoff=0.5)


def _items(app: str, stack: dict[str, Any]) -> tuple[Item, ...]:
    items = []
    for key, secret in sorted(stack["secrets"].items()):
        items.append(
            Item(
                app,
                key,
                secret["name"],
                "secret",
                format=secret["format"],
                rotation=secret["rotation"],
                rotation_days=secret.get("rotation_days"),
                schedule_expression=secret.get("schedule_expression"),
                rotation_lambda_arn=secret.get("rotation_lambda_arn"),
                fields=tuple(secret.get("fields") or ()),
            )
        )
    for key, parameter in sorted(stack["secure_parameters"].items()):
        items.append(Item(app, key, parameter["name"], "secure_parameter", tier=parameter["tier"]))
    for key, name in sorted(stack["parameter_names"].items()):
        items.append(Item(app, key, name, "parameter"))
    return tuple(items)


def from_outputs(env: str, outputs: dict[str, Any]) -> Deployment:
    """The `apps` output of a root (app name -> the stack's outputs) as a Deployment."""
    apps = {}
    for name, stack in sorted(outputs.items()):
        apps[name] = App(
            name=name,
            env=stack["env"],
            region=stack["region"],
            prefix=stack["prefix"],
            function_name=stack["function_name"],
            function_arn=stack["function_arn"],
            role_arn=stack["role_arn"],
            log_group_name=stack["log_group_name"],
            manifest_parameter=stack["manifest_parameter_name"],
            kms_key_arn=stack.get("kms_key_arn"),
            rotation_function_name=stack.get("rotation_function_name"),
            items=_items(name, stack),
            environment=dict(stack.get("environment_variables") or {}),
        )
    return Deployment(env, apps)
