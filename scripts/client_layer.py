"""Build the client as a Lambda layer, reproducibly: build/secrets-client-layer.zip.

    python -m scripts.client_layer          (make client-layer)

The layer holds python/secrets_client.py and python/smoke_probe.py (Lambda puts /opt/python on
sys.path), zipped by
scripts/package.py's zip_bytes: entries sorted, timestamps 1980-01-01, fixed modes and
compression, so the same source gives the same bytes on any checkout. The test kit is not in
it: it is for tests. Publish it with
  aws lambda publish-layer-version --layer-name secrets-client \\
    --zip-file fileb://build/secrets-client-layer.zip
"""

from __future__ import annotations

import argparse

from scripts.common import BUILD, ROOT, run_main, say
from scripts.package import lambda_hash, write_if_changed, zip_bytes

LAYER_ZIP = BUILD / "secrets-client-layer.zip"
LAYER_FILES = {
    "python/secrets_client.py": ROOT / "lambda_src" / "secrets_client.py",
    "python/smoke_probe.py": ROOT / "lambda_src" / "smoke_probe.py",  # for a handler that answers make smoke's probe
}


def build() -> str:
    """Write the layer zip (only if its bytes changed); its Lambda code hash (base64 SHA-256)."""
    data = zip_bytes(LAYER_FILES)
    written = write_if_changed(LAYER_ZIP, data)
    digest = lambda_hash(data)
    state = "written" if written else "unchanged"
    say(f"{LAYER_ZIP.relative_to(ROOT)}: {len(LAYER_FILES)} files, {len(data)} bytes, sha256 {digest} ({state})")
    return digest


def main() -> int:
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
    build()
    return 0


if __name__ == "__main__":
    run_main(main)
