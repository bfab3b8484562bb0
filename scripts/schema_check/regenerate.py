"""Regenerate the committed schema file from the pinned cdktn-provider-aws wheel.

    python -m scripts.schema_check --regenerate

Downloads the wheel once into build/schema-cache/ (pip, no dependencies), checks its
SHA-256, reads only the bindings of the types the checked roots and modules use (the
wheel's jsii tarball is read as a stream, nothing is unpacked), rebuilds their schema
(extract.py), applies OVERLAY (the flags the generator drops) and writes SCHEMA_FILE.
"""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path
from typing import Any

from scripts.common import BUILD, UserError, say
from scripts.schema_check import BINDINGS, BINDINGS_SHA256, DESCRIPTOR_FILE, PROVIDER_VERSION, SCHEMA_FILE
from scripts.schema_check.extract import ExtractError, main_class, module_dir
from scripts.schema_check.usage import types_used

CACHE = BUILD / "schema-cache"
# tfplugin6.desc comes from the generated protocol code in this wheel (Apache-2.0), built from
# tfplugin6.proto (terraform-plugin-go, MPL-2.0); only the serialized descriptor is kept.
PROTOCOL = "pyvider==0.8.1"
PROTOCOL_SHA256 = "940d081d7301590952990d8ca6f1f6a89648d6743c1984bbfdb275f7912d3f83"
PROTOCOL_MEMBER = "pyvider/protocols/tfprotov6/protobuf/tfplugin6_pb2.py"

# Flags the bindings do not carry, restored from the provider's source (hashicorp/
# terraform-provider-aws, internal/service/...): (kind, type, attribute path, flag).
OVERLAY: tuple[tuple[str, str, str, str], ...] = (
    ("resource", "aws_ssm_parameter", "value", "sensitive"),
    ("resource", "aws_ssm_parameter", "value_wo", "sensitive"),
    ("resource", "aws_secretsmanager_secret_version", "secret_string", "sensitive"),
    ("resource", "aws_secretsmanager_secret_version", "secret_binary", "sensitive"),
    ("resource", "aws_secretsmanager_secret_version", "secret_string_wo", "sensitive"),
    ("resource", "aws_iam_role", "managed_policy_arns", "deprecated"),
)


def download(requirement: str = BINDINGS, sha256: str = BINDINGS_SHA256) -> Path:
    """A pinned wheel, from the cache or downloaded into it (no dependencies); its hash checked."""
    name, version = requirement.split("==")
    wheel = CACHE / f"{name.replace('-', '_')}-{version}-py3-none-any.whl"
    if not wheel.is_file():
        say(f"downloading {requirement} into {CACHE}")
        CACHE.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--disable-pip-version-check"]
        result = subprocess.run([*command, "-d", str(CACHE), requirement], capture_output=True, text=True)
        if result.returncode != 0 or not wheel.is_file():
            raise UserError(f"pip could not download {requirement} ({result.stderr.strip()[-200:]}); check access to PyPI")
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != sha256:
        raise UserError(f"{wheel.name} has SHA-256 {digest}, expected {sha256}: delete it and run again")
    return wheel


def read_bindings(wheel: Path, wanted: set[str]) -> dict[str, str]:
    """Member path -> text, for the wanted members of the jsii tarball inside the wheel."""
    found: dict[str, str] = {}
    with zipfile.ZipFile(wheel) as archive:
        member = next(n for n in archive.namelist() if n.endswith(".jsii.tgz"))
        with archive.open(member) as raw, tarfile.open(fileobj=io.BufferedReader(raw), mode="r|gz") as tar:
            for entry in tar:
                if entry.name in wanted:
                    handle = tar.extractfile(entry)
                    assert handle is not None
                    found[entry.name] = handle.read().decode()
    return found


def _apply_overlay(schema: dict[str, Any]) -> None:
    for kind, type_name, path, flag in OVERLAY:
        table = schema["resource_schemas" if kind == "resource" else "data_source_schemas"]
        if type_name not in table:
            continue
        attributes = table[type_name]["block"]["attributes"]
        if path not in attributes:
            raise UserError(f"overlay names {type_name}.{path}, which the {PROVIDER_VERSION} schema lacks: update OVERLAY")
        attributes[path][flag] = True


def build(wheel: Path) -> dict[str, Any]:
    """The schema of the used types, as a dict in `terraform providers schema -json` form."""
    used = types_used()
    paths = {("provider", "aws"): "package/lib/provider/index.js"}
    for type_name in used["resource"]:
        paths[("resource", type_name)] = f"package/lib/{module_dir(type_name, False)}/index.js"
    for type_name in used["data"]:
        paths[("data", type_name)] = f"package/lib/{module_dir(type_name, True)}/index.js"
    sources = read_bindings(wheel, set(paths.values()) | {"package/package.json"})
    described = json.loads(sources["package/package.json"]).get("cdktn", {}).get("provider", {})
    if described.get("version") != PROVIDER_VERSION:
        raise UserError(f"{BINDINGS} describes hashicorp/aws {described.get('version')}, not {PROVIDER_VERSION}")
    from scripts.schema_check.extract import Bindings

    schema: dict[str, Any] = {
        "provider_version": PROVIDER_VERSION,
        "rebuilt_from": BINDINGS,
        "note": "rebuilt from generated bindings (cdktn), not dumped by the provider; regenerate with "
        "python -m scripts.schema_check --regenerate",
        "overlay": [list(row) for row in OVERLAY],
        "provider": {},
        "resource_schemas": {},
        "data_source_schemas": {},
    }
    for (kind, type_name), path in sorted(paths.items()):
        if path not in sources:
            raise UserError(f"{BINDINGS} has no bindings for {kind} {type_name} ({path}): is the type name right?")
        bindings = Bindings(sources[path], path)
        try:
            block = bindings.top(main_class(sources[path]))
        except ExtractError as exc:
            raise UserError(f"cannot read the bindings of {type_name}: {exc}; extend scripts/schema_check/extract.py") from exc
        if kind == "provider":
            schema["provider"] = block
        else:
            schema["resource_schemas" if kind == "resource" else "data_source_schemas"][type_name] = block
    _apply_overlay(schema)
    return schema


def dump(schema: dict[str, Any]) -> str:
    """Stable JSON text: one attribute a line, so diffs stay readable."""
    text = json.dumps(schema, indent=1, sort_keys=True)
    return text + "\n"


def regenerate(target: Path = SCHEMA_FILE) -> Path:
    schema = build(download())
    target.write_text(dump(schema))
    say(
        f"wrote {target.name}: hashicorp/aws {PROVIDER_VERSION}, {len(schema['resource_schemas'])} resource and "
        f"{len(schema['data_source_schemas'])} data source types, {target.stat().st_size // 1024} KB"
    )
    return target


def regenerate_descriptor(target: Path = DESCRIPTOR_FILE) -> Path:
    """tfplugin6.desc: the serialized descriptor inside the pinned protocol wheel's generated code."""
    import ast

    with zipfile.ZipFile(download(PROTOCOL, PROTOCOL_SHA256)) as archive:
        source = archive.read(PROTOCOL_MEMBER).decode()
    calls = [
        node
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "AddSerializedFile"
    ]
    if len(calls) != 1 or not isinstance(calls[0].args[0], ast.Constant):
        raise UserError(f"{PROTOCOL}: {PROTOCOL_MEMBER} no longer holds one serialized descriptor; update regenerate.py")
    target.write_bytes(calls[0].args[0].value)
    say(f"wrote {target.name} from {PROTOCOL} ({target.stat().st_size} bytes)")
    return target
