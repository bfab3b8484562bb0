"""Where a plan's configuration lives in the repository: the root, each module's directory, each declaration's line.

The plan JSON names no file. `Sources.locate(plan, env)` finds the root directory under
terraform/ whose declarations (resources, data sources, module calls, variables) are the
plan's root module's: the sandbox root is planned from a rewritten copy under build/ and
the AWS environments share terraform/envs/aws/, so the directory is recognised by what it
declares, never by the environment's name. Module directories follow the configuration's
`source` paths from there. The tfvars file is the root's `<env>.tfvars`, else its
`terraform.tfvars`.

Line lookups read the files as text (a declaration is `resource "type" "name" {` on one
line in any formatted Terraform); the HCL itself is parsed only for what resolve.py evaluates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scripts.common import ROOT

TERRAFORM = ROOT / "terraform"
_DECLARATION = re.compile(r'^[ \t]*(resource|data|module|variable)[ \t]+"([^"]+)"(?:[ \t]+"([^"]+)")?[ \t]*\{', re.M)
_KEY = r'^[ \t]*(?:"{key}"|{key})[ \t]*='  # a key of a map or an argument in a tfvars file


def _declared(directory: Path) -> set[str]:
    """The addresses a directory declares: "aws_kms_key.app", "data.aws_partition.current", "module.stack", "var.env"."""
    found = set()
    for path in directory.glob("*.tf"):
        for kind, first, second in _DECLARATION.findall(path.read_text(errors="replace")):
            found.add(
                {"resource": f"{first}.{second}", "data": f"data.{first}.{second}", "module": f"module.{first}"}.get(
                    kind, f"var.{first}"
                )
            )
    return found


def _planned(module: dict[str, Any]) -> set[str]:
    found = {r["address"] for r in module.get("resources", [])}
    found |= {f"module.{name}" for name in module.get("module_calls", {})}
    return found | {f"var.{name}" for name in module.get("variables", {})}


@dataclass
class Sources:
    """The repository's files behind one plan: its root, its tfvars, its module directories."""

    root: Path
    tfvars: Path | None
    configuration: dict[str, Any]
    repository: Path = ROOT
    _texts: dict[Path, list[str]] = field(default_factory=dict, repr=False)

    @classmethod
    def locate(cls, plan: dict[str, Any], env: str, base: Path = TERRAFORM, repository: Path = ROOT) -> Sources | None:
        """The sources of a plan: the directory under `base` declaring exactly what the plan's root module declares."""
        root_module = plan.get("configuration", {}).get("root_module")
        if not root_module or not base.is_dir():
            return None
        wanted = _planned(root_module)
        candidates = sorted({p.parent for p in base.rglob("*.tf") if ".terraform" not in p.parts and "tests" not in p.parts})
        matches = [d for d in candidates if _declared(d) == wanted]
        if len(matches) != 1:
            return None
        root = matches[0]
        tfvars = next((p for p in (root / f"{env}.tfvars", root / "terraform.tfvars") if p.is_file()), None)
        return cls(root, tfvars, plan["configuration"], repository)

    def relative(self, path: Path) -> str:
        return path.resolve().relative_to(self.repository.resolve()).as_posix()

    def module_dir(self, names: tuple[str, ...]) -> Path | None:
        """The directory of the module at a configuration path (("stack", "function")), following local sources."""
        directory, module = self.root, self.configuration.get("root_module", {})
        for name in names:
            call = module.get("module_calls", {}).get(name)
            if call is None:
                return None
            source = str(call.get("source", ""))
            if not source.startswith(("./", "../")):
                return None  # a registry or git module: not in this repository
            directory, module = (directory / source).resolve(), call.get("module", {})
        return directory

    def lines(self, path: Path) -> list[str]:
        if path not in self._texts:
            self._texts[path] = path.read_text(errors="replace").splitlines()
        return self._texts[path]

    def declaration(self, names: tuple[str, ...], kind: str, labels: tuple[str, ...]) -> tuple[str, int] | None:
        """(repository-relative file, 1-based line) of a `kind "label" "label" {` block in the module at `names`."""
        directory = self.module_dir(names)
        if directory is None:
            return None
        quoted = r"[ \t]+".join(f'"{re.escape(label)}"' for label in labels)
        pattern = re.compile(rf"^[ \t]*{kind}[ \t]+{quoted}[ \t]*\{{")
        for path in sorted(directory.glob("*.tf")):
            for number, line in enumerate(self.lines(path), 1):
                if pattern.match(line):
                    return self.relative(path), number
        return None

    def tfvars_entry(self, keys: list[str]) -> tuple[str, int] | None:
        """(file, line) of the tfvars entry behind instance keys: each key found after the one before it."""
        if self.tfvars is None or not keys:
            return None
        lines, start, found = self.lines(self.tfvars), 0, None
        for key in keys:
            pattern = re.compile(_KEY.format(key=re.escape(key)))
            found = next((i for i in range(start, len(lines)) if pattern.match(lines[i])), None)
            if found is None:
                return None
            start = found + 1
        assert found is not None
        return self.relative(self.tfvars), found + 1
