"""The rule registry (scripts/review/rules/): one module and one test file per rule; IDs, SARIF, --fail-on and docs from it."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from scripts import docs_check, review
from scripts.review.model import FAIL_ON, Severity, tripped
from scripts.review.rule import GrantRule, PlanRule, PolicyRule, ResourceRule
from scripts.review.rules import by_id, module_of, registry
from scripts.review.sarif import render_sarif
from tests.conftest import ROOT

TESTS = ROOT / "tests/unit/review_rules"


def test_every_rule_has_its_own_test_file_with_a_case_that_trips_it_and_one_that_does_not() -> None:
    """tests/unit/review_rules/test_<module>.py names the rule's ID and holds at least two tests."""
    for rule in registry():
        path = TESTS / f"test_{module_of(rule)}.py"
        assert path.is_file(), f"{rule.id} has no test file {path.relative_to(ROOT)}"
        text = path.read_text()
        tests = [n for n in ast.walk(ast.parse(text)) if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")]
        assert rule.id in text and len(tests) >= 2, (rule.id, path.name)


def test_every_rule_test_file_belongs_to_a_rule() -> None:
    modules = {module_of(rule) for rule in registry()}
    orphans = [p.name for p in TESTS.glob("test_*.py") if p.stem.removeprefix("test_") not in modules]
    assert orphans == []


def test_ids_are_stable_tokens_unique_and_never_derived_from_titles() -> None:
    """IAM001-style IDs, each used once; former IDs are not current ones; titles unique too."""
    rules = registry()
    assert all(re.fullmatch(r"[A-Z]+\d{3}", r.id) for r in rules)
    assert len({r.id for r in rules}) == len({r.title for r in rules}) == len(rules) == 62
    assert not {p for r in rules for p in r.previous_ids} & {r.id for r in rules}
    for rule in rules:
        assert isinstance(rule.severity, Severity) and rule.why and rule.title
        assert isinstance(rule, (ResourceRule, PolicyRule, GrantRule, PlanRule))


def test_a_module_with_two_rules_or_a_repeated_id_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The registry checks its own invariants, so a wrong rule file cannot slip in."""
    import scripts.review.rules as rules

    body = (
        "from scripts.review.model import Severity\nfrom scripts.review.rule import PlanRule\n\n"
        "class A(PlanRule):\n    id = 'X001'\n    title = 'a'\n    severity = Severity.LOW\n    why = 'w'\n"
        "    def scan(self, view):\n        return []\n"
    )
    cases = {
        "repeated_ids": ({"one.py": body, "two.py": body.replace("'a'", "'b'")}, "rule IDs used twice: X001"),
        "two_rules": ({"one.py": body + body.replace("class A", "class B")}, "two_rules.one defines 2 rules"),
    }
    monkeypatch.syspath_prepend(str(tmp_path))
    for name, (files, message) in cases.items():
        package = tmp_path / name
        package.mkdir()
        (package / "__init__.py").write_text("")
        for file, text in files.items():
            (package / file).write_text(text)
        with monkeypatch.context() as patch:
            patch.setattr(rules, "__path__", [str(package)])
            patch.setattr(rules, "__name__", name)
            rules.registry.cache_clear()
            with pytest.raises(RuntimeError, match=message):
                rules.registry()
    rules.registry.cache_clear()
    assert len(rules.registry()) == 62


def test_sarif_rule_ids_survive_a_new_title(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rewording a title changes the rule's name in SARIF, never its ID (code-scanning history keys on the ID)."""
    plan = {
        "format_version": "1.2",
        "resource_changes": [
            {"address": "aws_kms_key.k", "type": "aws_kms_key", "name": "k", "mode": "managed",
             "change": {"actions": ["delete"], "before": {}, "after": None}},
        ],
    }  # fmt: skip
    rule = by_id()["LIFE005"]
    before = json.loads(render_sarif(review.review(plan, "dev", review.load_usage(None)), None))
    monkeypatch.setattr(type(rule), "title", "KMS key on its way out")
    after = json.loads(render_sarif(review.review(plan, "dev", review.load_usage(None)), None))
    assert before["runs"][0]["results"][0]["ruleId"] == after["runs"][0]["results"][0]["ruleId"] == "LIFE005"
    described = {r["id"]: r for r in after["runs"][0]["tool"]["driver"]["rules"]}
    assert described["LIFE005"]["shortDescription"]["text"] == "KMS key on its way out"
    assert described["LIFE005"]["deprecatedIds"] == ["kms-key-scheduled-for-deletion"]
    assert set(described) >= {r.id for r in registry()}


def test_fail_on_levels_come_from_the_one_severity_order() -> None:
    """--fail-on's choices are the enum's values plus none; the order is the enum's declaration order."""
    assert FAIL_ON == ("high", "medium", "low", "none") and [s.rank for s in Severity] == [0, 1, 2]
    risks = [review.Risk(s, "a", "t", "d") for s in Severity]
    assert [len(tripped(risks, level)) for level in FAIL_ON] == [1, 2, 3, 0]
    shown = subprocess.run([sys.executable, "-m", "scripts.review", "--help"], capture_output=True, text=True, cwd=ROOT)
    assert "{high,medium,low,none}" in shown.stdout


def test_list_rules_prints_the_registry() -> None:
    shown = subprocess.run([sys.executable, "-m", "scripts.review", "--list-rules"], capture_output=True, text=True, cwd=ROOT)
    assert shown.returncode == 0
    assert [line.split()[0] for line in shown.stdout.splitlines()] == [r.id for r in registry()]


def test_the_docs_rule_table_is_the_registrys_and_a_stale_one_is_reported(tmp_path: Path) -> None:
    """docs/plan-review.md holds exactly the generated table (make lint runs this check); a changed row is caught."""
    assert docs_check.rule_table_problems() == []
    page = tmp_path / "docs" / "plan-review.md"
    page.parent.mkdir()
    text = (ROOT / "docs/plan-review.md").read_text()
    page.write_text(text.replace("| `IAM001` | high |", "| `IAM001` | low |"))
    assert docs_check.rule_table_problems(tmp_path) == [
        "docs/plan-review.md: the rule table differs from scripts/review/rules/; run python -m scripts.docs_check --write"
    ]
    docs_check.write_rule_table(tmp_path)
    assert docs_check.rule_table_problems(tmp_path) == []
    assert "| `POL011` | medium | policy the review does not model |" in page.read_text()
