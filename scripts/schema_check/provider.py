"""A stand-in for registry.terraform.io/hashicorp/aws 6.69.1 that serves its schema, nothing else.

Terraform starts it like any provider plugin (go-plugin: magic cookie, one handshake line
on stdout, gRPC over TLS on loopback) and speaks tfplugin6 to it:
  - GetProviderSchema answers with the committed schema file (SCHEMA_FILE);
  - the Validate* calls and ConfigureProvider accept (the real provider's own checks,
    such as value lists, are not here: docs/schema-check.md);
  - PlanResourceChange returns the proposed new state with every null computed attribute
    unknown and every write-only attribute null;
  - ReadDataSource fills the computed attributes with labelled placeholders;
  - ApplyResourceChange and ImportResourceState are refused with a clear message;
  - the go-plugin controller's Shutdown stops the process at once.
The protocol's message types come from tfplugin6.desc (a serialized FileDescriptorProto,
see regenerate.py for its origin); no generated code is committed.
"""

from __future__ import annotations

import base64
import datetime
import json
import os
import sys
import threading
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc
import msgpack
from google.protobuf import descriptor_pool, message_factory, timestamp_pb2  # noqa: F401  (timestamp: a dependency of the descriptor)

from scripts.schema_check import CAVEAT, DESCRIPTOR_FILE, PROVIDER_VERSION, SCHEMA_FILE

MAGIC_COOKIE_KEY = "TF_PLUGIN_MAGIC_COOKIE"
MAGIC_COOKIE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"
UNKNOWN = msgpack.ExtType(0, b"")
PLACEHOLDER = "placeholder-{name}"
# Computed attributes the code checks the shape of (an ARN built from the account): a value of
# that shape that no real account has, instead of the label.
SHAPED = {"account_id": "000000000000", "partition": "aws"}
# A directory holding key.pem and cert.pem made once per checkout (mirror.py): loading them is
# faster than making a certificate at each of the several starts per Terraform command.
TLS_ENV = "SCHEMA_CHECK_TLS_DIR"
NESTING = {"single": 1, "list": 2, "set": 3, "map": 4, "group": 5}

_POOL = descriptor_pool.Default()
_POOL.AddSerializedFile(Path(DESCRIPTOR_FILE).read_bytes())


def message(name: str) -> Any:
    """The message class tfplugin6.<name> (dotted for nested types)."""
    return message_factory.GetMessageClass(_POOL.FindMessageTypeByName(f"tfplugin6.{name}"))


Schema = message("Schema")
Diagnostic = message("Diagnostic")
DynamicValue = message("DynamicValue")


# --- values ------------------------------------------------------------------------------


def decode(value: Any) -> Any:
    """A DynamicValue's content (msgpack, or JSON for older callers)."""
    if value.msgpack:
        return msgpack.unpackb(value.msgpack, raw=False, strict_map_key=False, ext_hook=msgpack.ExtType)
    return json.loads(value.json) if value.json else None


def encode(data: Any) -> Any:
    return DynamicValue(msgpack=msgpack.packb(data, use_bin_type=True))


def plan_block(block: dict[str, Any], value: Any) -> Any:
    """The planned value of one block: null computed attributes unknown, write-only attributes null."""
    if not isinstance(value, dict):
        return value
    out = dict(value)
    for name, attribute in block.get("attributes", {}).items():
        if attribute.get("write_only"):
            out[name] = None
        elif attribute.get("computed") and out.get(name) is None:
            out[name] = UNKNOWN
    for name, nested in block.get("block_types", {}).items():
        inner, current = nested["block"], out.get(name)
        if isinstance(current, list):
            out[name] = [plan_block(inner, item) for item in current]
        elif isinstance(current, dict) and nested["nesting_mode"] == "map":
            out[name] = {key: plan_block(inner, item) for key, item in current.items()}
        elif isinstance(current, dict):
            out[name] = plan_block(inner, current)
    return out


def placeholder(name: str, kind: Any) -> Any:
    """A labelled stand-in value of a type, for data sources' computed attributes."""
    if kind == "string":
        return SHAPED.get(name, PLACEHOLDER.format(name=name))
    if kind == "number":
        return 0
    if kind == "bool":
        return False
    if isinstance(kind, list) and kind[0] in ("list", "set"):
        return []
    if isinstance(kind, list) and kind[0] == "map":
        return {}
    return None


