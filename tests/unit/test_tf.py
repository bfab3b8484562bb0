"""scripts/tf.py and scripts/common.py: plan summaries and error lines."""

from __future__ import annotations

import pytest

from scripts.common import UserError, check_env, first_error


def test_first_error_reads_terraform_diagnostics() -> None:
    """The boxed diagnostic becomes 'Error: summary detail', without source lines."""
    output = (
        'Planning...\n╷\n│ Error: Unsupported argument\n│ \n│   on main.tf line 31, in provider "aws":\n'
        '│   31:     logs = var.x\n│ \n│ An argument named "logs" is not expected here.\n╵\n'
    )
    assert first_error(output) == 'Error: Unsupported argument An argument named "logs" is not expected here.'
    assert first_error("just a line\nlast words\n") == "last words"


def test_unknown_env_names_the_known_ones() -> None:
    """ENV is checked against the known environments with the corrected command."""
    assert check_env("dev") == "dev"
    with pytest.raises(UserError, match="use one of sandbox, dev, prod"):
        check_env("prod-typo")
    assert check_env("prod") == "prod"


def test_prod_apply_needs_confirmation(monkeypatch: pytest.MonkeyPatch) -> None:
    """apply on prod without CONFIRM=prod stops before touching anything, and says the command."""
    from scripts.common import confirm

    monkeypatch.delenv("CONFIRM", raising=False)
    with pytest.raises(UserError, match="make apply ENV=prod CONFIRM=prod"):
        confirm("prod", "apply")
    monkeypatch.setenv("CONFIRM", "dev")
    with pytest.raises(UserError):
        confirm("prod", "apply")
    monkeypatch.setenv("CONFIRM", "prod")
    confirm("prod", "apply")
    confirm("dev", "apply")
