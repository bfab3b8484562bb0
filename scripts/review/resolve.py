"""Resolve a value Terraform shows as (known after apply) from the configuration, where the configuration says it.

A first plan shows the kit's own log policy as unknown: its Resource is the log group's
ARN, which AWS assigns. But the document is written in the configuration, and the ARN has
a documented form built from values the plan knows (the log group's name, the region, the
account). So the attribute's expression is read from the module's .tf file (python-hcl2)
and evaluated against the plan:

- resources of the same module instance: their planned values; an identifier AWS assigns
  (`arn`, `id`, `*_arn`, ...) is predicted from its documented ARN form (ARN_FORMS) or
  stands for itself as `(known after apply: <address>.<attribute>)`: one resource's
  identifier, never a wildcard, so a policy naming it grants no more than that resource;
- variables (root: the plan's values; a module's: its call's argument, else its default),
  locals, module outputs, data sources read at plan time (the plan's prior state), each.*,
  count.index, path.*;
- the functions policies are written with (FUNCTIONS) and HCL's operators, conditionals,
  for expressions and splats.

Anything else (a value only AWS will know, a function not listed, a source not in this
repository) leaves the value unresolved, and the review says it is unknown, as before.
This is a reader for what the review needs, not a Terraform: it fails closed.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scripts.review.view import Change, PlanView

IDENTIFIERS = re.compile(r"^(arn|id|name|unique_id|version|key_id|.*_arn|.*_id)$")
# Documented ARN forms of the identifiers AWS assigns; fields come from the resource's planned values.
ARN_FORMS = {
    "aws_cloudwatch_log_group": ("arn", "arn:{partition}:logs:{region}:{account}:log-group:{name}"),
    "aws_iam_role": ("arn", "arn:{partition}:iam::{account}:role{path}{name}"),
    "aws_iam_policy": ("arn", "arn:{partition}:iam::{account}:policy{path}{name}"),
    "aws_iam_user": ("arn", "arn:{partition}:iam::{account}:user{path}{name}"),
    "aws_lambda_function": ("arn", "arn:{partition}:lambda:{region}:{account}:function:{function_name}"),
    "aws_lambda_layer_version": ("arn", "arn:{partition}:lambda:{region}:{account}:layer:{layer_name}:{version}"),
    "aws_ssm_parameter": ("arn", "arn:{partition}:ssm:{region}:{account}:parameter{slash_name}"),
    "aws_sqs_queue": ("arn", "arn:{partition}:sqs:{region}:{account}:{name}"),
    "aws_sns_topic": ("arn", "arn:{partition}:sns:{region}:{account}:{name}"),
    "aws_s3_bucket": ("arn", "arn:{partition}:s3:::{bucket}"),
    "aws_dynamodb_table": ("arn", "arn:{partition}:dynamodb:{region}:{account}:table/{name}"),
    "aws_secretsmanager_secret": ("arn", "arn:{partition}:secretsmanager:{region}:{account}:secret:{name}-{suffix}"),
}


class _Unresolved:
    def __repr__(self) -> str:
        return "UNRESOLVED"


UNRESOLVED: Any = _Unresolved()  # what `resolved` returns when the configuration cannot say


class Unknown:
    """A value only AWS will know (propagates through every operation)."""

    def __repr__(self) -> str:
        return "Unknown"


UNKNOWN = Unknown()


class Unresolvable(Exception):
    """This reader cannot evaluate the expression (a construct or source it does not read)."""


class EvalError(Exception):
    """Terraform itself would fail on the expression (try() and can() catch these)."""


def resolved(view: PlanView, change: Change, attribute: str) -> Any:
    """The value `attribute` of `change` will have after apply, from the configuration, or UNRESOLVED."""
    if change.after_unknown.get(attribute) is not True:
        return change.after.get(attribute)
    resolver = view.cache.get("resolver")
    if resolver is None:
        resolver = view.cache["resolver"] = Resolver(view)
    return resolver.attribute(change, attribute)


# --- the configuration, parsed on demand -------------------------------------------------


@dataclass
class Block:
    """A block's arguments (expression nodes) and nested blocks."""

    arguments: dict[str, Any] = field(default_factory=dict)
    blocks: dict[str, list[Block]] = field(default_factory=dict)