def read_block(block: dict[str, Any], value: Any) -> Any:
    """A data source's result: its configuration with placeholders in the computed attributes."""
    if not isinstance(value, dict):
        return value
    out = dict(value)
    for name, attribute in block.get("attributes", {}).items():
        if attribute.get("computed") and out.get(name) is None:
            out[name] = placeholder(name, attribute["type"])
    for name, nested in block.get("block_types", {}).items():
        current = out.get(name)
        if isinstance(current, list):
            out[name] = [read_block(nested["block"], item) for item in current]
        elif isinstance(current, dict) and nested["nesting_mode"] != "map":
            out[name] = read_block(nested["block"], current)
    return out


# --- the schema as protobuf ------------------------------------------------------------


def block_message(block: dict[str, Any]) -> Any:
    out = Schema.Block()
    for name, attribute in sorted(block.get("attributes", {}).items()):
        out.attributes.add(
            name=name,
            type=json.dumps(attribute["type"]).encode(),
            required=attribute.get("required", False),
            optional=attribute.get("optional", False),
            computed=attribute.get("computed", False),
            sensitive=attribute.get("sensitive", False),
            deprecated=attribute.get("deprecated", False),
            write_only=attribute.get("write_only", False),
        )
    for name, nested in sorted(block.get("block_types", {}).items()):
        out.block_types.add(
            type_name=name,
            block=block_message(nested["block"]),
            nesting=NESTING[nested["nesting_mode"]],
            min_items=nested.get("min_items", 0),
            max_items=nested.get("max_items", 0),
        )
    return out


def schema_message(entry: dict[str, Any]) -> Any:
    return Schema(version=entry.get("version", 0), block=block_message(entry["block"]))


def error(summary: str, detail: str = "") -> Any:
    return Diagnostic(severity=1, summary=summary, detail=detail)


# --- the gRPC services -----------------------------------------------------------------


class StandIn:
    """The tfplugin6 Provider service, backed by the schema file."""

    def __init__(self, schema: dict[str, Any], stop: threading.Event) -> None:
        self.schema = schema
        self.stop = stop
        self.blocks = {
            **{name: entry["block"] for name, entry in schema["resource_schemas"].items()},
            **{"data." + name: entry["block"] for name, entry in schema["data_source_schemas"].items()},
        }

    def GetProviderSchema(self, request: Any, context: Any) -> Any:
        response = message("GetProviderSchema.Response")()
        response.provider.CopyFrom(schema_message(self.schema["provider"]))
        for name, entry in self.schema["resource_schemas"].items():
            response.resource_schemas[name].CopyFrom(schema_message(entry))
        for name, entry in self.schema["data_source_schemas"].items():
            response.data_source_schemas[name].CopyFrom(schema_message(entry))
        response.server_capabilities.plan_destroy = True
        return response

    def GetResourceIdentitySchemas(self, request: Any, context: Any) -> Any:
        return message("GetResourceIdentitySchemas.Response")()

    def _accept(self, name: str) -> Any:
        return lambda request, context: message(f"{name}.Response")()

    def PlanResourceChange(self, request: Any, context: Any) -> Any:
        proposed = decode(request.proposed_new_state)
        planned = plan_block(self.blocks[request.type_name], proposed)
        return message("PlanResourceChange.Response")(planned_state=encode(planned))

    def ReadResource(self, request: Any, context: Any) -> Any:
        return message("ReadResource.Response")(new_state=request.current_state, private=request.private)

    def UpgradeResourceState(self, request: Any, context: Any) -> Any:
        state = json.loads(request.raw_state.json) if request.raw_state.json else None
        return message("UpgradeResourceState.Response")(upgraded_state=encode(state))

    def ReadDataSource(self, request: Any, context: Any) -> Any:
        state = read_block(self.blocks["data." + request.type_name], decode(request.config))
        return message("ReadDataSource.Response")(state=encode(state))

    def ApplyResourceChange(self, request: Any, context: Any) -> Any:
        return message("ApplyResourceChange.Response")(
            diagnostics=[
                error(
                    f"This is a schema-only stand-in for hashicorp/aws {PROVIDER_VERSION}: it cannot apply",
                    f"It serves the provider's schema for `terraform validate` and `plan` ({CAVEAT}). "
                    "Apply with the real provider: make deploy ENV=dev.",
                )
            ]
        )

    def ImportResourceState(self, request: Any, context: Any) -> Any:
        return message("ImportResourceState.Response")(
            diagnostics=[error(f"The schema-only stand-in for hashicorp/aws {PROVIDER_VERSION} cannot import")]
        )

    def handlers(self) -> grpc.GenericRpcHandler:
        service = _POOL.FindServiceByName("tfplugin6.Provider")
        accepted = (
            "ValidateProviderConfig",
            "ValidateResourceConfig",
            "ValidateDataResourceConfig",
            "ValidateEphemeralResourceConfig",
            "ConfigureProvider",
            "StopProvider",
        )
        table = {}
        for method in service.methods:
            function = self._accept(method.name) if method.name in accepted else getattr(self, method.name, None)
            if function is None or method.server_streaming or method.client_streaming:
                continue  # grpc answers UNIMPLEMENTED, which Terraform handles for optional calls
            request = message_factory.GetMessageClass(method.input_type)
            response = message_factory.GetMessageClass(method.output_type)
            table[method.name] = grpc.unary_unary_rpc_method_handler(
                function, request_deserializer=request.FromString, response_serializer=response.SerializeToString
            )
        return grpc.method_handlers_generic_handler("tfplugin6.Provider", table)

    def controller(self) -> grpc.GenericRpcHandler:
        """go-plugin's GRPCController: Shutdown (an empty message in, an empty message out)."""

        def shutdown(request: bytes, context: Any) -> bytes:
            context.add_callback(self.stop.set)  # once the answer is sent
            return b""

        handler = grpc.unary_unary_rpc_method_handler(
            shutdown, request_deserializer=lambda data: data, response_serializer=lambda data: data
        )
        return grpc.method_handlers_generic_handler("plugin.GRPCController", {"Shutdown": handler})


