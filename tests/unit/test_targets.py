"""scripts/targets.py and scripts/common.py: targets, confirmations, error lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts import targets
from scripts.common import UserError, first_error


def test_first_error_reads_terraform_diagnostics() -> None:
    """The boxed diagnostic becomes 'Error: summary (on file line n, in block): detail', without source lines."""
    output = (
        'Planning...\n╷\n│ Error: Unsupported argument\n│ \n│   on main.tf line 31, in provider "aws":\n'
        '│   31:     logs = var.x\n│ \n│ An argument named "logs" is not expected here.\n╵\n'
    )
    assert first_error(output) == (
        'Error: Unsupported argument (on main.tf line 31, in provider "aws"): An argument named "logs" is not expected here.'
    )
    assert first_error("just a line\nlast words\n") == "last words"


def test_first_error_keeps_a_wrapped_detail_paragraph_whole() -> None:
    """A validation's own message, wrapped by Terraform over lines, reaches the one-line error whole, and so do the
    paragraphs after it."""
    output = (
        'Error: Invalid value for variable\n\n  on main.tf line 33, in module "stack":\n  33:   secrets = var.secrets\n'
        "    ├────────────────\n    │ var.secrets is map of object with 1 element\n\n"
        'Each secrets key must be "<scope>/<name>" (one slash,\nname not . or ..).\n\nThis was checked by the rule.\n'
    )
    assert first_error(output) == (
        'Error: Invalid value for variable (on main.tf line 33, in module "stack"): Each secrets key must be '
        '"<scope>/<name>" (one slash, name not . or ..). This was checked by the rule.'
    )


def test_unknown_env_names_the_known_ones() -> None:
    """ENV is checked against the known environments with the corrected command."""
    assert isinstance(targets.target_for("dev"), targets.AwsTarget)
    assert isinstance(targets.target_for("sandbox"), targets.SandboxTarget)
    with pytest.raises(UserError, match="use one of sandbox, dev, prod"):
        targets.target_for("prod-typo")


def test_prod_apply_and_every_aws_destroy_need_confirmation(monkeypatch: pytest.MonkeyPatch) -> None:
    """apply on prod, and destroy anywhere on AWS, stop without CONFIRM=<env> and say the command."""
    monkeypatch.delenv("CONFIRM", raising=False)
    prod, dev = targets.AwsTarget("prod"), targets.AwsTarget("dev")
    with pytest.raises(UserError, match="make apply ENV=prod CONFIRM=prod"):
        prod.confirm("apply")
    with pytest.raises(UserError, match="make destroy ENV=dev CONFIRM=dev"):
        dev.confirm("destroy")
    dev.confirm("apply")
    targets.SandboxTarget().confirm("destroy")
    monkeypatch.setenv("CONFIRM", "dev")
    with pytest.raises(UserError):
        prod.confirm("apply")
    monkeypatch.setenv("CONFIRM", "prod")
    prod.confirm("apply")
    prod.confirm("destroy")


def test_aws_target_without_credentials_says_so(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No credentials: the one line names the cause and the fix, before Terraform runs."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setattr("boto3.DEFAULT_SESSION", None)
    with pytest.raises(UserError, match="no AWS credentials for ENV=dev .*AWS_PROFILE"):
        targets.AwsTarget("dev").account()


@pytest.mark.parametrize(
    ("code", "message", "restart"),
    [
        ("ResourceNotFoundException", "Secrets Manager can't find the specified secret.", True),
        ("ParameterNotFound", "Parameter /sandbox/demo/config/url not found.", True),
        ("ResourceNotFoundException", "can't find the specified secret value for staging label: AWSPREVIOUS", False),
        ("ParameterVersionNotFound", "Systems Manager could not find version 3 of /sandbox/demo/config/url.", False),
        ("AccessDeniedException", "User is not authorized to perform secretsmanager:GetSecretValue", False),
        ("InvalidRequestException", "A previous rotation isn't complete.", False),
    ],
)
def test_the_sandbox_blames_a_restart_only_for_a_resource_gone_altogether(code: str, message: str, restart: bool) -> None:
    """A missing label or version of a secret that exists (a failed rotation's leftovers), a denial or a bad
    request is not explained by "the sandbox forgets everything when it restarts" (a new-user pass found it)."""
    hint = targets.SandboxTarget().refusal_hint_for(code, message)
    assert ("forgets everything when it restarts" in hint) is restart
    assert targets.AwsTarget("dev").refusal_hint_for(code, message).startswith("check that ENV=dev is deployed")
