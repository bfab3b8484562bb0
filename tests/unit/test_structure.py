"""The shape of scripts/: layers that read top-down, no import circles, one place that knows the sandbox."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts"

# Lower number = lower layer. A module may import only from its own layer's package or below.
LAYERS = {  # the first matching prefix decides
    "scripts.review.__main__": 4,  # commands inside a package of parts
    "scripts.review.post": 4,
    "scripts.ci.__main__": 4,
    "scripts.common": 0,
    "scripts.config": 1,
    "scripts.deployment": 1,
    "scripts.toolchain": 1,
    "scripts.package": 1,
    "scripts.checkov": 1,
    "scripts.terraform": 1,
    "scripts.terraform_errors": 1,
    "scripts.iam": 1,
    "scripts.aws_errors": 1,
    "scripts.ci": 1,
    "scripts.review": 1,
    "scripts.rotation_status": 1,
    "scripts.sandbox": 1,
    "scripts.targets": 2,
    "scripts.flows": 3,
}
COMMAND_LAYER = 4  # everything else: cli, lint, bench, module_docs, module_tests


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(name: str) -> int:
    for prefix, number in LAYERS.items():
        if name == prefix or name.startswith(prefix + "."):
            return number
    return COMMAND_LAYER


def imports(path: Path) -> set[str]:
    """Every scripts.* module `path` imports, at the top or inside functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("scripts"):
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                path = ROOT / Path(*candidate.split("."))
                found.add(candidate if path.with_suffix(".py").exists() or (path / "__init__.py").exists() else node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("scripts"))
    return found


def graph() -> dict[str, set[str]]:
    return {module_name(p): imports(p) for p in SCRIPTS.rglob("*.py")}


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import circle, as a list of modules, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for other in sorted(edges.get(node, ())):
            if state.get(other) == 1:
                return stack[stack.index(other) :] + [other]
            if other not in state and (found := visit(other)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_circle() -> None:
    """No module reaches itself through imports (function-local imports included)."""
    assert find_cycle(graph()) is None, " -> ".join(find_cycle(graph()) or [])


def test_the_cycle_finder_finds_a_circle() -> None:
    """The check itself can fail."""
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_imports_go_down_the_layers() -> None:
    """commands -> flows -> targets -> terraform/aws/review/sandbox -> common: never upwards."""
    upward = [
        f"{source} (layer {layer(source)}) imports {target} (layer {layer(target)})"
        for source, targets in graph().items()
        for target in targets
        if layer(target) > layer(source)
    ]
    assert not upward, upward


def test_sandbox_holds_only_stand_ins_for_aws() -> None:
    """scripts/sandbox/ imports nothing from the layers above it (targets, flows, commands)."""
    for source, targets in graph().items():
        if source.startswith("scripts.sandbox"):
            assert all(layer(t) <= 1 for t in targets), (source, targets)


def test_only_the_target_compares_the_environment_name() -> None:
    """No comparison with "sandbox" (the literal or the SANDBOX constant) outside scripts/targets.py, and
    scripts/config.py, which maps each environment to its files (and the Makefile)."""
    comparison = re.compile(
        r"""(==|!=)\s*(["']sandbox["']|(config\.)?SANDBOX\b)|(["']sandbox["']|\bSANDBOX)\s*(==|!=)|\bin\s*\(?["']sandbox["']"""
    )
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in SCRIPTS.rglob("*.py")
        if path.name not in ("targets.py", "config.py")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if comparison.search(line)
    ]
    assert not offenders, offenders
    assert comparison.search('if env == "sandbox":') and comparison.search("'sandbox' != env")
    assert comparison.search("if env == config.SANDBOX:") and comparison.search("e != SANDBOX")