def certificate() -> tuple[bytes, bytes]:
    """A self-signed certificate for localhost: (key PEM, certificate PEM)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [x509.NameAttribute(NameOID.ORGANIZATION_NAME, "schema-check"), x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]
    )
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, True, False, False, False),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return key_pem, cert.public_bytes(serialization.Encoding.PEM)


def serve(schema_file: Path = SCHEMA_FILE) -> int:
    """Run as a go-plugin provider until Terraform shuts it down."""
    if os.environ.get(MAGIC_COOKIE_KEY) != MAGIC_COOKIE:
        print(
            "This is a Terraform provider plugin (the schema-check stand-in for hashicorp/aws): "
            "Terraform runs it; run python -m scripts.schema_check instead.",
            file=sys.stderr,
        )
        return 1
    stop = threading.Event()
    stand_in = StandIn(json.loads(schema_file.read_text()), stop)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    server.add_generic_rpc_handlers((stand_in.handlers(), stand_in.controller()))
    tls = Path(os.environ[TLS_ENV]) if os.environ.get(TLS_ENV) else None
    if tls and (tls / "key.pem").is_file() and (tls / "cert.pem").is_file():
        key_pem, cert_pem = (tls / "key.pem").read_bytes(), (tls / "cert.pem").read_bytes()
    else:
        key_pem, cert_pem = certificate()
    port = server.add_secure_port("127.0.0.1:0", grpc.ssl_server_credentials([(key_pem, cert_pem)]))
    server.start()
    der = base64.b64decode(b"".join(cert_pem.strip().splitlines()[1:-1]))
    encoded = base64.b64encode(der).decode().rstrip("=")
    print(f"1|6|tcp|127.0.0.1:{port}|grpc|{encoded}", flush=True)
    stop.wait()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # nothing left to clean up; a graceful gRPC stop costs about 0.1 s per Terraform call


def serve_shared(socket: Path, schema_file: Path = SCHEMA_FILE) -> int:
    """Serve on a Unix socket, without go-plugin's handshake, for TF_REATTACH_PROVIDERS.

    One such process serves several Terraform commands at once (check.py), which saves the
    start of a provider process per command. It prints "ready" when it listens and stops when
    its standard input closes (so it never outlives the check that started it) or on Shutdown.
    """
    stop = threading.Event()
    stand_in = StandIn(json.loads(schema_file.read_text()), stop)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    server.add_generic_rpc_handlers((stand_in.handlers(), stand_in.controller()))
    server.add_insecure_port(f"unix:{socket}")
    server.start()
    print("ready", flush=True)
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    stop.wait()
    server.stop(grace=None)
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--shared"] and len(sys.argv) == 3:
        sys.exit(serve_shared(Path(sys.argv[2])))
    sys.exit(serve())
