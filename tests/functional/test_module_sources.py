"""The README's git:: source works: Terraform fetches each module at the version's tag from a Git repository.

The repository URL in the READMEs is a placeholder; here it is replaced by a local bare
clone of this repository with the tag v<VERSION> on its HEAD, and `terraform get` (the
module installer `terraform init` uses) fetches the module and its relative sources.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from scripts import module_docs, toolchain

pytestmark = pytest.mark.functional
ROOT = Path(__file__).resolve().parents[2]


def git(*args: str, cwd: Path | None = None) -> str:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com"}
    env |= {"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True).stdout


def test_every_readme_source_is_fetched_at_the_tag(tmp_path: Path) -> None:
    """Each module README's source, pointed at a local copy, installs that module (and the stack's own modules)."""
    repository = tmp_path / "lambda-secrets-kit.git"
    git("clone", "-q", "--bare", str(ROOT), str(repository))
    tag = f"v{module_docs.version()}"
    git("tag", "-f", tag, "HEAD", cwd=repository)  # this checkout may hold the released tag elsewhere: the test tags HEAD
    git("tag", "v0.0.0-other", "HEAD~1", cwd=repository)  # a second tag: the right one must be chosen
    root = tmp_path / "root"
    root.mkdir()
    blocks = []
    for directory in module_docs.module_dirs():
        source = re.search(r'source = "(git::[^"]+)"', (directory / "README.md").read_text())
        assert source, directory
        local = source[1].replace(module_docs.REPOSITORY_URL, f"file://{repository}")
        blocks.append(f'module "{directory.name}" {{\n  source = "{local}"\n}}\n')
    (root / "main.tf").write_text("\n".join(blocks))
    env = {**os.environ, "TF_CLI_CONFIG_FILE": os.devnull, "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1"}
    result = subprocess.run(
        [toolchain.load().terraform, f"-chdir={root}", "get", "-no-color"], capture_output=True, text=True, env=env
    )
    assert result.returncode == 0, result.stdout + result.stderr
    installed = (root / ".terraform/modules/modules.json").read_text()
    for directory in module_docs.module_dirs():
        assert f'"Key":"{directory.name}"' in installed.replace(" ", ""), directory.name
    assert '"Key":"stack.function"' in installed.replace(" ", "")  # the stack's ../modules/function resolved
    fetched = next((root / ".terraform/modules").glob("secret/terraform/modules/secret/main.tf"))
    assert fetched.read_bytes() == git("show", f"{tag}:terraform/modules/secret/main.tf", cwd=repository).encode()
