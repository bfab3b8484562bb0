"""Where a command runs: the local sandbox or an AWS account.

Everything that differs between the two lives here, behind one interface (`Target`):
the AWS clients, the Terraform workspace (prepared once per command), invoking a
function, a policy decision, rotating a secret, how an orphaned resource is found, and
which actions need a confirmation. The flows (scripts/flows/) ask the target and never
look at the environment's name.

Environments are files (scripts/config.py): `sandbox` (terraform/envs/sandbox, a local
moto server) and one `<env>.tfvars` in terraform/envs/aws per AWS environment.
"""

from __future__ import annotations

import abc
import functools
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts import aws_errors, config, toolchain
from scripts.common import SANDBOX_DIR, UserError, say
from scripts.config import AWS_ROOT, ENVS_DIR, SANDBOX
from scripts.deployment import App, Item
from scripts.terraform import Workspace, terraform_env

PROTECTED = ("prod",)  # apply needs CONFIRM=<env> here too, not only destroy

Request = tuple[str, str, str | None]  # (action, resource ARN, the service calling KMS on the caller's behalf)


@dataclass
class Invocation:
    """What one invocation of a deployed function returned."""

    payload: Any
    error: dict[str, Any] | None
    detail: str
    log_tail: str = ""  # the invocation's log lines (names and outcomes; values masked by the caller)
    log_path: Path | None = None  # where the whole log is (sandbox)


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


class Target(abc.ABC):
    """Where commands run; see SandboxTarget and AwsTarget."""

    env: str
    demo_values = False  # fill empty secrets with random values after a deploy
    refusal_hint = ""  # what usually causes an unexpected refusal from the services
    unreachable_hint = ""  # what to check when the services do not answer
    state_file: Path | None = None  # the local state a saved plan must be newer than (None: remote state)
    adopts_orphans = False  # make deploy imports what an interrupted apply left behind

    def refusal_hint_for(self, code: str, message: str) -> str:
        """What usually causes an unexpected refusal with this error (empty: nothing worth adding)."""
        return self.refusal_hint

    @functools.cached_property
    def config(self) -> config.EnvConfig:
        """The environment's tfvars, checked (unknown keys refused) before anything runs."""
        return config.load(self.env)

    @property
    def config_hint(self) -> str:
        """Where the user's configuration lives."""
        return config.shown(config.tfvars_path(self.env))

    @property
    def usage_file(self) -> Path:
        """The expected traffic, for the review's cost estimate."""
        return ENVS_DIR / SANDBOX / "usage.toml" if self.env == SANDBOX else AWS_ROOT / f"{self.env}.usage.toml"

    @abc.abstractmethod
    def workspace(self) -> Workspace:
        """The Terraform root, ready to init, plan and apply (prepared once per command)."""

    @abc.abstractmethod
    def client(self, service: str, region: str) -> Any:
        """A boto3 client for the target's AWS."""

    @abc.abstractmethod
    def invoke(self, app: App, event: dict[str, Any], *, function: str | None = None) -> Invocation:
        """Invoke the app's function (or another function of the app, by name) once with `event`."""

    @abc.abstractmethod
    def policy_decisions(self, app: App, requests: list[Request]) -> list[str]:
        """The decision ("allowed", "implicit_deny", "explicit_deny") of the app's role for each (action, ARN, via):
        via names the service ("ssm", "secretsmanager") that calls KMS on the function's behalf, or None."""

    @abc.abstractmethod
    def rotate(self, app: App, item: Item, function: str, *, wait: bool, timeout: float) -> Any:
        """Rotate one secret with `function`; return its outcome (a rotation_status.Outcome: .state, .message())."""

    def confirm(self, action: str) -> None:  # noqa: B027 (most targets need no confirmation: not abstract on purpose)
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


