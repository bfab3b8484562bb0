"""Rebuild a Terraform provider schema from cdktn's generated JavaScript bindings.

The bindings in PyPI `cdktn-provider-aws` are generated from `terraform providers schema
-json` of hashicorp/aws; for every attribute they keep a comment
`// <name> - computed: <bool>, optional: <bool>, required: <bool>`, the attribute's type
(in its getter, or in `synthesizeHclAttributes`) and the block structure. This module reads
them back into the JSON form of `terraform providers schema -json` (one provider). What the
generator drops and cannot be read back: `sensitive` and `deprecated` flags (restored from
OVERLAY in regenerate.py), descriptions, and item counts other than 0/1.

Anything this reader does not recognise raises ExtractError: regenerating fails loudly
rather than writing a schema that is silently wrong.
"""

from __future__ import annotations

import re
from typing import Any


class ExtractError(Exception):
    """The bindings hold a form this reader does not know."""


COMMENT = re.compile(r"^\s*// ([a-z0-9_]+) - computed: (true|false), optional: (true|false), required: (true|false)$", re.M)
HCL_ENTRY = re.compile(
    r'^\s*([a-z0-9_]+): \{\s*value: (.*?),\s*isBlock: (true|false),\s*type: "(\w+)",\s*storageClassType: "(\w+)",\s*\}',
    re.M | re.S,
)
GETTER = re.compile(r"this\.get(\w*)Attribute\('([a-z0-9_]+)'\)")
NESTED = re.compile(r'new (\w+)\(this, "([a-z0-9_]+)"(?:, (true|false))?\)')
PRIMITIVES = {"string": "string", "number": "number", "boolean": "bool"}
GETTER_TYPES = {
    "String": "string",
    "Number": "number",
    "Boolean": "bool",
    "List": ["list", "string"],
    "NumberList": ["list", "number"],
    "BooleanList": ["list", "bool"],
    "StringMap": ["map", "string"],
    "NumberMap": ["map", "number"],
    "BooleanMap": ["map", "bool"],
}


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def classes(source: str) -> dict[str, str]:
    """Class name -> its body."""
    found = {}
    for match in re.finditer(r"^class (\w+) extends cdktn\.\w+ \{\n(.*?)^\}\n", source, re.M | re.S):
        found[match[1]] = match[2]
    return found


def main_class(source: str) -> str:
    """The class of the resource, data source or provider itself."""
    found = re.findall(r"^class (\w+) extends cdktn\.Terraform(?:Resource|DataSource|Provider) \{", source, re.M)
    if len(found) != 1:
        raise ExtractError(f"expected one resource, data source or provider class, found {found}")
    return found[0]


def hcl_functions(source: str) -> dict[str, str]:
    """Name of a `xToHclTerraform(struct)` function -> its body."""
    return {m[1]: m[2] for m in re.finditer(r"^function (\w+ToHclTerraform)\(struct\) \{\n(.*?)^\}\n", source, re.M | re.S)}


def hcl_attrs(body: str) -> dict[str, tuple[str, bool, str, str]]:
    """The `const attrs = {...}` table: name -> (value expression, isBlock, type, storageClassType)."""
    start = body.find("const attrs = {")
    if start < 0:
        return {}
    return {m[1]: (m[2], m[3] == "true", m[4], m[5]) for m in HCL_ENTRY.finditer(body[start:])}


def comments(body: str) -> list[tuple[str, dict[str, bool], str]]:
    """(name, flags, the code up to the next comment) for each attribute comment."""
    marks = list(COMMENT.finditer(body))
    out = []
    for i, mark in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(body)
        flags = {"computed": mark[2] == "true", "optional": mark[3] == "true", "required": mark[4] == "true"}
        out.append((mark[1], flags, body[mark.end() : end]))
    return out


