"""Team rules in Rego (scripts/review/rego.py, regopy): conftest's conventions, the two examples in policy/, errors.

Each test writes the smallest policy folder and plan that show one behaviour. The same
examples and a broken file are also run through `make plan` in
tests/functional/test_review_make_plan.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts import review
from scripts.common import UserError
from scripts.review.model import Severity
from scripts.review.rego import TeamRules, folder
from tests.conftest import ROOT

EXAMPLES = ROOT / "policy"


def _change(address: str, kind: str, after: dict, actions: tuple[str, ...] = ("create",)) -> dict:
    return {
        "address": address,
        "type": kind,
        "name": "x",
        "mode": "managed",
        "change": {"actions": list(actions), "after": after},
    }


def _plan(*changes: dict) -> dict:
    return {"format_version": "1.2", "terraform_version": "1.11.4", "resource_changes": list(changes)}


def _rules(tmp_path: Path, **files: str) -> TeamRules:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return TeamRules.load(tmp_path)


def _found(rules: TeamRules, plan: dict) -> list[tuple[str, str, str, str]]:
    risks = rules.evaluate(json.dumps(plan), [c["address"] for c in plan["resource_changes"]])
    return sorted((r.rule, r.severity.value, r.address, r.detail) for r in risks)


# --- the two examples --------------------------------------------------------------------------------

SECRET = 'module.stack["billing"].module.secret["secrets/api_key"].aws_secretsmanager_secret.this'


def test_required_tags_example_names_each_missing_tag_at_its_own_severity() -> None:
    """A secret without ManagedBy: one medium finding (the result's severity field, not deny's high), with its address."""
    plan = _plan(_change(SECRET, "aws_secretsmanager_secret", {"tags": {"App": "billing"}, "tags_all": {"Project": "kit"}}))
    assert _found(TeamRules.load(EXAMPLES), plan) == [
        ("rego:required-tags-on-secrets", "medium", SECRET, f"{SECRET} has no ManagedBy tag")
    ]


def test_required_tags_example_passes_a_tagged_secret_and_other_types() -> None:
    """Both tags (in tags, or in tags_all from the provider's default_tags), a parameter without tags, a destroy: nothing."""
    tagged = _change(
        SECRET, "aws_secretsmanager_secret", {"tags": {"Project": "p"}, "tags_all": {"Project": "p", "ManagedBy": "tf"}}
    )
    defaults = {"tags": None, "tags_all": {"Project": "p", "ManagedBy": "tf"}}  # Terraform writes null for no tags
    defaults_only = _change("aws_secretsmanager_secret.n", "aws_secretsmanager_secret", defaults)
    untagged_parameter = _change("aws_ssm_parameter.p", "aws_ssm_parameter", {"name": "/a/b/config/c", "type": "String"})
    destroyed = _change("aws_secretsmanager_secret.old", "aws_secretsmanager_secret", None, ("delete",))  # type: ignore[arg-type]
    assert _found(TeamRules.load(EXAMPLES), _plan(tagged, defaults_only, untagged_parameter, destroyed)) == []
    late = _change("aws_secretsmanager_secret.l", "aws_secretsmanager_secret", {"tags": None})
    late["change"]["after_unknown"] = {"tags_all": True}  # merged with default_tags only at apply: not judged
    assert _found(TeamRules.load(EXAMPLES), _plan(late)) == []
    no_tags = _change("aws_secretsmanager_secret.n", "aws_secretsmanager_secret", {"tags": None, "tags_all": None})
    assert [d for *_, d in _found(TeamRules.load(EXAMPLES), _plan(no_tags))] == [
        "aws_secretsmanager_secret.n has no ManagedBy tag",
        "aws_secretsmanager_secret.n has no Project tag",
    ]


def test_no_plain_secrets_example_refuses_a_string_under_secrets_in_its_namespace() -> None:
    """package kit.parameters, deny without a severity: high, rule ID from the package and kind."""
    address = 'module.stack["demo"].module.parameters.aws_ssm_parameter.plain["/dev/demo/secrets/token"]'
    plan = _plan(_change(address, "aws_ssm_parameter", {"name": "/dev/demo/secrets/token", "type": "String"}))
    ((rule, severity, where, detail),) = _found(TeamRules.load(EXAMPLES), plan)
    assert (rule, severity, where) == ("rego:kit.parameters/deny", "high", address)
    assert detail.endswith("/dev/demo/secrets/token is a String under a /secrets/ scope; make it a SecureString")


def test_no_plain_secrets_example_passes_securestrings_and_config() -> None:
    secure = _change("aws_ssm_parameter.a", "aws_ssm_parameter", {"name": "/e/a/secrets/t", "type": "SecureString"})
    config = _change("aws_ssm_parameter.b", "aws_ssm_parameter", {"name": "/e/a/config/url", "type": "String"})
    assert _found(TeamRules.load(EXAMPLES), _plan(secure, config)) == []


# --- conftest's conventions -----------------------------------------------------------------------------


def test_deny_violation_and_warn_in_any_package_with_their_default_severities(tmp_path: Path) -> None:
    """deny and violation are high, warn medium; a namespace is evaluated like main; strings and objects both work."""
    rules = _rules(
        tmp_path,
        **{
            "a.rego": 'package main\nimport rego.v1\ndeny contains "d"\nwarn contains {"msg": "w"}\n',
            "b.rego": 'package team.checks\nimport rego.v1\nviolation contains {"msg": "v"}\n',
        },
    )
    assert _found(rules, _plan()) == [
        ("rego:main/deny", "high", "(plan)", "d"),
        ("rego:main/warn", "medium", "(plan)", "w"),
        ("rego:team.checks/violation", "high", "(plan)", "v"),
    ]


def test_a_severity_field_overrides_the_kind_and_a_wrong_one_is_refused(tmp_path: Path) -> None:
    rules = _rules(tmp_path, **{"a.rego": 'package main\nimport rego.v1\ndeny contains {"msg": "m", "severity": "LOW"}\n'})
    assert _found(rules, _plan())[0][1] == "low"
    (tmp_path / "a.rego").write_text('package main\nimport rego.v1\ndeny contains {"msg": "m", "severity": "critical"}\n')
    with pytest.raises(UserError, match=r"a\.rego \(main\.deny\): severity 'critical' is not high, medium or low"):
        _found(TeamRules.load(tmp_path), _plan())


def test_a_result_without_msg_is_refused(tmp_path: Path) -> None:
    rules = _rules(tmp_path, **{"a.rego": 'package main\nimport rego.v1\ndeny contains {"message": "m"}\n'})
    with pytest.raises(UserError, match="a result without a msg string"):
        _found(rules, _plan())


def test_rego_v0_partial_sets_give_their_messages(tmp_path: Path) -> None:
    """`deny[msg] { ... }`, as most conftest policies are written, reads as its messages."""
    rules = _rules(
        tmp_path, **{"a.rego": "package main\ndeny[msg] {\n  some c in input.resource_changes\n  msg := c.address\n}\n"}
    )
    plan = _plan(_change("aws_sqs_queue.q", "aws_sqs_queue", {}))
    assert _found(rules, plan) == [("rego:main/deny", "high", "aws_sqs_queue.q", "aws_sqs_queue.q")]


def test_messages_with_quotes_and_backslashes_come_back_as_written(tmp_path: Path) -> None:
    """rego-cpp hands strings over JSON-escaped (input, policy literals, concat()); the review decodes them."""
    rules = _rules(
        tmp_path,
        **{
            "a.rego": "package main\nimport rego.v1\n"
            "deny contains m if { some c in input.resource_changes; m := c.change.after.name }\n"
            'warn contains "a \\"literal\\" with back\\\\slash and \\\\n"\n'
            'violation contains m if { some c in input.resource_changes; m := concat("", [c.change.after.name, "!"]) }\n'
        },
    )
    name = 'a "quoted" back\\slash and \\n, not a newline'
    plan = _plan(_change(SECRET, "aws_secretsmanager_secret", {"name": name}))
    assert [detail for *_, detail in _found(rules, plan)] == [name, name + "!", 'a "literal" with back\\slash and \\n']


# --- errors -------------------------------------------------------------------------------------------


def test_a_file_that_does_not_compile_is_refused_with_file_line_and_message(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """One line: path:line:column: rego's message; regopy's own multi-line print never reaches the terminal."""
    (tmp_path / "good.rego").write_text('package main\nimport rego.v1\ndeny contains "x" if { false }\n')
    (tmp_path / "broken.rego").write_text("package main\n\nimport rego.v1\n\ndeny contains msg if {\n  input.x == \n}\n")
    with pytest.raises(UserError) as raised:
        TeamRules.load(tmp_path)
    assert str(raised.value) == f"{tmp_path / 'broken.rego'}:6:11: Invalid boolean operator"
    out, err = capfd.readouterr()
    assert "Errors:" not in out + err


def test_an_undefined_function_is_refused_at_the_line_that_calls_it(tmp_path: Path) -> None:
    """rego-cpp reports it without a location while evaluating: the review finds the call."""
    (tmp_path / "a.rego").write_text("package main\nimport rego.v1\n\ndeny contains msg if {\n  msg := nosuch(1)\n}\n")
    rules = TeamRules.load(tmp_path)
    with pytest.raises(UserError, match=r"a\.rego:5:10: Function not found: nosuch"):
        _found(rules, _plan())


def test_a_rule_defined_twice_is_refused_with_the_file(tmp_path: Path) -> None:
    (tmp_path / "a.rego").write_text(
        'package main\nimport rego.v1\nx := 1\nx := 2\ndeny contains msg if { msg := sprintf("%v", [x]) }\n'
    )
    rules = TeamRules.load(tmp_path)
    with pytest.raises(UserError, match=r"a\.rego:5:1: rego-cpp gave no detail"):
        _found(rules, _plan())


def test_a_file_without_a_package_and_a_missing_folder_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a.rego").write_text("deny contains 1\n")
    with pytest.raises(UserError, match=r"a\.rego:1: no package declaration"):
        TeamRules.load(tmp_path)
    with pytest.raises(UserError, match="policy folder .*missing does not exist"):
        TeamRules.load(tmp_path / "missing")


def test_the_folder_is_the_flag_else_the_environment_else_policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REVIEW_POLICY", raising=False)
    assert folder(None) == EXAMPLES and folder(tmp_path) == tmp_path
    monkeypatch.setenv("REVIEW_POLICY", str(tmp_path / "env"))
    assert folder(None) == tmp_path / "env" and folder(tmp_path) == tmp_path


# --- in the review --------------------------------------------------------------------------------------


def test_team_findings_join_the_risks_count_toward_fail_on_and_are_masked(tmp_path: Path) -> None:
    """A team rule that echoes a sensitive value: the value is masked; the finding trips --fail-on high."""
    canary = "CANARY-team-rule-9876"
    rules = _rules(
        tmp_path,
        **{
            "a.rego": "package main\nimport rego.v1\ndeny contains m if {\n  some c in input.resource_changes\n"
            '  m := sprintf("%s holds %s", [c.address, c.change.after.value])\n}\n'
        },
    )
    change = _change("aws_ssm_parameter.p", "aws_ssm_parameter", {"name": "/a/b/c", "value": canary, "type": "SecureString"})
    change["change"]["after_sensitive"] = {"value": True}
    result = review.review(_plan(change), "dev", review.load_usage(None), team_rules=rules)
    (risk,) = result.risks
    assert (risk.source, risk.severity, risk.address) == ("rego", Severity.HIGH, "aws_ssm_parameter.p")
    assert canary not in json.dumps([risk.detail, review.render_markdown(result), review.render_json(result)])
    assert review.exit_code(result, "high") == 1
