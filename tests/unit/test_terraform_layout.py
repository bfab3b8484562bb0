"""The Terraform code as written: formatted, and the real-AWS root shaped as documented.

The AWS root targets AWS provider ~> 6.0, which cannot be installed offline, so here it
is checked by parsing (python-hcl2); its validation against the provider's schema is
the schema check's job.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import hcl2

from scripts import toolchain

ROOT = Path(__file__).resolve().parents[2]


def test_terraform_is_formatted() -> None:
    """`terraform fmt -check` passes on every .tf file."""
    terraform = toolchain.load().terraform
    env = {**os.environ, "TF_CLI_CONFIG_FILE": os.devnull, "CHECKPOINT_DISABLE": "1"}
    result = subprocess.run(
        [terraform, "fmt", "-check", "-recursive", str(ROOT / "terraform")], capture_output=True, text=True, env=env
    )
    assert result.returncode == 0, f"not formatted: {result.stdout} (fix: terraform fmt -recursive terraform/)"


def test_aws_root_uses_s3_backend_and_the_shared_stack() -> None:
    """The AWS root: S3 backend (partial config per environment), a current AWS provider, the stack module."""
    config = hcl2.loads((ROOT / "terraform/envs/aws/main.tf").read_text())
    assert [list(backend) for backend in config["terraform"][0]["backend"]] == [['"s3"']]
    assert [list(module) for module in config["module"]] == [['"stack"']]
    source = (ROOT / "terraform/envs/aws/main.tf").read_text()
    assert re.search(r'source +?= "\.\./\.\./stack"\n +for_each = var\.apps', source) and 'version = "~> 6.0"' in source
    for env in ("dev", "prod"):
        example = (ROOT / f"terraform/envs/aws/{env}.backend.hcl.example").read_text()
        assert "use_lockfile = true" in example and f"lambda-secrets-kit/{env}/terraform.tfstate" in example
        assert "\nenv " not in (ROOT / f"terraform/envs/aws/{env}.tfvars").read_text(), "env comes from the file name"


def test_root_variables_are_typed() -> None:
    """No root takes `type = any`: a wrong shape in a .tfvars file fails at once."""
    for root in ("aws", "sandbox"):
        assert "type        = any" not in (ROOT / f"terraform/envs/{root}/variables.tf").read_text(), root


def test_extension_layer_table_covers_the_documented_regions() -> None:
    """The module's layer table has a publishing account and an x86_64 version for every region listed."""
    lines = (ROOT / "terraform/modules/function/extension-layers.csv").read_text().splitlines()
    header, rows = lines[0].split(","), [dict(zip(lines[0].split(","), line.split(","))) for line in lines[1:]]
    assert header == ["region", "partition", "account", "x86_64_layer_version", "arm64_layer_version"]
    assert {r["region"]: r["account"] for r in rows}["us-west-2"] == "345057560386"
    assert all(len(r["account"]) == 12 and r["x86_64_layer_version"].isdigit() for r in rows)


def test_sandbox_lock_file_pins_the_mirrored_provider() -> None:
    """The committed lock file selects exactly the provider the mirror holds."""
    lock = (ROOT / "terraform/envs/sandbox/.terraform.lock.hcl").read_text()
    assert f'version     = "{toolchain.PROVIDER_VERSION}"' in lock
    assert json.dumps(toolchain.PROVIDER_VERSION) in lock


def test_module_readmes_match_the_declarations() -> None:
    """Each module README's inputs/outputs tables are what scripts/module_docs.py generates."""
    from scripts import module_docs

    for directory in module_docs.module_dirs():
        readme = (directory / "README.md").read_text()
        assert module_docs.render(readme, directory) == readme, f"{directory.name}/README.md is stale: run make docs"
        for line in (directory / "variables.tf").read_text().splitlines():
            if line.startswith("variable "):
                assert f"| `{line.split(chr(34))[1]}` |" in readme


def test_module_docs_notice_a_new_input(tmp_path: Path) -> None:
    """Adding a variable makes the README stale (the check can fail)."""
    import shutil

    from scripts import module_docs

    source = ROOT / "terraform/modules/secret"
    copy = tmp_path / "secret"
    shutil.copytree(source, copy)
    with (copy / "variables.tf").open("a") as handle:
        handle.write('\nvariable "brand_new" {\n  type        = string\n  description = "New."\n  default     = "x"\n}\n')
    readme = (copy / "README.md").read_text()
    assert "brand_new" in module_docs.render(readme, copy) and module_docs.render(readme, copy) != readme
