"""The schema check's command line and the stand-in's refusal to run outside Terraform."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from scripts.schema_check import CAVEAT

ROOT = Path(__file__).resolve().parents[2]


def test_help_names_the_regeneration_and_the_caveat() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "scripts.schema_check", "--help"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert "--regenerate" in result.stdout
    assert CAVEAT in " ".join(result.stdout.split())
    assert max(len(line) for line in result.stdout.splitlines()) <= 100


def test_the_stand_in_refuses_to_run_without_terraforms_magic_cookie() -> None:
    env = {k: v for k, v in os.environ.items() if k != "TF_PLUGIN_MAGIC_COOKIE"}
    result = subprocess.run(
        [sys.executable, "-m", "scripts.schema_check.provider"], cwd=ROOT, capture_output=True, text=True, env=env, timeout=30
    )
    assert result.returncode == 1
    assert result.stdout == ""  # no handshake line
    assert "Terraform runs it" in result.stderr
