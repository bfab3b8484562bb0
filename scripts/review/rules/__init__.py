"""The built-in rules: one module each in this folder, found by being here (see scripts/review/rule.py).

`registry()` imports every module here (names starting with "_" excepted), takes the one
concrete Rule class each defines, and returns them by ID. The SARIF rules, the table in
docs/plan-review.md (scripts/docs_check.py checks it), the exit code of --fail-on and the
review itself all read this one list. Adding a rule: one module here, one test file in
tests/unit/review_rules/ (a test checks that it exists), then `python -m scripts.docs_check --write`.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from functools import cache

from scripts.review.rule import Rule


@cache
def registry() -> tuple[Rule, ...]:
    """Every built-in rule, sorted by ID; a module without exactly one rule, or a repeated ID, is refused."""
    found: list[Rule] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        classes = [
            value
            for value in vars(module).values()
            if inspect.isclass(value) and issubclass(value, Rule) and value.__module__ == module.__name__
        ]
        concrete = [c for c in classes if not inspect.isabstract(c)]
        if len(concrete) != 1:
            raise RuntimeError(f"{module.__name__} defines {len(concrete)} rules; one module holds exactly one")
        found.append(concrete[0]())
    ids = [r.id for r in found]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise RuntimeError(f"rule IDs used twice: {', '.join(repeated)}")
    return tuple(sorted(found, key=lambda r: r.id))


def by_id() -> dict[str, Rule]:
    return {r.id: r for r in registry()}


def module_of(rule: Rule) -> str:
    """The rule's module name (its test is tests/unit/review_rules/test_<module>.py)."""
    return type(rule).__module__.rsplit(".", 1)[-1]
