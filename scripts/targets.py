"""Where a command runs: the local sandbox or an AWS account.

Everything that differs between the two lives here, behind one interface (`Target`):
the AWS clients, the Terraform workspace (prepared once per command), invoking the
function, a policy decision, rotating a secret, which names lie outside the function's
paths, and which actions need a confirmation. The flows (scripts/flows/) ask the target
and never look at the environment's name.

Environments are files: `sandbox` (terraform/envs/sandbox, a local moto server) and one
`<env>.tfvars` in terraform/envs/aws per AWS environment (dev, prod).
"""

from __future__ import annotations

import functools
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts import toolchain
from scripts.common import ROOT, SANDBOX_DIR, UserError, say
from scripts.terraform import Workspace, terraform_env

ENVS_DIR = ROOT / "terraform" / "envs"
AWS_ROOT = ENVS_DIR / "aws"
SANDBOX = "sandbox"
PROTECTED = ("prod",)  # apply needs CONFIRM=<env> here too, not only destroy


# How to tell that a resource exists, by type, and its id for `terraform import`. A lookup
# raises (KeyError for a value unknown in the plan, ClientError for "not found") when it is not.
EXISTING = {
    "aws_lambda_function": lambda c, v: c("lambda").get_function(FunctionName=v["function_name"]) and v["function_name"],
    "aws_iam_role": lambda c, v: c("iam").get_role(RoleName=v["name"]) and v["name"],
    "aws_iam_role_policy": lambda c, v: (
        c("iam").get_role_policy(RoleName=v["role"], PolicyName=v["name"]) and f"{v['role']}:{v['name']}"
    ),
    "aws_cloudwatch_log_group": lambda c, v: next(
        g["logGroupName"]
        for g in c("logs").describe_log_groups(logGroupNamePrefix=v["name"])["logGroups"]
        if g["logGroupName"] == v["name"]
    ),
    "aws_ssm_parameter": lambda c, v: c("ssm").get_parameter(Name=v["name"])["Parameter"]["Name"],
    "aws_secretsmanager_secret": lambda c, v: c("secretsmanager").describe_secret(SecretId=v["name"])["ARN"],
    "aws_lambda_layer_version": lambda c, v: max(
        c("lambda").list_layer_versions(LayerName=v["layer_name"])["LayerVersions"], key=lambda x: x["Version"]
    )["LayerVersionArn"],
    "aws_lambda_permission": lambda c, v: (
        v["statement_id"] in c("lambda").get_policy(FunctionName=v["function_name"])["Policy"]
        and f"{v['function_name']}/{v['statement_id']}"
    ),
}


def _env_not_set_in(tfvars: Path, env: str) -> None:
    """The environment is the file's (or the root's) name: a tfvars file that sets `env` is refused."""
    if tfvars.is_file() and re.search(r"^\s*env\s*=", tfvars.read_text(), flags=re.MULTILINE):
        raise UserError(
            f"{tfvars.relative_to(ROOT)} sets env, but the environment is ENV={env} by its file: remove it from the file"
        )


def environments() -> tuple[str, ...]:
    """The known environments: the sandbox, then one per terraform/envs/aws/<env>.tfvars."""
    return (SANDBOX, *sorted(p.stem for p in AWS_ROOT.glob("*.tfvars")))


Request = tuple[str, str, str | None]  # (action, resource ARN, the service calling KMS on the caller's behalf)


@dataclass
class Invocation:
    """What one invocation of the deployed function returned."""

    payload: Any
    error: dict[str, Any] | None
    detail: str


