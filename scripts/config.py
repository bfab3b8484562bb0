"""An environment's configuration: its tfvars file, checked before Terraform ever sees it.

Environments are files: `sandbox` (terraform/envs/sandbox/terraform.tfvars) and one
terraform/envs/aws/<env>.tfvars per AWS environment. Each declares `apps`, a map from app
name to its definition (code, function settings, items), and environment-wide `defaults`.

Terraform drops object attributes it does not know without a word, so a misspelt key
(`memroy_size = 512`) would deploy the default silently. `load()` refuses, before any plan,
every key the root does not declare, naming the closest valid one. The allowed keys are read
from the root's own variables.tf (its `type = ...` expressions), so they are stated once, in
Terraform. A file in the single-app shape of earlier versions is refused with its `apps`
equivalent; `make migrate` converts it.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts.common import ROOT, UserError

ENVS_DIR = ROOT / "terraform" / "envs"
AWS_ROOT = ENVS_DIR / "aws"
SANDBOX = "sandbox"
SET_BY_MAKE = {"env": "the environment is the file's name", "sandbox_endpoint": "make sets it from SANDBOX_PORT"}
SINGLE_APP_KEYS = ("app", "secrets", "parameters", "secure_parameters", "architecture", "extension", "customer_managed_key")


def environments() -> tuple[str, ...]:
    """The known environments: the sandbox, then one per terraform/envs/aws/<env>.tfvars."""
    return (SANDBOX, *aws_environments())


def require_known(env: str) -> None:
    """A UserError for an environment that is neither the sandbox nor a tfvars file, saying how to add one."""
    known = environments()
    if env not in known:
        raise UserError(
            f"unknown ENV '{env}': use one of {', '.join(known)} (e.g. make deploy ENV={SANDBOX}), or add it: "
            f"{shown(AWS_ROOT / env)}.tfvars and {env}.backend.hcl beside it (README, Deploying to AWS)"
        )


def aws_environments() -> tuple[str, ...]:
    """The AWS environments: one per terraform/envs/aws/<env>.tfvars."""
    return tuple(sorted(p.stem for p in AWS_ROOT.glob("*.tfvars")))


def root_dir(env: str) -> Path:
    return ENVS_DIR / SANDBOX if env == SANDBOX else AWS_ROOT


def tfvars_path(env: str) -> Path:
    return ENVS_DIR / SANDBOX / "terraform.tfvars" if env == SANDBOX else AWS_ROOT / f"{env}.tfvars"


# --- Terraform type expressions, as written in variables.tf --------------------------------


@dataclass(frozen=True)
class Type:
    """A Terraform type: kind is a primitive name, "list", "set", "map", "tuple" or "object"."""

    kind: str
    element: Type | None = None  # list, set, map
    attributes: tuple[tuple[str, Type], ...] = ()  # object (optional() or not: both may be given)
    elements: tuple[Type, ...] = ()  # tuple

    def attribute(self, name: str) -> Type | None:
        return dict(self.attributes).get(name)


ANY = Type("any")


class _TypeParser:
    """Recursive descent over a type expression: string, list(T), map(T), object({k = T}), optional(T, default)."""

    def __init__(self, text: str) -> None:
        self.text, self.pos = text, 0

    def _skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in " \t\r\n,":
            self.pos += 1

    def _word(self) -> str:
        self._skip()
        match = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*").match(self.text, self.pos)
        if not match:
            raise ValueError(f"a type name expected at {self.pos}: {self.text[self.pos : self.pos + 30]!r}")
        self.pos = match.end()
        return match.group()

    def _expect(self, char: str) -> None:
        self._skip()
        if self.text[self.pos : self.pos + 1] != char:
            raise ValueError(f"{char!r} expected at {self.pos}: {self.text[self.pos : self.pos + 30]!r}")
        self.pos += 1

    def _skip_value(self) -> None:
        """Skip a default value (any expression) up to the `)` that closes optional(...)."""
        depth, quote = 0, False
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if quote:
                if char == "\\":
                    self.pos += 1
                elif char == '"':
                    quote = False
            elif char == '"':
                quote = True
            elif char in "([{":
                depth += 1
            elif char in ")]}":
                if depth == 0:
                    return
                depth -= 1
            self.pos += 1

    def parse(self) -> Type:
        name = self._word()
        if name in ("string", "number", "bool", "any"):
            return Type(name)
        self._expect("(")
        if name in ("list", "set", "map"):
            result = Type(name, element=self.parse())
        elif name == "optional":
            result = self.parse()
            self._skip()
            if self.text[self.pos] != ")":
                self._skip_value()
        elif name == "object":
            self._expect("{")
            attributes = []
            while True:
                self._skip()
                if self.text[self.pos] == "}":
                    self.pos += 1
                    break
                key = self._word()
                self._expect("=")
                attributes.append((key, self.parse()))
            result = Type("object", attributes=tuple(attributes))
        elif name == "tuple":
            self._expect("[")
            elements = []
            while True:
                self._skip()
                if self.text[self.pos] == "]":
                    self.pos += 1
                    break
                elements.append(self.parse())
            result = Type("tuple", elements=tuple(elements))
        else:
            raise ValueError(f"unknown type constructor {name}")
        self._expect(")")
        return result


def parse_type(expression: str) -> Type:
    """The Type of a variables.tf `type = ...` expression (python-hcl2 gives it as "${...}")."""
    text = expression.strip()
    if text.startswith("${") and text.endswith("}"):
        text = text[2:-1]
    return _TypeParser(text).parse()


def shown(path: Path) -> str:
    """A path as the user would type it: relative to the repository when inside it."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _hcl(path: Path) -> dict[str, Any]:
    import hcl2
    from hcl2.utils import SerializationOptions

    options = SerializationOptions(strip_string_quotes=True, with_comments=False, explicit_blocks=False)
    try:
        return hcl2.loads(path.read_text(), serialization_options=options)
    except Exception as exc:  # noqa: BLE001 (lark raises several types; the first line says where)
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UserError(f"{shown(path)} is not valid HCL ({first}); fix the file, then retry") from None


