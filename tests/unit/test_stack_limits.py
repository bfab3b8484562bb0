"""The stack's AWS limit checks stay true to what they measure (terraform/stack/main.tf, outputs.tf).

The checks themselves run as `terraform test` runs (terraform/stack/tests, make tf-test); these
test guards the one fact the stack restates: the write-own-logs policy it counts is the one
modules/function/main.tf writes.
"""

from __future__ import annotations

import re

from scripts.common import ROOT

STACK = ROOT / "terraform" / "stack"
FUNCTION = ROOT / "terraform" / "modules" / "function" / "main.tf"


def _jsonencoded_object(text: str, start: str) -> str:
    """The jsonencode({...}) argument that follows `start`, whitespace removed and the Resource line dropped."""
    at = text.index(start)
    opening = text.index("jsonencode({", at) + len("jsonencode(")
    depth = 0
    for end in range(opening, len(text)):
        depth += {"{": 1, "}": -1, "[": 1, "]": -1}.get(text[end], 0)
        if depth == 0:
            break
    body = text[opening : end + 1]
    body = "\n".join(line for line in body.splitlines() if not line.strip().startswith("Resource"))
    return re.sub(r"\s+", "", body)


def test_the_counted_write_own_logs_policy_is_the_one_the_function_module_writes() -> None:
    """The stack counts write-own-logs before its log group exists: same document as the module's, but its ARN."""
    module = _jsonencoded_object(FUNCTION.read_text(), 'resource "aws_iam_role_policy" "logs"')
    stack = _jsonencoded_object((STACK / "main.tf").read_text(), "logs_policy_chars =")
    assert module == stack
    resource = re.search(r'Resource = "(arn:[^"]+)"', (STACK / "main.tf").read_text().split("logs_policy_chars =")[1])
    assert resource is not None and resource[1].endswith("log-group:/aws/lambda/${name}:*")