@dataclass
class Module:
    """What one module directory declares, as expression nodes."""

    directory: Path
    resources: dict[tuple[str, str], Block] = field(default_factory=dict)
    data: dict[tuple[str, str], Block] = field(default_factory=dict)
    variables: dict[str, Block] = field(default_factory=dict)
    locals: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    calls: dict[str, Block] = field(default_factory=dict)


def _kind(node: Any) -> str:
    return type(node).__name__


def _token(node: Any) -> str:
    return str(node.token.value)


def _label(node: Any) -> str:
    if _kind(node) == "IdentifierRule":
        return _token(node)
    return "".join(str(part.content.value) for part in node.string_parts)


def _block(body: Any) -> Block:
    block = Block()
    for child in body.children:
        if _kind(child) == "AttributeRule":
            block.arguments[_token(child.identifier)] = child.expression
        elif _kind(child) == "BlockRule":
            labels = [_label(x) for x in child.labels]
            block.blocks.setdefault(labels[0], []).append(_block(child.body))
    return block


def parse_module(directory: Path) -> Module:
    """Every .tf file of a directory, parsed (python-hcl2) into a Module."""
    import hcl2  # about 0.1 s to load and 50 ms a file: paid only when a value needs resolving

    module = Module(directory)
    for path in sorted(directory.glob("*.tf")):
        tree = hcl2.parses(path.read_text())
        for child in tree.body.children:
            if _kind(child) != "BlockRule":
                continue
            labels = [_label(x) for x in child.labels]
            body = child.body
            if labels[0] == "resource" and len(labels) == 3:
                module.resources[(labels[1], labels[2])] = _block(body)
            elif labels[0] == "data" and len(labels) == 3:
                module.data[(labels[1], labels[2])] = _block(body)
            elif labels[0] == "variable" and len(labels) == 2:
                module.variables[labels[1]] = _block(body)
            elif labels[0] == "output" and len(labels) == 2:
                module.outputs[labels[1]] = _block(body).arguments.get("value")
            elif labels[0] == "module" and len(labels) == 2:
                module.calls[labels[1]] = _block(body)
            elif labels[0] == "locals":
                module.locals.update(_block(body).arguments)
    return module


# --- addresses ----------------------------------------------------------------------------

_STEP = re.compile(r'module\.([A-Za-z0-9_-]+)(?:\[("(?:[^"\\]|\\.)*"|\d+)\])?')


def module_steps(address: str) -> list[tuple[str, Any]]:
    """module.a["k"].module.b[0] -> [("a", "k"), ("b", 0)] (None for a module without for_each or count)."""
    steps: list[tuple[str, Any]] = []
    for match in _STEP.finditer(address):
        key = match.group(2)
        steps.append((match.group(1), None if key is None else json.loads(key)))
    return steps


def module_address(steps: list[tuple[str, Any]]) -> str:
    return ".".join(f"module.{n}" + ("" if k is None else f"[{json.dumps(k)}]") for n, k in steps)


# --- the scope of one module instance ----------------------------------------------------------


@dataclass
class Scope:
    resolver: Resolver
    steps: list[tuple[str, Any]]  # this module instance
    module: Module
    each: tuple[Any, Callable[[], Any]] | None = None  # (key, value thunk) of the resource or module instance
    count: int | None = None
    names: dict[str, Any] = field(default_factory=dict)  # for-expression variables

    @property
    def address(self) -> str:
        return module_address(self.steps)

    def child(self, **names: Any) -> Scope:
        return Scope(self.resolver, self.steps, self.module, self.each, self.count, {**self.names, **names})


