"""LIMIT002: the inline policies of one IAM role together over IAM's 10,240 characters, white space not counted."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from scripts.review.limits import ROLE_INLINE_CHARS, document_text, has_unknown, of_app, policy_chars
from scripts.review.model import Risk, Severity
from scripts.review.plan import as_list
from scripts.review.resolve import resolved
from scripts.review.rule import PlanRule
from scripts.review.view import Change, PlanView

_STAND_IN = "(known after apply: "


@dataclass
class _Role:
    """What one role will hold: its inline policies by name (or by address when the name is unknown)."""

    address: str  # the role's address, or the first policy's when the role is not in the plan
    label: str
    policies: dict[str, int] = field(default_factory=dict)
    unknown: bool = False  # some policy of the role is not measured: the total is a lower bound
    changed: bool = False  # the plan changes the role or one of its inline policies


class RoleInlinePoliciesTooLarge(PlanRule):
    """IAM's quotas, "For inline policies": "the total aggregate policy size (the sum size of all
    inline policies) per entity can't exceed the following limits: ... Role policy size can't
    exceed 10,240 characters." and "IAM doesn't count white space when calculating the size of
    a policy against these limits." (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).

    Sums, per role, its `inline_policy` blocks and the `aws_iam_role_policy` resources that name
    it (by the role's name, or by reference when the name is known only after apply); a policy
    of the same name counts once. Inline policies the plan does not show (a role outside it)
    are not counted, nor documents known only after apply: the sum is reported only when the
    known part alone is over.
    """

    id = "LIMIT002"
    title = "role's inline policies over 10,240 characters"
    severity = Severity.HIGH
    why = "IAM refuses the last policy put on the role, so the apply fails part-way"

    def scan(self, view: PlanView) -> Iterator[Risk]:
        roles: dict[str, _Role] = {}
        by_name: dict[str, str] = {}
        for change in view.by_type.get("aws_iam_role", ()):
            if not change.destroys:
                self._role_blocks(change, roles, by_name)
        for change in view.by_type.get("aws_iam_role_policy", ()):
            key = self._role_of(change, view, roles, by_name)
            if key is None:
                continue
            role = roles.setdefault(key, _Role(change.address, f"role {key.removeprefix('name:')}"))
            name = change.after.get("name") if not change.destroys else change.before.get("name")
            slot = name if isinstance(name, str) and not change.unknown("name") else change.address
            role.changed |= not change.noop
            if change.destroys:
                role.policies.pop(slot, None)
                continue
            text = document_text(view, change, "policy")
            if text is None:
                role.unknown = True
                role.policies.pop(slot, None)
            else:
                role.policies[slot] = policy_chars(text)
        for role in roles.values():
            total = sum(role.policies.values())
            if role.changed and total > ROLE_INLINE_CHARS:
                measured = f"at least {total:,}" if role.unknown else f"{total:,}"
                yield self.risk(
                    role.address,
                    f"{of_app(role.address)}{self.why}: the inline policies of {role.label} ({len(role.policies)}) count "
                    f"{measured} characters without white space, over IAM's {ROLE_INLINE_CHARS:,} for all of them; "
                    "move some statements into a managed policy (6,144 characters each) or shorten them",
                )

    @staticmethod
    def _role_blocks(change: Change, roles: dict[str, _Role], by_name: dict[str, str]) -> None:
        role = roles[change.address] = _Role(change.address, change.address, changed=not change.noop)
        name = change.after.get("name")
        if isinstance(name, str) and name:
            by_name[name] = change.address
        role.unknown = has_unknown(change.after_unknown.get("inline_policy"))
        for block in as_list(change.after.get("inline_policy")):
            policy = block.get("policy") if isinstance(block, dict) else None
            if isinstance(policy, str) and policy:
                role.policies[str(block.get("name") or f"block {len(role.policies)}")] = policy_chars(policy)

    @staticmethod
    def _role_of(change: Change, view: PlanView, roles: dict[str, _Role], by_name: dict[str, str]) -> str | None:
        """The role a role policy is put on: a role of the plan by address, else "name:<role name>", or None if unknown."""
        values = change.before if change.destroys else change.after
        name = values.get("role")
        if isinstance(name, str) and name and not change.unknown("role"):
            return by_name.get(name, f"name:{name}")
        module = f"{change.module}." if change.module else ""
        for reference in change.references("role"):
            parts = reference.split(".")
            candidate = module + ".".join(parts[:2])
            if candidate in roles:
                return candidate
        value = resolved(view, change, "role")
        if isinstance(value, str) and value.startswith(_STAND_IN):
            candidate = value.removeprefix(_STAND_IN).rstrip(")").rsplit(".", 1)[0]
            if candidate in roles:
                return candidate
        return None
