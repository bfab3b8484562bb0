"""Package the stand-in provider into a filesystem mirror, and a CLI configuration that uses it.

Terraform installs `registry.terraform.io/hashicorp/aws` 6.69.1 from
build/schema-check/mirror/ (terraform-provider-aws_6.69.1_linux_amd64.zip, whose one
file is a small launcher of provider.py with this checkout's Python). Only scratch copies
of the roots (build/schema-check/terraform/) are initialised with it, so no lock file in
terraform/ ever records its hash.
"""

from __future__ import annotations

import sys
import time
import zipfile
from pathlib import Path

from scripts import toolchain
from scripts.common import BUILD, ROOT
from scripts.schema_check import PROVIDER_VERSION

WORK = BUILD / "schema-check"
MIRROR = WORK / "mirror"
CLI_CONFIG = WORK / "terraformrc"
ZIP_NAME = f"terraform-provider-aws_{PROVIDER_VERSION}_linux_amd64.zip"
TLS_DIR = WORK / "tls"
TLS_MAX_AGE = 12 * 3600  # seconds; the certificate itself is valid for a day
LAUNCHER = """#!{python}
# The schema-check stand-in for hashicorp/aws {version} (scripts/schema_check/provider.py).
import os
import sys
sys.path.insert(0, {root!r})
os.environ.setdefault("SCHEMA_CHECK_TLS_DIR", {tls!r})
from scripts.schema_check.provider import serve
sys.exit(serve())
"""


def build_zip(target: Path | None = None) -> Path:
    """Write the provider zip into the mirror (same bytes for the same checkout and Python)."""
    target = target or MIRROR / "registry.terraform.io" / "hashicorp" / "aws" / ZIP_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    text = LAUNCHER.format(python=sys.executable, version=PROVIDER_VERSION, root=str(ROOT), tls=str(TLS_DIR))
    info = zipfile.ZipInfo(f"terraform-provider-aws_v{PROVIDER_VERSION}", date_time=(1980, 1, 1, 0, 0, 0))
    info.external_attr = 0o100755 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    staged = target.with_suffix(".tmp")
    with zipfile.ZipFile(staged, "w") as archive:
        archive.writestr(info, text)
    if target.is_file() and target.read_bytes() == staged.read_bytes():
        staged.unlink()
    else:
        staged.replace(target)
    return target


def write_cli_config(path: Path = CLI_CONFIG) -> Path:
    """A CLI configuration that installs hashicorp/aws from this mirror only (no network)."""
    return toolchain.write_cli_config(path, MIRROR)


def write_tls(directory: Path = TLS_DIR) -> Path:
    """The stand-in's loopback TLS key and certificate, made again when half a day old."""
    from scripts.schema_check.provider import certificate

    cert = directory / "cert.pem"
    if not cert.is_file() or time.time() - cert.stat().st_mtime > TLS_MAX_AGE:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        key_pem, cert_pem = certificate()
        key = directory / "key.pem"
        key.touch(mode=0o600)
        key.write_bytes(key_pem)
        cert.write_bytes(cert_pem)
    return directory


def prepare() -> Path:
    """Mirror, TLS files and CLI configuration, ready; returns the CLI configuration's path."""
    build_zip()
    write_tls()
    return write_cli_config()