class Target:
    """The interface; see SandboxTarget and AwsTarget."""

    env: str
    demo_values = False  # fill empty secrets with random values after a deploy
    refusal_hint = ""  # what usually causes an unexpected refusal from the services
    config_hint = ""  # where the user's configuration lives
    state_file: Path | None = None  # the local state a saved plan must be newer than (None: remote state)
    unreachable_hint = ""  # what to check when the services do not answer
    adopts_orphans = False  # make deploy imports what an interrupted apply left behind

    def workspace(self) -> Workspace:
        raise NotImplementedError

    def client(self, service: str, region: str) -> Any:
        raise NotImplementedError

    def invoke(self, function: str, region: str, event: dict[str, Any]) -> Invocation:
        raise NotImplementedError

    def policy_decisions(self, stack: dict[str, Any], requests: list[Request]) -> list[str]:
        """The role's decision ("allowed", "implicit_deny", "explicit_deny") for each (action, ARN, via):
        via names the service ("ssm", "secretsmanager") that calls KMS on the function's behalf, or None."""
        raise NotImplementedError

    def deny_probe(self) -> dict[str, str]:
        """Names outside the function's paths that it must be refused."""
        raise NotImplementedError

    def rotate(self, stack: dict[str, Any], secret_id: str, *, wait: bool, timeout: float) -> Any:
        """Rotate one secret; return its outcome (a rotation_status.Outcome: .state, .message())."""
        raise NotImplementedError

    def confirm(self, action: str) -> None:
        """Refuse `action` unless confirmed (CONFIRM=<env>) where the target needs it."""

    def existing(self, kind: str, values: dict[str, Any], region: str) -> str | None:
        """The `terraform import` id of a resource of type `kind` with these planned values, if it
        exists; None if it does not, or cannot be told (a value still unknown, no permission)."""
        look = EXISTING.get(kind)
        if look is None:
            return None
        try:
            return look(lambda service: self.client(service, region), values) or None
        except Exception:  # noqa: BLE001 (not found, not allowed, a value unknown yet: not an orphan we can name)
            return None

    @property
    def usage_file(self) -> Path:
        raise NotImplementedError


