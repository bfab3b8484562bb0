"""The one bridge between the modules (written for a current AWS provider) and the
sandbox's offline provider 3.39.0.

`prepare()` copies terraform/modules, terraform/stack and terraform/envs/sandbox to
build/sandbox-tf/ and applies REWRITES to the copy, nothing else. Each rewrite must
match at least once: a rewrite that no longer matches means the modules changed and
the bridge must be looked at again, so it fails loudly instead of passing silently.
What each rewrite takes away is what the sandbox does not exercise (docs/sandbox.md, "What the
sandbox does not exercise").
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from scripts.common import BUILD, ROOT, VERBOSE, UserError, say

SOURCE = ROOT / "terraform"
TARGET = BUILD / "sandbox-tf"
COPIED = ("modules", "stack", "envs/sandbox", "examples")
ROOT_DIR = TARGET / "envs" / "sandbox"


@dataclass(frozen=True)
class Rewrite:
    """Replace `pattern` (a regex, multiline) in the files matching `files`."""

    files: str  # glob under build/sandbox-tf
    pattern: str
    replacement: str
    why: str


def _unavailable(what: str, never_true: str) -> str:
    """A lifecycle block that fails the plan if the rewritten resource is ever used in the sandbox."""
    return (
        "  # sandbox bridge: write-only arguments removed\n"
        f"  lifecycle {{\n    precondition {{\n      condition     = {never_true}\n"
        f'      error_message = "Not in the sandbox: {what}; use make put-secret instead."\n'
        "    }\n  }\n"
    )


REWRITES = (
    Rewrite(
        files="*/**/versions.tf",
        pattern=r'version = ">= 5\.88"',
        replacement='version = ">= 3.39.0" # sandbox bridge: was ">= 5.88"',
        why="the offline provider is 3.39.0; the modules require >= 5.88",
    ),
    Rewrite(
        files="modules/function/main.tf",
        pattern=r"^(\s*)architectures\s*=\s*\[var\.architecture\]\n",
        replacement=r"\1# sandbox bridge: architectures removed (provider 3.39 has no such argument)\n",
        why="`architectures` arrived in provider 3.61: the sandbox function has moto's default (x86_64)",
    ),
    Rewrite(
        files="modules/function/main.tf",
        pattern=r"^(\s*)runtime(\s*)=\s*var\.runtime\n",
        replacement=r'\1runtime\2= "python3.8" # sandbox bridge: provider 3.39 rejects newer runtimes\n',
        why="provider 3.39 rejects runtimes newer than python3.8: moto records python3.8; "
        "the local runner runs the handler with this machine's Python",
    ),
    Rewrite(
        files="modules/parameters/main.tf",
        pattern=r"^(\s*)insecure_value(\s*)= each\.value\.value\n",
        replacement=r"\1value\2= each.value.value # sandbox bridge: provider 3.39 has no insecure_value\n",
        why="provider 3.39 has no `insecure_value`: String parameters use `value` (shown as sensitive in sandbox plans)",
    ),
    Rewrite(
        files="modules/secret/main.tf",
        pattern=r'(?s)\n  dynamic "replica" \{.*?\n  \}\n',
        replacement="\n  # sandbox bridge: replica blocks removed (provider 3.39 has none)\n",
        why="provider 3.39 has no secret `replica` block: replicas are not created in the sandbox",
    ),
    Rewrite(
        files="modules/secret/main.tf",
        pattern=r"  secret_string_wo +=.*\n  secret_string_wo_version +=.*\n",
        replacement=_unavailable("write-only secret values (secret_string_wo) need AWS provider >= 5.88", "count.index < 0"),
        why="provider 3.39 has no write-only arguments: the secret module's secret_string_wo opt-in fails in the sandbox",
    ),
    Rewrite(
        files="stack/main.tf",
        pattern=r"^(\s*)enable_rotation(\s*)= each\.value\.rotation\.strategy != \"none\"\n",
        replacement=r"\1enable_rotation\2= false # sandbox bridge: no rotation schedule (make rotate runs the steps)\n",
        why="moto's RotateSecret cannot run the rotation function (no Docker): the sandbox has no rotation resource; "
        "make rotate configures the rotation on moto and runs the four steps through the local runner "
        "(scripts/sandbox/rotate_secret.py)",
    ),
    Rewrite(
        files="modules/secret/main.tf",
        pattern=r"^  rotate_immediately +=.*\n((?:.*\n)*?)    schedule_expression +=.*\n    duration +=.*\n",
        replacement=r"  # sandbox bridge: rotate_immediately, schedule_expression and duration removed\n\1",
        why="provider 3.39's secret rotation has no rotate_immediately, schedule_expression or duration "
        "(the sandbox configures no rotation resource anyway: the stack's rewrite above)",
    ),
    Rewrite(
        files="modules/parameters/main.tf",
        pattern=r"  value_wo +=.*\n  value_wo_version +=.*\n",
        replacement='  value = "unused"\n'
        + _unavailable("write-only SecureStrings (value_wo) need AWS provider >= 5.87", 'each.key == ""'),
        why="provider 3.39 has no write-only arguments: SecureStrings through the parameters module fail in the sandbox",
    ),
)


PROVIDER_FILE = SOURCE / "envs" / "sandbox" / "provider.tf"


def sandbox_provider(endpoint: str, region: str | None) -> str:
    """The sandbox root's provider block (terraform/envs/sandbox/provider.tf) with the endpoint
    and region filled in, for the module tests and the examples.

    region None: no region line (an example's own provider block keeps its region, since
    Terraform merges a *_override.tf file into the configuration).
    """
    text = PROVIDER_FILE.read_text()
    block = text[text.index('provider "aws" {') :]
    block = block.replace("var.sandbox_endpoint", f'"{endpoint}"')
    block = re.sub(r"^  region +=.*\n", f'  region = "{region}"\n' if region else "", block, flags=re.MULTILINE)
    return "# sandbox bridge: the sandbox's provider configuration (terraform/envs/sandbox/provider.tf)\n" + block + "\n"


def apply_rewrites(base: Path, rewrites: tuple[Rewrite, ...] = REWRITES) -> list[tuple[Rewrite, list[str]]]:
    """Apply each rewrite under `base`; return (rewrite, files changed). Fails if one matches nothing."""
    done = []
    for rewrite in rewrites:
        changed = []
        for path in sorted(base.glob(rewrite.files)):
            text = path.read_text()
            new, count = re.subn(rewrite.pattern, rewrite.replacement, text, flags=re.MULTILINE)
            if count:
                path.write_text(new)
                changed.append(str(path.relative_to(base)))
        if not changed:
            raise UserError(
                f"sandbox bridge: rewrite '{rewrite.why}' matched nothing in {rewrite.files}; "
                "the modules changed: update REWRITES in scripts/sandbox/bridge.py"
            )
        done.append((rewrite, changed))
    return done


def _write_copy(target: Path, endpoint: str) -> list[str]:
    """The bridged copy at `target`; returns one line per rewrite (what it changed, where)."""
    for part in COPIED:
        shutil.copytree(
            SOURCE / part,
            target / part,
            ignore=shutil.ignore_patterns(".terraform", "*.tfstate*", "*.tfplan", "backend.hcl"),
        )
    done = apply_rewrites(target)
    for test_file in [*target.glob("modules/*/tests/*.tftest.hcl"), *target.glob("stack/tests/*.tftest.hcl")]:
        test_file.write_text(sandbox_provider(endpoint, "us-east-1") + test_file.read_text())
    for example in target.glob("examples/*/"):
        (example / "sandbox_override.tf").write_text(sandbox_provider(endpoint, None))
    lines = [f"- {r.why} ({', '.join(files)})" for r, files in done]
    (target / "BRIDGE.txt").write_text(
        "What the sandbox bridge changed in this copy (scripts/sandbox/bridge.py):\n" + "\n".join(lines) + "\n"
    )
    return lines


def _tree(base: Path) -> dict[str, bytes]:
    """Every file of a copy (Terraform's own data directories aside), by relative path."""
    return {
        str(p.relative_to(base)): p.read_bytes()
        for p in sorted(base.rglob("*"))
        if p.is_file() and ".terraform" not in p.parts and not p.name.endswith(".tfplan")
    }


def prepare(endpoint: str, quiet: bool = False) -> Path:
    """The bridged copy for the sandbox at `endpoint`, up to date; return the sandbox root in it.

    The copy is built beside the current one and swapped in only when it differs, so an
    unchanged copy is never touched: a command reading it while another prepares is safe,
    and `terraform init` can be skipped when nothing changed.
    """
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(prefix="sandbox-tf.", dir=TARGET.parent))
    try:
        lines = _write_copy(fresh, endpoint)
        changed = not (TARGET.is_dir() and _tree(TARGET) == _tree(fresh))
        if changed:
            old = TARGET.with_name(f"{fresh.name}.old")
            if TARGET.exists():
                TARGET.rename(old)
            fresh.rename(TARGET)
            shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(fresh, ignore_errors=True)
    if changed or not quiet:  # the rewrites themselves: VERBOSE=1, or build/sandbox-tf/BRIDGE.txt
        where = os.path.relpath(TARGET / "BRIDGE.txt", ROOT)
        say(f"sandbox bridge: {len(lines)} rewrites for AWS provider 3.39.0 ({'listed in ' + where if quiet else 'below'})")
        for line in lines if not quiet or VERBOSE else []:
            say(f"  {line}")
    return ROOT_DIR
