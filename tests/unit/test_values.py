"""scripts/flows/values.py: values come from stdin or a file, never argv; bad values are refused."""

from __future__ import annotations

import io
from pathlib import Path
from types import SimpleNamespace

import pytest

from scripts.common import UserError
from scripts.deployment import App, Deployment, Item
from scripts.flows import values as put_value


def test_value_from_file_loses_one_trailing_newline(tmp_path: Path) -> None:
    """A file written by an editor ends in a newline that is not part of the value."""
    path = tmp_path / "v"
    path.write_text("s3cret\n")
    assert put_value.read_value(str(path)) == "s3cret"
    path.write_text("two\n\n")
    assert put_value.read_value(str(path)) == "two\n"


def test_value_from_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    """Piped stdin is the default source."""
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"from-stdin\r\n")))
    assert put_value.read_value(None) == "from-stdin"


def test_empty_value_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty value is a mistake, not a value."""
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"")))
    with pytest.raises(UserError, match="empty"):
        put_value.read_value(None)


def test_unreadable_file_names_the_file(tmp_path: Path) -> None:
    """A missing file gives the path and the fix, not a traceback."""
    with pytest.raises(UserError, match="cannot read FILE="):
        put_value.read_value(str(tmp_path / "missing"))


def test_oversized_values_are_refused_before_any_call() -> None:
    """Sizes are checked against each service's limit before reaching AWS."""
    app = SimpleNamespace(region="us-east-1", function_name="f", kms_key_arn=None)
    secure, secret = Item("a", "c/d", "/a/b/c/d", "secure_parameter"), Item("a", "c/d", "/a/b/c/d", "secret")
    with pytest.raises(UserError, match="at most 4,096"):
        put_value.put(None, app, secure, "x" * 4097)  # type: ignore[arg-type]
    with pytest.raises(UserError, match="at most 65,536"):
        put_value.put(None, app, secret, "x" * 65537)  # type: ignore[arg-type]


@pytest.mark.parametrize("raw", [b" \n", b"\t \r\n", b"   "])
def test_whitespace_only_value_is_refused(monkeypatch: pytest.MonkeyPatch, raw: bytes) -> None:
    """Blanks are a mistake (a pasted nothing), not a value."""
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(raw)))
    with pytest.raises(UserError, match="only whitespace"):
        put_value.read_value(None)


def test_non_utf8_value_is_refused_without_echoing_it(tmp_path: Path) -> None:
    """Binary input gets one line (where it stopped being text), never a traceback or the bytes."""
    path = tmp_path / "v"
    path.write_bytes(b"CANARY-\xff\xfe-binary")
    with pytest.raises(UserError, match="not UTF-8 text") as caught:
        put_value.read_value(str(path))
    assert "CANARY" not in str(caught.value)


# --- Input rules (README "Setting secret values"; read_value's docstring) --------------------------------


def from_stdin(monkeypatch: pytest.MonkeyPatch, raw: bytes) -> str:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(raw)))
    return put_value.read_value(None)


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        (b"s3cret\n", "s3cret"),  # echo's or an editor's last newline
        (b"s3cret\r\n", "s3cret"),  # the same from a Windows editor
        (b"s3cret", "s3cret"),  # printf without a newline
        (b"two\n\n", "two\n"),  # only one line ending is dropped
        (b"two\r\n\r\n", "two\r\n"),
        (b"-----BEGIN-----\r\nbody\r\n-----END-----\r\n", "-----BEGIN-----\r\nbody\r\n-----END-----"),  # inside: kept
        (b"a\rb\n", "a\rb"),  # a CR inside is kept
        (b"  spaced\t \n", "  spaced\t "),  # other whitespace is kept
    ],
)
def test_one_line_ending_at_the_end_is_dropped_and_nothing_else(monkeypatch: pytest.MonkeyPatch, raw: bytes, value: str) -> None:
    """`\\n` or `\\r\\n` at the very end is an editor's, not the value's; everything else stays as it is."""
    assert from_stdin(monkeypatch, raw) == value


@pytest.mark.parametrize("raw", [b"CANARY-value\r", b"CANARY-value\r\r\n", b"CANARY-value\n\r"])
def test_a_value_ending_in_a_lone_carriage_return_is_refused_with_the_fix(monkeypatch: pytest.MonkeyPatch, raw: bytes) -> None:
    """A CR left at the end (after the one line ending is dropped) is refused, not stripped silently nor stored."""
    with pytest.raises(UserError, match=r"ends in a carriage return .* tr -d") as caught:
        from_stdin(monkeypatch, raw)
    assert "CANARY" not in str(caught.value)


