"""LIMIT002 (scripts/review/rules/limit_role_inline_policies.py): one role's inline policies over 10,240 characters."""

from tests.unit.review_rules._plans import findings, plan, rc
from tests.unit.review_rules.test_limit_managed_policy import sized

ROLE = 'module.stack["pay"].module.function.aws_iam_role.this'
HALF = 5120


def _role(actions: list[str] | None = None, blocks: list[dict] | None = None, **change: object) -> dict:
    values = {"name": "pay-fn", "inline_policy": blocks or []}
    actions = actions or ["create"]
    return rc(ROLE, "aws_iam_role", actions, None if actions == ["create"] else values, values, **change)


def _put(name: str, text: str | None, role: str | None = "pay-fn", actions: list[str] | None = None, **change: object) -> dict:
    address = f'module.stack["pay"].module.function.aws_iam_role_policy.{name}'
    values = {"name": name, "role": role, "policy": text}
    actions = actions or ["create"]
    before = None if actions == ["create"] else values
    return rc(address, "aws_iam_role_policy", actions, before, None if actions == ["delete"] else values, **change)


def test_two_policies_of_one_role_sum_to_10240_pass_and_10241_is_high_naming_app_role_size_and_fix() -> None:
    """Measured without white space (sized() writes each document indented)."""
    assert findings("LIMIT002", plan(_role(), _put("a", sized(HALF)), _put("b", sized(HALF)))) == []
    (risk,) = findings("LIMIT002", plan(_role(), _put("a", sized(HALF)), _put("b", sized(HALF + 1))))
    assert (risk.rule, risk.severity.value, risk.address) == ("LIMIT002", "high", ROLE)
    assert risk.detail.startswith("app pay: ")
    assert f"the inline policies of {ROLE} (2) count 10,241 characters without white space, over IAM's 10,240" in risk.detail
    assert "move some statements into a managed policy" in risk.detail


def test_each_role_counts_alone() -> None:
    other = _put("b", sized(HALF + 1), role="other-role")
    assert findings("LIMIT002", plan(_role(), _put("a", sized(HALF)), other)) == []


def test_inline_policy_blocks_count_and_a_policy_shown_on_both_counts_once() -> None:
    """The role's inline_policy reads every inline policy, the role policies' too: one name counts once."""
    blocks = [{"name": "a", "policy": sized(HALF + 1)}]
    assert findings("LIMIT002", plan(_role(["update"], blocks), _put("a", sized(HALF + 1), actions=["no-op"]))) == []
    assert len(findings("LIMIT002", plan(_role(["no-op"], blocks), _put("b", sized(HALF))))) == 1


def test_a_deleted_policy_no_longer_counts() -> None:
    blocks = [{"name": "a", "policy": sized(HALF)}, {"name": "b", "policy": sized(HALF)}]
    changes = (_role(["no-op"], blocks), _put("b", sized(HALF), actions=["delete"]), _put("c", sized(HALF)))
    assert findings("LIMIT002", plan(*changes)) == []


def test_the_role_found_by_reference_when_its_name_is_known_only_after_apply() -> None:
    """role = aws_iam_role.this.id: unknown at the first plan; the configuration's reference names the role."""
    references = {"role": {"references": ["aws_iam_role.this.id", "aws_iam_role.this"]}}
    resources = [{"address": f"aws_iam_role_policy.{n}", "expressions": references} for n in ("a", "b")]
    configuration = {
        "root_module": {
            "module_calls": {"stack": {"module": {"module_calls": {"function": {"module": {"resources": resources}}}}}}
        }
    }
    puts = []
    for name, size in (("a", HALF), ("b", HALF + 1)):
        put = _put(name, sized(size), role=None, after_unknown={"role": True})
        put["module_address"] = 'module.stack["pay"].module.function'
        puts.append(put)
    (risk,) = findings("LIMIT002", plan(_role(), *puts, configuration=configuration))
    assert risk.address == ROLE and "10,241" in risk.detail


def test_documents_known_only_after_apply_are_not_guessed_and_an_unchanged_role_is_not_reported() -> None:
    unknown = _put("b", None, after_unknown={"policy": True})
    assert findings("LIMIT002", plan(_role(), _put("a", sized(HALF)), unknown)) == []
    (risk,) = findings("LIMIT002", plan(_role(), _put("a", sized(2 * HALF + 1)), unknown))
    assert "count at least 10,241 characters" in risk.detail
    blocks = [{"name": "a", "policy": sized(2 * HALF + 1)}]
    assert findings("LIMIT002", plan(_role(["no-op"], blocks))) == []