class SandboxTarget(Target):
    """The local sandbox: a moto server, the bridged Terraform copy, the local runner."""

    env = SANDBOX
    demo_values = True
    state_file = SANDBOX_DIR / "terraform.tfstate"
    adopts_orphans = True
    unreachable_hint = "the sandbox does not answer: make sandbox-status, then make deploy (a restarted sandbox is empty)"
    refusal_hint = "the sandbox forgets everything when it restarts: make deploy re-creates what the state lists"

    def __init__(self, start: bool = False) -> None:
        self._start = start  # start the sandbox when it is down (plan, destroy)

    @functools.cached_property
    def endpoint(self) -> str:
        from scripts.sandbox import server

        return server.up(server.configured_port()) if self._start else server.require_up()

    @functools.cache  # noqa: B019 (one target per command: the copy is prepared once)
    def workspace(self) -> Workspace:
        from scripts.sandbox import bridge, server

        _env_not_set_in(ENVS_DIR / SANDBOX / "terraform.tfvars", SANDBOX)
        root = bridge.prepare(self.endpoint, quiet=True)
        SANDBOX_DIR.mkdir(exist_ok=True)
        env = terraform_env(toolchain.CLI_CONFIG, SANDBOX_DIR / "tf-data", sandbox_endpoint=self.endpoint)
        env.update(server.credentials_env(self.endpoint))  # the sandbox's credentials: environment only, never a plan
        return Workspace(root, env, init_args=(f"-backend-config=path={self.state_file}",))

    def client(self, service: str, region: str) -> Any:
        from scripts.sandbox import server

        return server.client(self.endpoint, service, region)

    def invoke(self, function: str, region: str, event: dict[str, Any]) -> Invocation:
        from scripts.sandbox import runner

        outcome = runner.invoke(function, event, endpoint=self.endpoint, region=region)
        detail = (
            f"{outcome.duration_ms:.0f} ms (init {outcome.init_ms:.0f} ms), "
            f"{outcome.max_memory_mb} MB used; log {os.path.relpath(outcome.log_path)}"
        )
        return Invocation(outcome.payload, outcome.error, detail)

    def policy_decisions(self, stack: dict[str, Any], requests: list[Request]) -> list[str]:
        """The role's real policies evaluated here (scripts/iam), in the context AWS supplies to the function's calls."""
        from scripts.iam import context as iam_context
        from scripts.iam import policy as iam_policy
        from scripts.iam.roles import role_policies

        policies = role_policies(self.client("iam", stack["region"]), stack["role_arn"])
        context = iam_context.for_function(
            role_arn=stack["role_arn"], session_name=stack["function_name"], region=stack["region"]
        )
        account = stack["role_arn"].split(":")[4]
        return [
            iam_policy.evaluate(
                policies,
                action,
                arn,
                iam_context.for_decrypt_via(context, via, encryption={}, key_account=account) if via else context,
            )
            for action, arn, via in requests
        ]

    def deny_probe(self) -> dict[str, str]:
        probe = self.workspace().output("deny_probe")
        if probe is None:
            raise UserError("nothing is deployed in the sandbox (no deny_probe output); run: make deploy")
        return probe

    def rotate(self, stack: dict[str, Any], secret_id: str, *, wait: bool, timeout: float) -> Any:
        """The sandbox plays RotateSecret (scripts/sandbox/rotate_secret.py) and runs each step through the
        local runner, synchronously: `wait` and `timeout` do not apply."""
        from scripts import rotation_status
        from scripts.sandbox import rotate_secret, runner

        function, region = stack["rotation_function_name"], stack["region"]
        arn = self.client("lambda", region).get_function(FunctionName=function)["Configuration"]["FunctionArn"]

        def invoke_step(event: dict[str, str]) -> tuple[dict[str, Any] | None, Path | None]:
            outcome = runner.invoke(function, event, endpoint=self.endpoint, region=region)
            if outcome.error is None:
                say(f"  {secret_id}: {event['Step']} done ({outcome.duration_ms:.0f} ms)")
            return outcome.error, outcome.log_path

        client = self.client("secretsmanager", region)
        token = rotate_secret.rotate(client, secret_id, invoke_step, rotation_lambda_arn=arn, region=region)
        return rotation_status.check(client, secret_id, token, region)

    @property
    def usage_file(self) -> Path:
        return ENVS_DIR / SANDBOX / "usage.toml"

    config_hint = "terraform/envs/sandbox/terraform.tfvars (or the module it names)"