class Resolver:
    """Evaluates configuration expressions against one plan (see the module's docstring)."""

    def __init__(self, view: PlanView) -> None:
        self.view = view
        self.sources = view.sources
        self.plan = view.plan
        self.modules: dict[Path, Module] = {}
        self.instances: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
        for rc in self.plan.get("resource_changes", []):
            key = (rc.get("module_address") or "", f"{'data.' if rc.get('mode') == 'data' else ''}{rc['type']}", rc["name"])
            self.instances.setdefault(key, []).append(rc)
        self.data_values = self._prior_data()
        self.locals: dict[tuple[str, str], Any] = {}
        self.partition = self._partition()

    def _prior_data(self) -> dict[tuple[str, str, str], list[tuple[Any, dict[str, Any]]]]:
        found: dict[tuple[str, str, str], list[tuple[Any, dict[str, Any]]]] = {}

        def walk(module: dict[str, Any]) -> None:
            for r in module.get("resources", []):
                if r.get("mode") == "data":
                    where = r["address"].rsplit("data.", 1)[0].rstrip(".")
                    found.setdefault((where, r["type"], r["name"]), []).append((r.get("index"), r.get("values") or {}))
            for child in module.get("child_modules", []):
                walk(child)

        walk(((self.plan.get("prior_state") or {}).get("values") or {}).get("root_module") or {})
        return found

    def _partition(self) -> str:
        for values in self.data_values.values():
            for _, value in values:
                if isinstance(value.get("partition"), str) and "dns_suffix" in value:
                    return str(value["partition"])
        return "aws"

    # the entry point

    def attribute(self, change: Change, attribute: str) -> Any:
        if self.sources is None:
            return UNRESOLVED
        try:
            steps = module_steps(change.module)
            module = self.module(steps)
            block = module.resources.get((change.type, change.rc["name"]))
            if block is None or attribute not in block.arguments:
                return UNRESOLVED
            scope = Scope(self, steps, module)
            index = change.rc.get("index")
            if "for_each" in block.arguments and index is not None:
                scope.each = (index, lambda: self._each_value(block.arguments["for_each"], Scope(self, steps, module), index))
            elif "count" in block.arguments and isinstance(index, int):
                scope.count = index
            value = self.eval(block.arguments[attribute], scope)
        except (Unresolvable, EvalError, RecursionError, KeyError, IndexError, TypeError, ValueError):
            return UNRESOLVED
        return UNRESOLVED if _has_unknown(value) else value

    def module(self, steps: list[tuple[str, Any]]) -> Module:
        assert self.sources is not None
        directory = self.sources.module_dir(tuple(name for name, _ in steps))
        if directory is None or not directory.is_dir():
            raise Unresolvable("module source not in this repository")
        if directory not in self.modules:
            self.modules[directory] = parse_module(directory)
        return self.modules[directory]

    def _each_value(self, for_each: Any, scope: Scope, key: Any) -> Any:
        collection = self.eval(for_each, scope)
        if isinstance(collection, dict):
            return collection[key]
        if isinstance(collection, list | set | tuple):  # a set of strings: each.value is each.key
            return key
        raise Unresolvable("for_each over a value this reader cannot index")

    # references

    def reference(self, root: str, rest: list[tuple[str, Any]], scope: Scope) -> tuple[Any, list[tuple[str, Any]]]:
        """The value a reference's first steps name, and the steps left to apply."""
        if root in scope.names:
            return scope.names[root], rest
        if root == "var":
            return self.variable(_attr(rest, 0), scope), rest[1:]
        if root == "local":
            return self.local(_attr(rest, 0), scope), rest[1:]
        if root == "each":
            if scope.each is None:
                raise Unresolvable("each outside for_each")
            name = _attr(rest, 0)
            return (scope.each[0] if name == "key" else scope.each[1]()), rest[1:]
        if root == "count":
            if scope.count is None:
                raise Unresolvable("count outside count")
            return scope.count, rest[1:]
        if root == "path":
            name = _attr(rest, 0)
            assert self.sources is not None
            where = {"module": scope.module.directory, "root": self.sources.root, "cwd": self.sources.root}.get(name)
            if where is None:
                raise Unresolvable(f"path.{name}")
            return str(where), rest[1:]
        if root == "module":
            return self.module_value(_attr(rest, 0), scope), rest[1:]
        if root == "data":
            return self.data_value(_attr(rest, 0), _attr(rest, 1), scope), rest[2:]
        if root in ("self", "terraform"):
            raise Unresolvable(root)
        return self.resource_value(root, _attr(rest, 0), scope), rest[1:]

    def variable(self, name: str, scope: Scope) -> Any:
        declared = scope.module.variables.get(name)
        value = self._variable(name, scope, declared)
        if declared is not None and "type" in declared.arguments:
            value = with_defaults(value, declared.arguments["type"], self, scope)
        return value

    def _variable(self, name: str, scope: Scope, declared: Block | None) -> Any:
        if not scope.steps:
            variables = self.plan.get("variables") or {}
            if name not in variables:
                raise Unresolvable(f"var.{name} not in the plan")
            return variables[name].get("value")
        parent_steps = scope.steps[:-1]
        parent = Scope(self, parent_steps, self.module(parent_steps))
        call_name, key = scope.steps[-1]
        call = parent.module.calls.get(call_name)
        if call is None:
            raise Unresolvable(f"module call {call_name}")
        if key is not None and "for_each" in call.arguments:
            parent.each = (key, lambda: self._each_value(call.arguments["for_each"], parent.child(), key))
        elif key is not None:
            parent.count = key
        if name in call.arguments:
            return self.eval(call.arguments[name], parent)
        if declared is not None and "default" in declared.arguments:
            return self.eval(declared.arguments["default"], Scope(self, scope.steps, scope.module))
        return None

    def local(self, name: str, scope: Scope) -> Any:
        key = (scope.address, name)
        if key not in self.locals:
            if name not in scope.module.locals:
                raise Unresolvable(f"local.{name}")
            self.locals[key] = self.eval(scope.module.locals[name], Scope(self, scope.steps, scope.module))
        return self.locals[key]

    def module_value(self, name: str, scope: Scope) -> Any:
        call = scope.module.calls.get(name)
        if call is None:
            raise Unresolvable(f"module.{name}")
        if "for_each" in call.arguments:
            keys = self.eval(call.arguments["for_each"], scope)
            keys = list(keys) if isinstance(keys, dict | list | set | tuple) else []
            return {k: _Outputs(self, [*scope.steps, (name, k)]) for k in keys}
        if "count" in call.arguments:
            count = self.eval(call.arguments["count"], scope)
            return [_Outputs(self, [*scope.steps, (name, i)]) for i in range(int(count))]
        return _Outputs(self, [*scope.steps, (name, None)])

    def output(self, steps: list[tuple[str, Any]], name: str) -> Any:
        module = self.module(steps)
        if name not in module.outputs:
            raise EvalError(f"no output {name}")
        return self.eval(module.outputs[name], Scope(self, steps, module))

    def data_value(self, type_name: str, name: str, scope: Scope) -> Any:
        entries = self.data_values.get((scope.address, type_name, name))
        if not entries:
            raise Unresolvable(f"data.{type_name}.{name} was not read at plan time")
        return _collect(entries)

    def resource_value(self, type_name: str, name: str, scope: Scope) -> Any:
        rcs = self.instances.get((scope.address, type_name, name))
        if not rcs:
            block = scope.module.resources.get((type_name, name))
            if block is not None and "count" in block.arguments:
                return []  # count = 0: no instance, so no change in the plan
            if block is not None and "for_each" in block.arguments:
                return {}
            raise Unresolvable(f"{type_name}.{name} not in the plan")
        return _collect([(rc.get("index"), self.instance_values(rc)) for rc in rcs])

    def instance_values(self, rc: dict[str, Any]) -> dict[str, Any]:
        """A resource instance's planned values; unknown identifiers predicted or standing for themselves."""
        change = rc["change"]
        if change.get("after") is None:
            raise EvalError(f"{rc['address']} is being destroyed")
        values = dict(change["after"])
        for attribute, unknown in (change.get("after_unknown") or {}).items():
            if unknown is True:
                values[attribute] = self.identifier(rc, values, attribute) if IDENTIFIERS.match(attribute) else UNKNOWN
            elif unknown:
                values[attribute] = _mark_unknown(values.get(attribute), unknown)
        return values

    def identifier(self, rc: dict[str, Any], values: dict[str, Any], attribute: str) -> str:
        """An identifier AWS assigns: its documented form when the plan knows the parts, else a stand-in naming it."""
        stand_in = f"(known after apply: {rc['address']}.{attribute})"
        form = ARN_FORMS.get(rc["type"])
        if form is None or form[0] != attribute:
            return stand_in
        fields = {k: v for k, v in values.items() if isinstance(v, str)}
        fields.update(
            partition=self.partition,
            region=self.view.region(values) or "(region)",
            account=self.view.account or "(account)",
            path=values.get("path") if isinstance(values.get("path"), str) else "/",
            slash_name=("" if str(values.get("name", "")).startswith("/") else "/") + str(values.get("name", "")),
            suffix="(known after apply)",
        )
        fields.setdefault("version", "(known after apply)")
        try:
            return form[1].format(**fields)
        except KeyError:
            return stand_in

    # expressions

    def eval(self, node: Any, scope: Scope) -> Any:  # noqa: C901 - one dispatch over HCL's expression forms
        kind = _kind(node)
        if kind == "ExprTermRule":
            return self.eval(node.expression, scope)
        if kind == "LiteralValueRule":
            return {"true": True, "false": False, "null": None}[_token(node)]
        if kind in ("IntLitRule", "FloatLitRule"):
            text = _token(node)
            return float(text) if any(c in text for c in ".eE") else int(text)
        if kind == "StringRule":
            return self.template(node.string_parts, scope)
        if kind in ("HeredocTemplateRule", "HeredocTrimTemplateRule"):
            return self.heredoc(node, scope)
        if kind == "TupleRule":
            return [self.eval(e, scope) for e in node.elements]
        if kind == "ObjectRule":
            out = {}
            for element in node.elements:
                out[self.key(element.key, scope)] = self.eval(element.expression, scope)
            return out
        if kind == "FunctionCallRule":
            return self.call(node, scope)
        if kind == "ConditionalRule":
            condition = self.eval(node.condition, scope)
            if isinstance(condition, Unknown):
                return UNKNOWN
            return self.eval(node.if_true if condition else node.if_false, scope)
        if kind == "BinaryOpRule":
            return self.binary(node, scope)
        if kind == "UnaryOpRule":
            value = self.eval(node.expr_term, scope)
            if isinstance(value, Unknown):
                return UNKNOWN
            return (not value) if node.operator == "!" else -value
        if kind in (
            "GetAttrExprTermRule",
            "IndexExprTermRule",
            "IdentifierRule",
            "AttrSplatExprTermRule",
            "FullSplatExprTermRule",
        ):
            return self.traverse(node, scope)
        if kind == "ForTupleExprRule":
            return [v for _, v in self.for_items(node, scope, tuple_form=True)]
        if kind == "ForObjectExprRule":
            out: dict[str, Any] = {}
            for key, value in self.for_items(node, scope, tuple_form=False):
                if node.ellipsis:
                    out.setdefault(key, []).append(value)
                else:
                    out[key] = value
            return out
        raise Unresolvable(f"expression {kind}")

    def key(self, key: Any, scope: Scope) -> str:
        value = key.value if _kind(key) == "ObjectElemKeyRule" else key
        if _kind(value) == "IdentifierRule":
            return _token(value)
        if _kind(value) == "ObjectElemKeyExpressionRule":
            value = value.expression
        result = self.eval(value, scope)
        if isinstance(result, Unknown):
            raise Unresolvable("an object key known only after apply")
        return str(result)

    def template(self, parts: list[Any], scope: Scope) -> Any:
        from hcl2.utils import process_escape_sequences

        pieces: list[Any] = []
        for part in parts:
            content = part.content
            name = _kind(content)
            if name == "InterpolationRule":
                pieces.append(self.eval(content.expression, scope))
            elif hasattr(content, "value") and not hasattr(content, "children"):
                text = str(content.value)
                pieces.append(process_escape_sequences(text) if content.lark_name() == "STRING_CHARS" else text[1:])
            else:
                raise Unresolvable("template directive")
        if len(pieces) == 1 and len(parts) == 1 and _kind(parts[0].content) == "InterpolationRule":
            return pieces[0]  # "${x}" is x itself, of any type
        if any(isinstance(p, Unknown) for p in pieces):
            return UNKNOWN
        return "".join(_text(p) for p in pieces)

    def heredoc(self, node: Any, scope: Scope) -> Any:
        import hcl2
        from hcl2.utils import SerializationOptions

        body = node.serialize(SerializationOptions(strip_string_quotes=True))
        pieces = re.split(r"(\$\{[^{}]*\})", str(body))
        out: list[Any] = []
        for piece in pieces:
            if piece.startswith("${") and piece.endswith("}"):
                tree = hcl2.parses(f"x = {piece[2:-1]}\n")
                out.append(self.eval(tree.body.children[0].expression, scope))
            elif "%{" in piece or "${" in piece:
                raise Unresolvable("heredoc template")
            else:
                out.append(piece)
        return UNKNOWN if any(isinstance(p, Unknown) for p in out) else "".join(_text(p) for p in out)

    def binary(self, node: Any, scope: Scope) -> Any:
        operator = _token(node.binary_term.binary_operator)
        left = self.eval(node.expr_term, scope)
        if operator == "&&" and left is False:
            return False
        if operator == "||" and left is True:
            return True
        right = self.eval(node.binary_term.expr_term, scope)
        if isinstance(left, Unknown) or isinstance(right, Unknown):
            return UNKNOWN
        operations: dict[str, Callable[[Any, Any], Any]] = {
            "==": lambda a, b: a == b,
            "!=": lambda a, b: a != b,
            "<": lambda a, b: a < b,
            ">": lambda a, b: a > b,
            "<=": lambda a, b: a <= b,
            ">=": lambda a, b: a >= b,
            "&&": lambda a, b: bool(a and b),
            "||": lambda a, b: bool(a or b),
            "+": lambda a, b: _number(a) + _number(b),
            "-": lambda a, b: _number(a) - _number(b),
            "*": lambda a, b: _number(a) * _number(b),
            "/": lambda a, b: _number(a) / _number(b),
            "%": lambda a, b: _number(a) % _number(b),
        }
        if operator not in operations:
            raise Unresolvable(f"operator {operator}")
        return operations[operator](left, right)

    def traverse(self, node: Any, scope: Scope) -> Any:
        """A reference or an expression followed by attribute, index and splat steps."""
        steps: list[tuple[str, Any]] = []
        while True:
            kind = _kind(node)
            if kind == "GetAttrExprTermRule":
                steps.insert(0, ("attr", _token(node.get_attr.identifier)))
                node = node.expr_term
            elif kind == "IndexExprTermRule":
                index = node.children[1]
                if _kind(index) == "SqbIndexRule":
                    steps.insert(0, ("index", self.eval(index.index_expression, scope)))
                else:
                    steps.insert(0, ("index", int(str(getattr(index.index, "value", index.index)))))
                node = node.children[0]
            elif kind in ("AttrSplatExprTermRule", "FullSplatExprTermRule"):
                inner = [
                    ("attr", _token(g.identifier)) if _kind(g) == "GetAttrRule" else ("index", None)
                    for g in node.attr_splat.get_attrs
                ]
                steps.insert(0, ("splat", inner))
                node = node.expr_term
            elif kind == "ExprTermRule" and not node.parentheses:
                node = node.expression
            else:
                break
        if _kind(node) == "IdentifierRule":
            value, rest = self.reference(_token(node), steps, scope)
        else:
            value, rest = self.eval(node, scope), steps
        for step, argument in rest:
            value = _step(value, step, argument, self)
        return value

    def for_items(self, node: Any, scope: Scope, tuple_form: bool) -> list[tuple[Any, Any]]:
        intro = node.for_intro
        collection = self.eval(intro.iterable, scope)
        if isinstance(collection, Unknown):
            raise Unresolvable("for over a value known only after apply")
        pairs = list(collection.items()) if isinstance(collection, dict) else list(enumerate(collection))
        first, second = _token(intro.first_iterator), intro.second_iterator
        out = []
        for k, v in pairs:
            names = {first: v} if second is None else {first: k, _token(second): v}
            inner = scope.child(**names)
            if node.condition is not None:
                keep = self.eval(node.condition.condition_expr, inner)
                if isinstance(keep, Unknown):
                    raise Unresolvable("for condition known only after apply")
                if not keep:
                    continue
            value = self.eval(node.value_expr, inner)
            key = None if tuple_form else self.eval(node.key_expr, inner)
            out.append((key, value))
        return out

    def call(self, node: Any, scope: Scope) -> Any:
        name = "::".join(_token(i) for i in node.identifiers)
        arguments = node.arguments.arguments if node.arguments is not None else []
        if name in ("try", "can"):
            for argument in arguments:
                try:
                    value = self.eval(argument, scope)
                except EvalError:
                    if name == "can":
                        return False
                    continue
                return True if name == "can" else value
            raise EvalError("no argument of try() could be evaluated")
        values = [self.eval(a, scope) for a in arguments]
        if node.arguments is not None and node.arguments.has_ellipsis:
            values = values[:-1] + list(values[-1])
        if name == "file" and values and isinstance(values[0], str):
            return self.read_file(values[0])
        if name not in FUNCTIONS:
            raise Unresolvable(f"function {name}")
        if any(_has_unknown(v) for v in values) and name not in ("coalesce", "concat", "merge", "tolist", "toset", "length"):
            return UNKNOWN
        try:
            return FUNCTIONS[name](*values)
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise EvalError(f"{name}: {exc}") from exc

    def read_file(self, name: str) -> str:
        """file(): a file of this repository only."""
        assert self.sources is not None
        path = Path(name).resolve()
        if not path.is_relative_to(self.sources.repository.resolve()) or not path.is_file():
            raise Unresolvable("file() outside the repository")
        return path.read_text()