def test_a_utf8_byte_order_mark_at_the_start_is_dropped_with_a_note(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Notepad's UTF-8 BOM is an encoding mark: dropped, and said so (without the value); one inside is kept."""
    path = tmp_path / "v"
    path.write_bytes(b"\xef\xbb\xbfCANARY-bom\r\n")
    assert put_value.read_value(str(path)) == "CANARY-bom"
    note = capsys.readouterr().err
    assert "byte order mark at the start was dropped" in note and "CANARY" not in note
    path.write_bytes("a\ufeffb".encode())
    assert put_value.read_value(str(path)) == "a\ufeffb"
    assert capsys.readouterr().err == ""
    path.write_bytes(b"\xef\xbb\xbf\n")
    with pytest.raises(UserError, match="empty"):
        put_value.read_value(str(path))


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"CANARY\x00-nul", r"NUL byte \(byte 6 of 11\)"),
        ("CANARY".encode("utf-16-le"), r"NUL byte \(byte 1 of 12\).*UTF-16"),  # UTF-16 without a BOM is valid UTF-8
        ("CANARY".encode("utf-16"), "not UTF-8 text: it starts with a UTF-16 byte order mark"),  # PowerShell's >
    ],
)
def test_nul_and_utf16_are_refused_without_echoing_the_value(tmp_path: Path, raw: bytes, message: str) -> None:
    """Text holds no NUL: one means binary data or UTF-16; the refusal says where and what to do."""
    path = tmp_path / "v"
    path.write_bytes(raw)
    with pytest.raises(UserError, match=message) as caught:
        put_value.read_value(str(path))
    assert "CANARY" not in str(caught.value)


