"""Check the real-AWS roots against the hashicorp/aws 6.69.1 schema, offline.

No binary of a current AWS provider can be had here, but its schema can: it is rebuilt
from generated bindings (PyPI cdktn-provider-aws) into SCHEMA_FILE and served by a small
stand-in provider process (provider.py), so that Terraform itself runs `init`, `validate`
and `plan` of every root, module, the stack and the examples. docs/schema-check.md says
what this proves and what it cannot.
"""

from __future__ import annotations

from pathlib import Path

PROVIDER_VERSION = "6.69.1"
# The bindings generated from that provider version, and the wheel's SHA-256.
BINDINGS = "cdktn-provider-aws==25.8.1"
BINDINGS_SHA256 = "2ffa579cb88b063cb3a9937e43c519391e876845768f51638a848bdf2ce9f354"
HERE = Path(__file__).resolve().parent
SCHEMA_FILE = HERE / f"aws-{PROVIDER_VERSION}.schema.json"
CAVEAT = (
    f"checked against the hashicorp/aws {PROVIDER_VERSION} schema rebuilt from generated bindings, "
    "not against the provider itself"
)
# tfplugin6's message and service descriptors (a serialized FileDescriptorProto).
DESCRIPTOR_FILE = HERE / "tfplugin6.desc"