class _Outputs:
    """A module instance's outputs, evaluated when one is read."""

    def __init__(self, resolver: Resolver, steps: list[tuple[str, Any]]) -> None:
        self.resolver, self.steps = resolver, steps

    def get(self, name: str) -> Any:
        return self.resolver.output(self.steps, name)


def _attr(steps: list[tuple[str, Any]], i: int) -> str:
    if len(steps) <= i or steps[i][0] != "attr":
        raise Unresolvable("an incomplete reference")
    return str(steps[i][1])


def _step(value: Any, step: str, argument: Any, resolver: Resolver) -> Any:
    if isinstance(value, Unknown):
        return UNKNOWN
    if step == "splat":
        items = value if isinstance(value, list) else [] if value is None else [value]
        out = []
        for item in items:
            for inner_step, inner_argument in argument:
                if inner_step == "attr":
                    item = _step(item, "attr", inner_argument, resolver)
            out.append(item)
        return out
    if isinstance(value, _Outputs):
        if step != "attr":
            raise EvalError("a module's outputs are read by name")
        return value.get(str(argument))
    if isinstance(argument, Unknown):
        return UNKNOWN
    if step == "attr":
        if not isinstance(value, dict):
            raise EvalError(f"no attribute {argument} on a {type(value).__name__}")
        if argument not in value:
            raise Unresolvable(f"attribute {argument} (perhaps an optional default)")
        return value[argument]
    if isinstance(value, dict):
        return value[str(argument) if not isinstance(argument, str) else argument]
    if isinstance(value, list):
        return value[int(argument)]
    raise EvalError(f"cannot index a {type(value).__name__}")