class SandboxTarget(Target):
    """The local sandbox: a moto server, the bridged Terraform copy, the local runner."""

    env = SANDBOX
    demo_values = True
    state_file = SANDBOX_DIR / "terraform.tfstate"
    adopts_orphans = True
    unreachable_hint = "the sandbox does not answer: make sandbox-status, then make deploy (a restarted sandbox is empty)"
    refusal_hint = "the sandbox forgets everything when it restarts: make deploy re-creates what the state lists"

    def refusal_hint_for(self, code: str, message: str) -> str:
        """The restart hint only where a restart explains it: a resource missing altogether. A missing version
        or staging label of a secret that exists (a failed rotation's leftovers) or any other refusal is not."""
        gone = code.endswith(("NotFoundException", "NotFound")) and not re.search(r"version|label", f"{code} {message}", re.I)
        return self.refusal_hint if gone else ""

    def __init__(self, start: bool = False) -> None:
        self._start = start  # start the sandbox when it is down (plan, destroy)

    @functools.cached_property
    def endpoint(self) -> str:
        from scripts.sandbox import server

        return server.up(server.configured_port()) if self._start else server.require_up()

    @functools.cache  # noqa: B019 (one target per command: the copy is prepared once)
    def workspace(self) -> Workspace:
        from scripts.sandbox import bridge, server

        root = bridge.prepare(self.endpoint, quiet=True)
        SANDBOX_DIR.mkdir(exist_ok=True)
        env = terraform_env(toolchain.CLI_CONFIG, SANDBOX_DIR / "tf-data", sandbox_endpoint=self.endpoint)
        env.update(server.credentials_env(self.endpoint))  # the sandbox's credentials: environment only, never a plan
        var_file = config.tfvars_path(SANDBOX)
        return Workspace(root, env, init_args=(f"-backend-config=path={self.state_file}",), plan_args=(f"-var-file={var_file}",))

    def client(self, service: str, region: str) -> Any:
        from scripts.sandbox import server

        return server.client(self.endpoint, service, region)

    def invoke(self, app: App, event: dict[str, Any], *, function: str | None = None) -> Invocation:
        from scripts.sandbox import runner

        # The runner runs the local package whose hash is the deployed code's (the app's, or the rotation function's).
        outcome = runner.invoke(function or app.function_name, event, endpoint=self.endpoint, region=app.region)
        detail = (
            f"{outcome.duration_ms:.0f} ms (init {outcome.init_ms:.0f} ms), "
            f"{outcome.max_memory_mb} MB used; log {os.path.relpath(outcome.log_path)}"
        )
        return Invocation(outcome.payload, outcome.error, detail, outcome.log_tail, outcome.log_path)

    def policy_decisions(self, app: App, requests: list[Request]) -> list[str]:
        """Every policy AWS would apply, evaluated here (scripts/iam/authorizer.py): the role's policies and boundary, a
        secret's resource policy, the key policy for kms:Decrypt, the cross-account rule; in the context AWS supplies."""
        from scripts.iam.roles import authorizer_for

        secrets, kms = self.client("secretsmanager", app.region), self.client("kms", app.region)
        iam = self.client("iam", app.region)
        authorizer = authorizer_for(iam, secrets, kms, app.role_arn, app.function_name, app.region)
        decisions = []
        for action, arn, via in requests:
            if via:  # kms:Decrypt made by the service for one of the app's items of that service
                items = app.secrets if via == "secretsmanager" else app.parameters
                item_arn = app.arn(items[0].name, items[0].kind) if items else arn
                decisions.append(authorizer.authorize_decrypt(via, arn, item_arn).decision)  # type: ignore[arg-type]
            else:
                decisions.append(authorizer.authorize(action, arn).decision)
        return decisions

    def rotate(self, app: App, item: Item, function: str, *, wait: bool, timeout: float) -> Any:
        """The sandbox plays RotateSecret (scripts/sandbox/rotate_secret.py) and runs each step through the
        local runner, synchronously: `wait` and `timeout` do not apply. The schedule is recorded in days
        only (moto's); what stands in for a schedule_expression is said."""
        from botocore.exceptions import ClientError

        from scripts import rotation_status
        from scripts.sandbox import rotate_secret

        secret_id = item.name
        try:
            arn = self.client("lambda", app.region).get_function(FunctionName=function)["Configuration"]["FunctionArn"]
        except ClientError:
            raise UserError(
                f"{secret_id}: its rotation function {function} is not deployed in the sandbox; make deploy deploys it "
                f"(a lambda strategy's function from apps/{app.name}/rotate.py: docs/rotation.md)"
            ) from None
        days, note = rotate_secret.schedule(item.rotation_days, item.schedule_expression)
        if note:
            say(f"  {secret_id}: {note}")

        def invoke_step(event: dict[str, str]) -> tuple[dict[str, Any] | None, Path | None]:
            outcome = self.invoke(app, event, function=function)
            if outcome.error is None:
                say(f"  {secret_id}: {event['Step']} done ({outcome.detail.split(',')[0]})")
            return outcome.error, outcome.log_path

        client = self.client("secretsmanager", app.region)
        token = rotate_secret.rotate(
            client, secret_id, invoke_step, rotation_lambda_arn=arn, rotation_days=days, region=app.region
        )
        return rotation_status.check(client, secret_id, token, app.region)