class Bindings:
    """One index.js of the bindings."""

    def __init__(self, source: str, where: str) -> None:
        self.source = source
        self.where = where
        self.classes = classes(source)
        self.functions = hcl_functions(source)

    def fail(self, what: str) -> ExtractError:
        return ExtractError(f"{self.where}: {what}")

    def _attr_type(self, name: str, kind: str, storage: str) -> Any:
        if kind == "simple" and storage in PRIMITIVES:
            return PRIMITIVES[storage]
        element = {"stringList": "string", "numberList": "number", "booleanList": "bool"}
        if kind in ("list", "set") and storage in element:
            return [kind, element[storage]]
        maps = {"stringMap": "string", "numberMap": "number", "booleanMap": "bool", "anyMap": "dynamic"}
        if kind == "map" and storage in maps:
            return ["map", maps[storage]]
        raise self.fail(f"attribute {name}: unknown type {kind}/{storage}")

    def _getter_type(self, name: str, code: str) -> tuple[str, Any]:
        """('attribute', type) or ('object', (class, collection)) for a computed-only attribute."""
        nested = NESTED.search(code)
        if nested and nested[2] == name:
            cls = nested[1]
            if cls.endswith("List"):
                return "object", (cls.removesuffix("List") + "OutputReference", "set" if nested[3] == "true" else "list")
            if cls.endswith("Map"):
                return "object", (cls.removesuffix("Map") + "OutputReference", "map")
            if cls.endswith("OutputReference"):
                return "object", (cls, "single")
            raise self.fail(f"attribute {name}: unknown nested class {cls}")
        getter = GETTER.search(code)
        if not getter or getter[2] != name or getter[1] not in GETTER_TYPES:
            raise self.fail(f"attribute {name}: no getter this reader knows")
        kind = GETTER_TYPES[getter[1]]
        if isinstance(kind, list) and kind[0] == "list" and "Fn.tolist(" in code:
            kind = ["set", kind[1]]
        return "attribute", kind

    def _object_type(self, cls: str) -> Any:
        body = self.classes.get(cls)
        if body is None:
            raise self.fail(f"class {cls} not found")
        fields = {}
        for name, _flags, code in comments(body):
            what, kind = self._getter_type(name, code)
            fields[name] = self._object_type(kind[0]) if what == "object" else kind
            if what == "object" and kind[1] != "single":
                fields[name] = [kind[1], fields[name]]
        return ["object", fields]

    def block(self, cls: str | None, hcl: dict[str, tuple[str, bool, str, str]], *, all_optional: bool = False) -> dict[str, Any]:
        """A block schema from a class's comments (or, for provider blocks, the HCL table alone)."""
        attributes: dict[str, Any] = {}
        blocks: dict[str, Any] = {}
        if cls is None:
            described = [(name, {"computed": False, "optional": True, "required": False}, "") for name in hcl]
        else:
            body = self.classes.get(cls)
            if body is None:
                raise self.fail(f"class {cls} not found")
            described = comments(body)
        for name, flags, code in described:
            if all_optional:
                flags = {"computed": False, "optional": True, "required": False}
            if name in hcl:
                value, is_block, kind, storage = hcl[name]
                if is_block:
                    blocks[name] = self.nested_block(name, value, kind, storage, flags)
                    continue
                entry: dict[str, Any] = {"type": self._attr_type(name, kind, storage)}
            else:
                if not flags["computed"]:
                    raise self.fail(f"attribute {name} is an input but missing from the HCL table")
                what, kind = self._getter_type(name, code)
                if what == "object":
                    obj = self._object_type(kind[0])
                    entry = {"type": obj if kind[1] == "single" else [kind[1], obj]}
                else:
                    entry = {"type": kind}
            entry.update({k: True for k, v in flags.items() if v})
            if "markWriteOnlyAttribute(" in value_of(hcl, name):
                entry["write_only"] = True
            attributes[name] = entry
        out: dict[str, Any] = {"attributes": dict(sorted(attributes.items()))}
        if blocks:
            out["block_types"] = dict(sorted(blocks.items()))
        return out

    def nested_block(self, name: str, value: str, kind: str, storage: str, flags: dict[str, bool]) -> dict[str, Any]:
        base = storage.removesuffix("List") if kind in ("list", "set") else storage
        function = _camel(base) + "ToHclTerraform"
        if function not in self.functions:
            raise self.fail(f"block {name}: function {function} not found")
        cls = base + "OutputReference"
        provider = cls not in self.classes
        inner = self.block(None if provider else cls, hcl_attrs(self.functions[function]), all_optional=provider)
        if kind == "struct":
            return {"nesting_mode": "single", "block": inner}
        if kind not in ("list", "set"):
            raise self.fail(f"block {name}: unknown block type {kind}")
        out: dict[str, Any] = {"nesting_mode": kind, "block": inner}
        if "listMapperHcl(" not in value:
            out["max_items"] = 1
        if flags["required"]:
            out["min_items"] = 1
        return out

    def top(self, cls: str) -> dict[str, Any]:
        """The schema of the main class (a resource, data source or the provider)."""
        body = self.classes.get(cls)
        if body is None:
            raise self.fail(f"class {cls} not found")
        section = body[body.find("synthesizeHclAttributes()") :]
        table = hcl_attrs(section)
        if cls.endswith("Provider"):
            return {"version": 0, "block": self.block(None, table)}
        return {"version": 0, "block": self.block(cls, table)}


def value_of(hcl: dict[str, tuple[str, bool, str, str]], name: str) -> str:
    return hcl[name][0] if name in hcl else ""


def module_dir(type_name: str, data: bool) -> str:
    """aws_lambda_function -> lambda-function; data aws_caller_identity -> data-aws-caller-identity."""
    rest = type_name.removeprefix("aws_").replace("_", "-")
    return f"data-aws-{rest}" if data else rest