def _collect(entries: list[tuple[Any, dict[str, Any]]]) -> Any:
    """One instance's values, or the instances as a list (count) or a map (for_each)."""
    if len(entries) == 1 and entries[0][0] is None:
        return entries[0][1]
    if all(isinstance(i, int) for i, _ in entries):
        return [v for _, v in sorted(entries, key=lambda e: e[0])]
    return {str(i): v for i, v in entries}


def _mark_unknown(value: Any, unknown: Any) -> Any:
    if unknown is True:
        return UNKNOWN
    if isinstance(value, dict) and isinstance(unknown, dict):
        out = dict(value)
        for key, inner in unknown.items():
            out[key] = _mark_unknown(value.get(key), inner)
        return out
    if isinstance(value, list) and isinstance(unknown, list):
        return [_mark_unknown(v, unknown[i] if i < len(unknown) else False) for i, v in enumerate(value)]
    return value


def _has_unknown(value: Any) -> bool:
    if isinstance(value, Unknown | _Outputs):
        return True
    if isinstance(value, dict):
        return any(_has_unknown(v) for v in value.values())
    if isinstance(value, list | tuple | set):
        return any(_has_unknown(v) for v in value)
    return False


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float | str):
        return str(value)
    if value is None:
        raise EvalError("null in a template")
    raise EvalError(f"a {type(value).__name__} in a template")