class AwsTarget(Target):
    """An AWS account: your credentials, terraform/envs/aws with <env>.tfvars and <env>.backend.hcl."""

    def __init__(self, env: str) -> None:
        self.env = env
        self.refusal_hint = f"check that ENV={env} is deployed (make deploy ENV={env}) and what your credentials may do"
        self.unreachable_hint = "check your network, AWS_REGION and AWS_PROFILE"

    @functools.cache  # noqa: B019 (one target per command)
    def workspace(self) -> Workspace:
        _env_not_set_in(AWS_ROOT / f"{self.env}.tfvars", self.env)
        self.account()  # no credentials: say so before Terraform does, in one line
        backend = AWS_ROOT / f"{self.env}.backend.hcl"
        if not backend.is_file():
            raise UserError(
                f"{backend.relative_to(ROOT)} is missing: copy {backend.name}.example next to it and fill in "
                "your state bucket, then retry"
            )
        env = terraform_env(None, AWS_ROOT / ".terraform" / self.env, env=self.env)
        var_file = AWS_ROOT / f"{self.env}.tfvars"
        return Workspace(AWS_ROOT, env, init_args=(f"-backend-config={backend}",), plan_args=(f"-var-file={var_file}",))

    @functools.cache  # noqa: B019
    def account(self) -> str:
        """The AWS account the credentials reach, or a UserError that says how to get credentials."""
        import boto3
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            sts = boto3.client("sts", region_name=os.environ.get("AWS_REGION", "us-east-1"))
            return sts.get_caller_identity()["Account"]
        except (BotoCoreError, ClientError) as exc:
            raise UserError(
                f"no working AWS credentials for ENV={self.env} ({type(exc).__name__}); "
                "set AWS_PROFILE (or run aws sso login / aws configure), then retry"
            ) from None

    def client(self, service: str, region: str) -> Any:
        import boto3

        try:
            return boto3.client(service, region_name=region)
        except Exception as exc:  # botocore raises several unrelated types for bad profiles
            raise UserError(f"cannot make an AWS client for ENV={self.env} ({exc}); check AWS_PROFILE / aws configure") from None

    def invoke(self, function: str, region: str, event: dict[str, Any]) -> Invocation:
        from botocore.exceptions import ClientError

        try:
            response = self.client("lambda", region).invoke(
                FunctionName=function, Payload=json.dumps(event).encode(), LogType="None"
            )
        except ClientError as exc:
            raise UserError(
                f"cannot invoke {function} ({exc.response['Error']['Code']}); deploy it first: make deploy ENV={self.env}"
            ) from None
        payload = json.loads(response["Payload"].read() or b"null")
        if response.get("FunctionError"):
            return Invocation(None, payload, "lambda:Invoke")
        return Invocation(payload, None, "lambda:Invoke")

    def policy_decisions(self, stack: dict[str, Any], requests: list[Request]) -> list[str]:
        iam = self.client("iam", stack["region"])
        decisions = []
        for action, arn, via in requests:
            entries = [
                {"ContextKeyName": "kms:ViaService", "ContextKeyValues": [f"{via}.{stack['region']}.amazonaws.com"]}
                | {"ContextKeyType": "string"}
            ]
            result = iam.simulate_principal_policy(
                PolicySourceArn=stack["role_arn"], ActionNames=[action], ResourceArns=[arn], ContextEntries=entries if via else []
            )
            decision = result["EvaluationResults"][0]["EvalDecision"]
            decisions.append({"allowed": "allowed", "explicitDeny": "explicit_deny"}.get(decision, "implicit_deny"))
        return decisions

    def deny_probe(self) -> dict[str, str]:
        return {
            "secret_id": os.environ.get("SMOKE_DENY_SECRET", f"/{self.env}/smoke-probe/secrets/outside"),
            "parameter": os.environ.get("SMOKE_DENY_PARAMETER", f"/{self.env}/smoke-probe/config/outside"),
        }

    def rotate(self, stack: dict[str, Any], secret_id: str, *, wait: bool, timeout: float) -> Any:
        """RotateSecret starts the rotation; Secrets Manager runs the steps asynchronously. With `wait`,
        follow it from the secret's labels until it ends or `timeout` passes."""
        from scripts import rotation_status

        region = stack["region"]
        client = self.client("secretsmanager", region)
        token = rotation_status.start(client, secret_id, region)
        if not wait:
            return rotation_status.check(client, secret_id, token, region)
        return rotation_status.wait(client, secret_id, token, region=region, timeout=timeout)

    def confirm(self, action: str) -> None:
        if (action == "destroy" or self.env in PROTECTED) and os.environ.get("CONFIRM") != self.env:
            raise UserError(
                f"{action} on ENV={self.env} needs an explicit confirmation: make {action} ENV={self.env} CONFIRM={self.env}"
            )

    @property
    def usage_file(self) -> Path:
        return AWS_ROOT / f"{self.env}.usage.toml"

    @property
    def config_hint(self) -> str:
        return f"terraform/envs/aws/{self.env}.tfvars (or the module it names)"


def target_for(env: str, *, start: bool = False) -> Target:
    """The target of a known environment (start: bring the sandbox up if it is down), or a UserError."""
    known = environments()
    if env not in known:
        raise UserError(f"unknown ENV '{env}': use one of {', '.join(known)} (e.g. make deploy ENV={SANDBOX})")
    return SandboxTarget(start=start) if env == SANDBOX else AwsTarget(env)