# --- Size limits at put-secret (values never reach Terraform) -------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "tier", "limit"),
    [("secret", "Standard", 65536), ("secure_parameter", "Standard", 4096), ("secure_parameter", "Advanced", 8192)],
)
def test_each_limit_is_exact_and_counted_in_utf8_bytes(kind: str, tier: str, limit: int) -> None:
    """The limit itself passes, one byte more is refused; a two-byte character counts two."""
    put_value.check_size(kind, "/a/b/c/d", "x" * limit, tier)
    with pytest.raises(UserError, match=f"is {limit + 1:,} bytes"):
        put_value.check_size(kind, "/a/b/c/d", "x" * (limit + 1), tier)
    with pytest.raises(UserError, match=f"is {limit + 1:,} bytes"):  # (limit + 1) / 2 characters only
        put_value.check_size(kind, "/a/b/c/d", "x" + "é" * (limit // 2), tier)


def test_each_refusal_names_its_fix() -> None:
    """Over 4,096 bytes: a secret or the Advanced tier (with its price); over 8,192: a secret; over 65,536: elsewhere."""
    with pytest.raises(UserError) as standard:
        put_value.check_size("secure_parameter", "/e/a/secrets/pem", "x" * 5000)
    assert "declare it as a secret instead" in str(standard.value) and "the Advanced tier (8,192 bytes, $0.05" in str(
        standard.value
    )
    with pytest.raises(UserError) as advanced:
        put_value.check_size("secure_parameter", "/e/a/secrets/pem", "x" * 9000, "Advanced")
    assert "declare it as a secret instead" in str(advanced.value) and "Advanced tier (" not in str(advanced.value)
    with pytest.raises(UserError, match="store the data elsewhere"):
        put_value.check_size("secret", "/e/a/secrets/blob", "x" * 70000)


def test_the_limits_are_the_ones_aws_publishes() -> None:
    """Checked against AWS's own service models (shipped in botocore): SecretString's maximum length, and
    PutParameter's Value documentation for the two tiers (4 KB and 8 KB, KB being 1,024 bytes)."""
    import botocore.session

    session = botocore.session.get_session()
    secret = session.get_service_model("secretsmanager").operation_model("PutSecretValue").input_shape.members["SecretString"]
    assert secret.metadata["max"] == put_value.MAX_SECRET_BYTES
    value = session.get_service_model("ssm").operation_model("PutParameter").input_shape.members["Value"]
    assert (
        "Standard parameters have a value limit of 4 KB. Advanced parameters have a value limit of 8 KB." in value.documentation
    )
    assert put_value.MAX_PARAMETER_BYTES["Standard"] == 4 * 1024 and put_value.MAX_PARAMETER_BYTES["Advanced"] == 8 * 1024


@pytest.mark.functional  # a real moto server: not in make test-unit
def test_a_securestring_over_4096_bytes_goes_to_a_real_parameter_store_in_the_advanced_tier(aws_env: str) -> None:
    """A SecureString declared tier = "Advanced" is written in that tier: a real moto server keeps the 5,000-byte value."""
    import boto3

    class Sandbox:
        def client(self, service: str, region: str) -> object:
            return boto3.client(service, region_name=region)

    app = SimpleNamespace(region="us-east-1", function_name="f", kms_key_arn=None)
    name = "/test/values/secrets/advanced"
    item = Item("values", "secrets/advanced", name, "secure_parameter", tier="Advanced")
    put_value.put(Sandbox(), app, item, "y" * 5000)  # type: ignore[arg-type]
    ssm = boto3.client("ssm", region_name="us-east-1")
    described = ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Option": "Equals", "Values": [name]}])
    assert described["Parameters"][0]["Tier"] == "Advanced"
    assert ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"] == "y" * 5000


def _deployment() -> Deployment:
    def app(name: str, keys: list[tuple[str, str]]) -> App:
        arn = f"arn:aws:lambda:us-east-1:123456789012:function:sandbox-{name}"
        items = tuple(Item(name, key, f"/sandbox/{name}/{key}", kind) for key, kind in keys)  # type: ignore[arg-type]
        return App(name, "sandbox", "us-east-1", f"/sandbox/{name}", f"sandbox-{name}", arn, "r", "l", "m", None, None, items)

    return Deployment(
        "sandbox",
        {
            "demo": app("demo", [("secrets/api_key", "secret"), ("config/url", "parameter")]),
            "orders": app("orders", [("secrets/api_key", "secret")]),
        },
    )


def test_a_name_without_its_path_is_told_the_full_names() -> None:
    """NAME=secrets/api_key (the key in the tfvars file): the full names it may mean, not "not declared"."""
    target = SimpleNamespace(env="sandbox", config_hint="terraform/envs/sandbox/terraform.tfvars")
    meant = r"NAME is the full name, .*did you mean /sandbox/demo/secrets/api_key or /sandbox/orders/secrets/api_key\?"
    with pytest.raises(UserError, match=meant):
        put_value.put_named(target, _deployment(), "secrets/api_key", None)  # type: ignore[arg-type]
    with pytest.raises(UserError, match="is not declared in ENV=sandbox"):
        put_value.put_named(target, _deployment(), "secrets/nothing", None)  # type: ignore[arg-type]


def test_value_on_the_make_command_line_is_refused_without_echoing_it() -> None:
    """make put-secret VALUE=...: refused in one line that never repeats the value; other variables pass."""
    put_value.refuse_value_on_the_command_line(" -- NAME=/sandbox/demo/secrets/api_key")
    with pytest.raises(UserError, match="VALUE= is not read") as refused:
        put_value.refuse_value_on_the_command_line(" -- NAME=/sandbox/demo/secrets/api_key VALUE=canary-typed-value")
    assert "canary" not in str(refused.value)


def test_a_json_secret_without_its_rotated_fields_is_refused() -> None:
    """A generated rotation replaces `fields` and refuses an object without them (its createSecret would stop
    and leave the new version AWSPENDING): such a value is refused when it is put, naming only field names."""
    rotated = Item("a", "secrets/db", "/e/a/secrets/db", "secret", format="json", rotation="generated", fields=("password",))
    with pytest.raises(UserError, match=r"rotates the field\(s\) password .*which the object lacks") as refused:
        put_value._json_object(rotated, '{"username": "CANARY-user"}')
    assert "CANARY" not in str(refused.value) and "username" not in str(refused.value)
    put_value._json_object(rotated, '{"username": "u", "password": "p"}')  # accepted
    not_rotated = Item("a", "secrets/db", "/e/a/secrets/db", "secret", format="json", fields=("password",))
    put_value._json_object(not_rotated, '{"username": "u"}')  # no generated rotation: any object
