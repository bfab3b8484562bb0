"""The stack creates the secret's rotation only after the invoke permission and the rotation role's policy.

The oracle is Terraform's own dependency graph (`terraform graph`, resources only) of the stack,
taken from the sandbox bridge's copy (the offline provider; the bridge rewrites nothing that
touches these dependencies). Without the order, Secrets Manager can invoke the function before
it may ("Secrets Manager cannot invoke the specified Lambda function", aws/aws-cdk#26481).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from scripts import toolchain
from scripts.common import run
from scripts.sandbox import bridge

ROTATION = "module.secret.aws_secretsmanager_secret_rotation.this"
EDGE = re.compile(r'^\s*"([^"]+)" -> "([^"]+)"', flags=re.MULTILINE)


@pytest.fixture(scope="module")
def edges(tmp_path_factory: pytest.TempPathFactory, own_bridge: Path) -> dict[str, set[str]]:
    """resource -> the resources it waits for, from the stack's `terraform graph`."""
    bridge.prepare("http://127.0.0.1:9", quiet=True)  # the endpoint is only written into provider blocks
    directory = bridge.TARGET / "stack"
    env = {
        **os.environ,
        "TF_CLI_CONFIG_FILE": str(toolchain.CLI_CONFIG),
        "TF_DATA_DIR": str(Path(tmp_path_factory.mktemp("tf-data"))),
        "CHECKPOINT_DISABLE": "1",
    }
    terraform = toolchain.load().terraform
    run([terraform, f"-chdir={directory}", "init", "-input=false", "-no-color"], env=env, capture=True, echo=False)
    dot = run([terraform, f"-chdir={directory}", "graph"], env=env, capture=True, echo=False).stdout
    graph: dict[str, set[str]] = {}
    for source, target in EDGE.findall(dot):
        graph.setdefault(source, set()).add(target)
    return graph


def waits_for(graph: dict[str, set[str]], node: str) -> set[str]:
    """Everything `node` depends on, directly or not (the graph Terraform prints is transitively reduced)."""
    seen, todo = set(), [node]
    while todo:
        for target in graph.get(todo.pop(), ()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def test_the_rotation_waits_for_the_invoke_permission_and_the_role_policy(edges: dict[str, set[str]]) -> None:
    """The rotation resource depends on aws_lambda_permission.rotation, the rotation function and its role policy."""
    assert ROTATION in edges, f"{ROTATION} is not in the stack's graph"
    before = waits_for(edges, ROTATION)
    assert "aws_lambda_permission.rotation" in before
    assert "module.rotation_function.aws_iam_role_policy.this" in before
    assert "module.rotation_function.aws_lambda_function.this" in before