class AwsTarget(Target):
    """An AWS account: your credentials, terraform/envs/aws with <env>.tfvars and <env>.backend.hcl."""

    def __init__(self, env: str) -> None:
        self.env = env
        self.refusal_hint = f"check that ENV={env} is deployed (make deploy ENV={env}) and what your credentials may do"
        self.unreachable_hint = "check your network, AWS_REGION and AWS_PROFILE"

    @functools.cache  # noqa: B019 (one target per command)
    def workspace(self) -> Workspace:
        backend = AWS_ROOT / f"{self.env}.backend.hcl"
        state = aws_errors.backend_settings(backend, self.env)  # offline: missing, or the example's bucket
        self.account()  # the first network call: unreachable, no, expired or rejected credentials, each in one line
        aws_errors.check_state_bucket(self.client("s3", state.get("region", "us-east-1")), state["bucket"], backend, self.env)
        env = terraform_env(None, AWS_ROOT / ".terraform" / self.env, env=self.env)
        var_file = config.tfvars_path(self.env)
        return Workspace(AWS_ROOT, env, init_args=(f"-backend-config={backend}",), plan_args=(f"-var-file={var_file}",))

    @functools.cache  # noqa: B019
    def account(self) -> str:
        """The AWS account the credentials reach, or a UserError naming the cause (scripts/aws_errors.py)."""
        region = os.environ.get("AWS_REGION", "us-east-1")
        sts = aws_errors.client("sts", region, self.env, aws_errors.preflight_config())
        return aws_errors.caller_account(sts, self.env)

    def client(self, service: str, region: str) -> Any:
        return aws_errors.client(service, region, self.env)  # expired, rejected, denied: one line each

    def invoke(self, app: App, event: dict[str, Any], *, function: str | None = None) -> Invocation:
        import base64

        from botocore.exceptions import ClientError

        name = function or app.function_name
        try:
            response = self.client("lambda", app.region).invoke(
                FunctionName=name, Payload=json.dumps(event).encode(), LogType="Tail"
            )
        except ClientError as exc:
            raise UserError(
                f"cannot invoke {name} ({exc.response['Error']['Code']}); deploy it first: make deploy ENV={self.env}"
            ) from None
        payload = json.loads(response["Payload"].read() or b"null")
        tail = base64.b64decode(response.get("LogResult", "")).decode(errors="replace")
        if response.get("FunctionError"):
            return Invocation(None, payload, "lambda:Invoke", tail)
        return Invocation(payload, None, "lambda:Invoke", tail)

    def policy_decisions(self, app: App, requests: list[Request]) -> list[str]:
        """iam:SimulatePrincipalPolicy, one call per action and KMS path (up to 128 resources each)."""
        iam = self.client("iam", app.region)
        decisions: dict[tuple[str, str, str | None], str] = {}
        groups: dict[tuple[str, str | None], list[str]] = {}
        for action, arn, via in requests:
            groups.setdefault((action, via), []).append(arn)
        for (action, via), arns in groups.items():
            entries = [
                {
                    "ContextKeyName": "kms:ViaService",
                    "ContextKeyValues": [f"{via}.{app.region}.amazonaws.com"],
                    "ContextKeyType": "string",
                }
            ]
            for start in range(0, len(arns), 128):
                result = iam.simulate_principal_policy(
                    PolicySourceArn=app.role_arn,
                    ActionNames=[action],
                    ResourceArns=arns[start : start + 128],
                    ContextEntries=entries if via else [],
                )
                for evaluation in result["EvaluationResults"]:
                    decision = {"allowed": "allowed", "explicitDeny": "explicit_deny"}.get(
                        evaluation["EvalDecision"], "implicit_deny"
                    )
                    decisions[(action, evaluation.get("EvalResourceName", ""), via)] = decision
        return [decisions.get((action, arn, via), "implicit_deny") for action, arn, via in requests]

    def rotate(self, app: App, item: Item, function: str, *, wait: bool, timeout: float) -> Any:
        """RotateSecret starts the rotation; Secrets Manager runs the steps asynchronously. With `wait`,
        follow it from the secret's labels until it ends or `timeout` passes."""
        from scripts import rotation_status

        secret_id = item.name
        client = self.client("secretsmanager", app.region)
        token = rotation_status.start(client, secret_id, app.region)
        if not wait:
            return rotation_status.check(client, secret_id, token, app.region)
        return rotation_status.wait(client, secret_id, token, region=app.region, timeout=timeout)

    def confirm(self, action: str) -> None:
        if (action == "destroy" or self.env in PROTECTED) and os.environ.get("CONFIRM") != self.env:
            raise UserError(
                f"{action} on ENV={self.env} needs an explicit confirmation: make {action} ENV={self.env} CONFIRM={self.env}"
            )


def target_for(env: str, *, start: bool = False) -> Target:
    """The target of a known environment (start: bring the sandbox up if it is down), or a UserError."""
    config.require_known(env)
    return SandboxTarget(start=start) if env == SANDBOX else AwsTarget(env)