def _number(value: Any) -> int | float:
    if isinstance(value, bool):
        raise EvalError("a bool is not a number")
    if isinstance(value, int | float):
        return value
    text = str(value)
    return float(text) if any(c in text for c in ".eE") else int(text)


def with_defaults(value: Any, type_node: Any, resolver: Resolver, scope: Scope) -> Any:
    """A variable's value with the defaults of its type's optional() attributes filled in, as Terraform does."""
    kind = _kind(type_node)
    if kind == "ExprTermRule":
        return with_defaults(value, type_node.expression, resolver, scope)
    if kind != "FunctionCallRule" or value is None or isinstance(value, Unknown):
        return value
    name = _token(type_node.identifiers[0])
    arguments = type_node.arguments.arguments if type_node.arguments is not None else []
    if name == "object" and isinstance(value, dict) and arguments and _kind(_unwrap(arguments[0])) == "ObjectRule":
        out = dict(value)
        for element in _unwrap(arguments[0]).elements:
            key = resolver.key(element.key, scope)
            attribute_type = _unwrap(element.expression)
            if _kind(attribute_type) == "FunctionCallRule" and _token(attribute_type.identifiers[0]) == "optional":
                inner = attribute_type.arguments.arguments
                if out.get(key) is None:
                    out[key] = resolver.eval(inner[1], scope) if len(inner) > 1 else None
                out[key] = with_defaults(out[key], inner[0], resolver, scope)
            else:
                out[key] = with_defaults(out.get(key), attribute_type, resolver, scope)
        return out
    if name == "map" and isinstance(value, dict) and arguments:
        return {k: with_defaults(v, arguments[0], resolver, scope) for k, v in value.items()}
    if name in ("list", "set") and isinstance(value, list) and arguments:
        return [with_defaults(v, arguments[0], resolver, scope) for v in value]
    return value