def root_variables(root: Path) -> dict[str, Type]:
    """Every variable a root declares, with its type (no type: any)."""
    variables: dict[str, Type] = {}
    for path in sorted(root.glob("*.tf")):
        for block in _hcl(path).get("variable", []):
            for name, body in block.items():
                variables[name] = parse_type(body["type"]) if "type" in body else ANY
    return variables


# --- checking a tfvars file against the root's types -----------------------------------------


def _path(parts: list[str]) -> str:
    out = ""
    for part in parts:
        out += f".{part}" if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", part) else f'["{part}"]'
    return out.lstrip(".")


def _line_of(text: str, key: str) -> int | None:
    match = re.search(rf'(?<![\w"-])"?{re.escape(key)}"?\s*=(?!=)', text)
    return text.count("\n", 0, match.start()) + 1 if match else None


def unknown_keys(value: Any, kind: Type, parts: list[str] | None = None) -> list[tuple[list[str], str, list[str]]]:
    """(where, the unknown key, the valid keys there) for every attribute `kind` does not declare."""
    parts = parts or []
    found: list[tuple[list[str], str, list[str]]] = []
    if kind.kind == "object" and isinstance(value, dict):
        valid = [name for name, _ in kind.attributes]
        for key, item in value.items():
            inner = kind.attribute(key)
            if inner is None:
                found.append((parts, key, valid))
            else:
                found += unknown_keys(item, inner, [*parts, key])
    elif kind.kind == "map" and isinstance(value, dict) and kind.element is not None:
        for key, item in value.items():
            found += unknown_keys(item, kind.element, [*parts, key])
    elif kind.kind in ("list", "set") and isinstance(value, list) and kind.element is not None:
        for index, item in enumerate(value):
            found += unknown_keys(item, kind.element, [*parts, str(index)])
    return found


def check(path: Path, values: dict[str, Any], variables: dict[str, Type], env: str = "") -> None:
    """Refuse a key the root does not declare (top level or inside any object), naming the closest valid one."""
    text = path.read_text()
    where_file = shown(path)
    for key in values:
        if key in SET_BY_MAKE:
            raise UserError(f"{where_file} sets {key}, but {SET_BY_MAKE[key]}: remove it from the file")
    if "apps" not in values and any(key in values for key in SINGLE_APP_KEYS):
        raise UserError(single_app_message(path, values, env or path.stem))
    _check_apps_shape(text, where_file, values.get("apps"))
    allowed = {name: kind for name, kind in variables.items() if name not in SET_BY_MAKE}
    problems = [([], key, list(allowed)) for key in values if key not in allowed]
    for key, value in values.items():
        if key in allowed:
            problems += unknown_keys(value, allowed[key], [key])
    if problems:
        parts, key, valid = problems[0]
        line = _line_of(text, key)
        close = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
        hint = f'did you mean "{close[0]}"?' if close else f"valid here: {', '.join(sorted(valid))}"
        if len(parts) >= 2 and parts[0] == "apps":  # name the app first
            place = f" in app {parts[1]}" + (f", at {_path(parts[2:])}" if len(parts) > 2 else "")
        else:
            place = f" in {_path(parts)}" if parts else ""
        more = f"; {len(problems) - 1} more unknown key(s) after it" if len(problems) > 1 else ""
        raise UserError(
            f'{where_file}{f":{line}" if line else ""}: unknown key "{key}"{place}: Terraform would ignore it; {hint}{more}'
        )


