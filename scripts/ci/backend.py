"""The git-ignored backend file, written in CI from repository variables.

`terraform/envs/aws/<env>.backend.hcl` is the example with the bucket (and, if given, the
region) replaced; everything else (the state key, encryption, S3-native locking) stays as
the example says. The result is read back through the same offline checks a user's file
gets (scripts/aws_errors.backend_settings), so a variable left empty or holding the
example's name fails here, in one line, before any network call.
"""

from __future__ import annotations

import re
from pathlib import Path

from scripts import aws_errors
from scripts.common import ROOT, UserError

AWS_ROOT = ROOT / "terraform" / "envs" / "aws"


def write(env: str, bucket: str, region: str | None = None, root: Path = AWS_ROOT) -> Path:
    """Write <env>.backend.hcl from its example with this bucket (and region); return its path."""
    example = root / f"{env}.backend.hcl.example"
    if not example.is_file():
        raise UserError(f"no {example.name} for ENV={env}: every AWS environment has one (terraform/envs/aws/)")
    if not bucket:
        raise UserError(f"no state bucket for ENV={env}: set the repository variable named in docs/ci.md (TF_STATE_BUCKET)")
    text = re.sub(r'(?m)^(\s*bucket\s*=\s*)"[^"]*"', lambda m: f'{m[1]}"{bucket}"', example.read_text())
    if region:
        text = re.sub(r'(?m)^(\s*region\s*=\s*)"[^"]*"', lambda m: f'{m[1]}"{region}"', text)
    backend = root / f"{env}.backend.hcl"
    backend.write_text(text)
    try:
        aws_errors.backend_settings(backend, env)
    except UserError:
        backend.unlink()
        raise
    return backend