def _unwrap(node: Any) -> Any:
    return node.expression if _kind(node) == "ExprTermRule" else node


# --- functions -----------------------------------------------------------------------------------


def _format(spec: str, *args: Any) -> str:
    values = iter(args)
    return re.sub(r"%%|%[-+ 0#]*\d*(?:\.\d+)?[sdvfq]", lambda m: "%" if m.group() == "%%" else _text(next(values)), spec)


def _flatten(value: list[Any]) -> list[Any]:
    out: list[Any] = []
    for item in value:
        out += _flatten(item) if isinstance(item, list) else [item]
    return out


def _distinct(value: list[Any]) -> list[Any]:
    out: list[Any] = []
    for item in value:
        if item not in out:
            out.append(item)
    return out


def _one(value: list[Any]) -> Any:
    if len(value) > 1:
        raise EvalError("one() of more than one element")
    return value[0] if value else None


def _coalesce(*values: Any) -> Any:
    for value in values:
        if isinstance(value, Unknown):
            return UNKNOWN
        if value not in (None, ""):
            return value
    raise EvalError("coalesce: no non-null argument")


def _jsonencode(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def _lookup(mapping: dict[str, Any], key: str, *default: Any) -> Any:
    if key in mapping:
        return mapping[key]
    if default:
        return default[0]
    raise EvalError(f"lookup: no key {key}")


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "jsonencode": _jsonencode,
    "jsondecode": json.loads,
    "concat": lambda *lists: [x for item in lists for x in item],
    "merge": lambda *maps: {k: v for m in maps if m for k, v in m.items()},
    "distinct": _distinct,
    "flatten": _flatten,
    "compact": lambda value: [x for x in value if x not in (None, "")],
    "tolist": lambda value: sorted(value) if isinstance(value, set) else list(value),
    "toset": lambda value: sorted(_distinct(list(value)), key=str),
    "tomap": dict,
    "tostring": lambda value: None if value is None else _text(value),
    "tonumber": lambda value: None if value is None else _number(value),
    "tobool": lambda value: value if isinstance(value, bool) or value is None else {"true": True, "false": False}[value],
    "sort": lambda value: sorted(str(x) for x in value),
    "keys": lambda value: sorted(value),
    "values": lambda value: [value[k] for k in sorted(value)],
    "length": lambda value: len(value),
    "join": lambda separator, value: separator.join(_text(x) for x in value),
    "split": lambda separator, value: value.split(separator),
    "format": _format,
    "lower": lambda value: value.lower(),
    "upper": lambda value: value.upper(),
    "trimprefix": lambda value, prefix: value.removeprefix(prefix),
    "trimsuffix": lambda value, suffix: value.removesuffix(suffix),
    "startswith": lambda value, prefix: value.startswith(prefix),
    "endswith": lambda value, suffix: value.endswith(suffix),
    "contains": lambda collection, value: value in collection,
    "coalesce": _coalesce,
    "one": _one,
    "lookup": _lookup,
    "element": lambda value, i: value[int(i) % len(value)],
    "zipmap": lambda keys, values: dict(zip(keys, values, strict=True)),
    "range": lambda *args: list(range(*(int(a) for a in args))),
    "csvdecode": lambda text: list(csv.DictReader(io.StringIO(text))),
    "replace": lambda value, old, new: _replace(value, old, new),
    "setunion": lambda *sets: sorted({x for s in sets for x in s}, key=str),
}


def _replace(value: str, old: str, new: str) -> str:
    if old.startswith("/") and old.endswith("/"):
        raise Unresolvable("replace() with a regular expression")
    return value.replace(old, new)