def _check_apps_shape(text: str, where_file: str, apps: Any) -> None:
    """apps is a map of app objects: a setting written straight inside it (memory_size = 512) is refused."""
    kinds = {bool: "true or false", int: "a number", float: "a number", str: "a string", list: "a list"}
    if apps is not None and not isinstance(apps, dict):
        line = _line_of(text, "apps")
        raise UserError(
            f"{where_file}{f':{line}' if line else ''}: apps is {kinds.get(type(apps), 'not a map')}: "
            "write apps = { <name> = { ... } } (docs/apps.md)"
        )
    for name, app in (apps or {}).items():
        if not isinstance(app, dict):
            line = _line_of(text, name)
            raise UserError(
                f"{where_file}{f':{line}' if line else ''}: apps.{name} is {kinds.get(type(app), 'not an app')}, "
                f"not an app: write {name} = {{ ... }} for an app, or put the setting inside an app or in defaults "
                "(docs/apps.md)"
            )


# --- the single-app shape of earlier versions -------------------------------------------------


def _hcl_value(value: Any, indent: int) -> str:
    pad = "  " * indent
    if isinstance(value, dict):
        if not value:
            return "{}"
        rows = []
        for key, item in value.items():
            name = key if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", key) else json.dumps(key)
            rows.append(f"{pad}  {name} = {_hcl_value(item, indent + 1)}")
        return "{\n" + "\n".join(rows) + f"\n{pad}}}"
    if isinstance(value, list):
        return "[" + ", ".join(_hcl_value(item, indent) for item in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    return json.dumps(str(value))


def to_hcl(values: dict[str, Any]) -> str:
    """A tfvars file's text for `values` (top-level keys, one per line)."""
    return "".join(f"{key} = {_hcl_value(value, 0)}\n" for key, value in values.items())


def converted(values: dict[str, Any], env: str) -> dict[str, Any]:
    """The `apps` shape of a single-app tfvars file: its app's code is lambda_src, as it was.

    The single-app sandbox root rotated every secret of its app (the rotation was set in its
    main.tf, not in the file): converted, each sandbox secret says so itself.
    """
    app: dict[str, Any] = {"source": "lambda_src"}
    for key in ("architecture", "extension", "secrets", "secure_parameters", "parameters"):
        if key in values:
            app[key] = values[key]
    if env == SANDBOX:
        rotated = {"strategy": "generated", "days": 30}
        app["secrets"] = {key: {**secret, "rotation": rotated} for key, secret in (app.get("secrets") or {}).items()}
    if values.get("customer_managed_key"):
        app["create_kms_key"] = True
    name = str(values.get("app", "demo"))
    rest = {k: v for k, v in values.items() if k not in SINGLE_APP_KEYS}
    return {**rest, "apps": {name: app}}


def single_app_message(path: Path, values: dict[str, Any], env: str) -> str:
    return (
        f"{shown(path)} is in the single-app shape of earlier versions (app = ..., secrets = ...); "
        "every environment now declares apps = { <name> = { ... } }. Convert the file and move the deployed "
        f"state with: make migrate ENV={env}. The file would read:\n" + to_hcl(converted(values, env))
    )


# --- the configuration, loaded ---------------------------------------------------------------


@dataclass(frozen=True)
class AppCode:
    """Where an app's code is: its source folder and handler."""

    name: str
    source: Path
    handler: str


@dataclass(frozen=True)
class EnvConfig:
    """An environment's tfvars file, checked: its apps' code, and the values as Terraform reads them."""

    env: str
    file: Path
    apps: dict[str, AppCode]
    values: dict[str, Any]


def read(env: str) -> dict[str, Any]:
    """The environment's tfvars values, as written (strings unquoted), unchecked."""
    path = tfvars_path(env)
    if not path.is_file():
        raise UserError(f"{shown(path)} is missing; every environment declares its apps there")
    return _hcl(path)


def load(env: str) -> EnvConfig:
    """The environment's configuration, or a UserError naming the first problem and its fix."""
    path = tfvars_path(env)
    values = read(env)
    check(path, values, root_variables(root_dir(env)), env)
    apps = {}
    for name, app in (values.get("apps") or {}).items():
        source = ROOT / str(app.get("source") or f"apps/{name}")
        handler = str(app.get("handler") or "handler.handler")
        apps[name] = AppCode(name, source, handler)
    if not apps:
        raise UserError(f"{shown(path)} declares no app; add one: apps = {{ <name> = {{ ... }} }} (docs/apps.md)")
    return EnvConfig(env, path, apps, values)
