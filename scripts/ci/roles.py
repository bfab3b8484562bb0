"""The IAM policies of the two CI roles, for one environment, from its tfvars and the stack's resource types.

- The **plan role** (pull requests): read the state and take its lock, and read every
  resource of the environment's apps, nothing else. It cannot write state or resources,
  and an explicit Deny keeps SecureString values out of its reach.
- The **apply role** (after merge, in the GitHub environment `<env>`): the plan role's
  reads, writing the state, and creating, changing and deleting exactly the resource
  types the stack declares, under the environment's names.

Every statement is scoped to what the stack derives: `/<env>/<app>/*` names for
parameters and secrets, `<env>-<app>` (and `<env>-<app>-rotate`) for functions, roles and
log groups, the extension's published layer in the region, the state object and its
lock file. Actions come from `NEEDS`, one entry per resource type the stack can declare
(`tests/unit/test_ci_roles.py` fails when the stack gains a type that is not listed).
What the provider calls for each type: terraform-provider-aws's resource code
(`internal/service/<service>/<resource>.go`, read, create, update and delete functions);
what the S3 backend needs: Terraform's S3 backend documentation ("Permissions Required").
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts import config
from scripts.common import ROOT, UserError
from scripts.config import AWS_ROOT

LAYERS = ROOT / "terraform" / "modules" / "function" / "extension-layers.csv"
OIDC_ISSUER = "token.actions.githubusercontent.com"
ROLES = ("plan", "apply")


@dataclass(frozen=True)
class Need:
    """What Terraform calls for one resource type: reads (refresh, plan) and writes (apply), and on what."""

    reads: tuple[str, ...]
    writes: tuple[str, ...]
    on: str  # a key of Scope.arns(); "*" for actions without resource-level permissions
    # "always"; "rotation" (a secret rotates); "kit_rotation" (an app has the kit's rotation function);
    # "kms" (a customer-managed key); "creates_kms" (an app creates its key); "never"
    when: str = "always"


# One entry per resource and data source type the stack and its modules declare.
NEEDS: dict[str, Need] = {
    "aws_lambda_function": Need(
        reads=(
            "lambda:GetFunction",
            "lambda:GetFunctionConfiguration",
            "lambda:ListVersionsByFunction",
            "lambda:GetFunctionCodeSigningConfig",
            "lambda:ListTags",
        ),
        writes=(
            "lambda:CreateFunction",
            "lambda:UpdateFunctionCode",
            "lambda:UpdateFunctionConfiguration",
            "lambda:DeleteFunction",
            "lambda:PutFunctionConcurrency",
            "lambda:DeleteFunctionConcurrency",
            "lambda:TagResource",
            "lambda:UntagResource",
        ),
        on="functions",
    ),
    "aws_lambda_permission": Need(
        reads=("lambda:GetPolicy",),
        writes=("lambda:AddPermission", "lambda:RemovePermission"),
        on="functions",
        when="kit_rotation",
    ),
    "aws_iam_role": Need(
        reads=("iam:GetRole", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies"),
        writes=(
            "iam:CreateRole",
            "iam:DeleteRole",
            "iam:UpdateRole",
            "iam:UpdateAssumeRolePolicy",
            "iam:TagRole",
            "iam:UntagRole",
            "iam:ListInstanceProfilesForRole",
        ),
        on="roles",
    ),
    "aws_iam_role_policy": Need(reads=("iam:GetRolePolicy",), writes=("iam:PutRolePolicy", "iam:DeleteRolePolicy"), on="roles"),
    "aws_cloudwatch_log_group": Need(
        reads=("logs:ListTagsForResource",),
        writes=(
            "logs:CreateLogGroup",
            "logs:DeleteLogGroup",
            "logs:PutRetentionPolicy",
            "logs:DeleteRetentionPolicy",
            "logs:TagResource",
            "logs:UntagResource",
        ),
        on="log_groups",
    ),
    "aws_ssm_parameter": Need(
        reads=("ssm:GetParameter", "ssm:GetParameters", "ssm:ListTagsForResource"),
        writes=("ssm:PutParameter", "ssm:DeleteParameter", "ssm:AddTagsToResource", "ssm:RemoveTagsFromResource"),
        on="parameters",
    ),
    "aws_secretsmanager_secret": Need(
        reads=("secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy"),
        writes=(
            "secretsmanager:CreateSecret",
            "secretsmanager:DeleteSecret",
            "secretsmanager:UpdateSecret",
            "secretsmanager:TagResource",
            "secretsmanager:UntagResource",
        ),
        on="secrets",
    ),
    "aws_secretsmanager_secret_rotation": Need(
        reads=("secretsmanager:DescribeSecret",),
        writes=("secretsmanager:RotateSecret", "secretsmanager:CancelRotateSecret"),
        on="secrets",
        when="rotation",
    ),
    "aws_secretsmanager_secret_policy": Need(
        reads=("secretsmanager:GetResourcePolicy",),
        writes=("secretsmanager:PutResourcePolicy", "secretsmanager:DeleteResourcePolicy"),
        on="secrets",
    ),
    # The write-only opt-in of the secret module; the stack never sets it, so nothing is granted.
    "aws_secretsmanager_secret_version": Need(reads=(), writes=(), on="secrets", when="never"),
    # Lists: AWS offers no resource-level permission for them (Resource "*").
    "lists": Need(reads=("logs:DescribeLogGroups", "ssm:DescribeParameters"), writes=(), on="*"),
    # Using a layer in a function needs lambda:GetLayerVersion on it (Lambda developer guide, layers).
    "layer": Need(reads=(), writes=("lambda:GetLayerVersion",), on="layers"),
    # An app's own key (create_kms_key): its ARN is made at apply, so the account's keys in the region.
    "aws_kms_key": Need(
        reads=("kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"),
        writes=(
            "kms:PutKeyPolicy",
            "kms:EnableKeyRotation",
            "kms:UpdateKeyDescription",
            "kms:TagResource",
            "kms:UntagResource",
            "kms:ScheduleKeyDeletion",
        ),
        on="created_kms_keys",
        when="creates_kms",
    ),
    # kms:CreateKey has no resource to scope to (Resource "*", KMS's "Actions, resources, and condition keys").
    "kms_create": Need(reads=(), writes=("kms:CreateKey",), on="*", when="creates_kms"),
    # Data sources: sts:GetCallerIdentity needs no permission; the others are computed locally.
    "aws_caller_identity": Need(reads=(), writes=(), on="*"),
    "aws_partition": Need(reads=(), writes=(), on="*"),
    "aws_iam_policy_document": Need(reads=(), writes=(), on="*"),
}
# A customer-managed key: Secrets Manager uses it on the caller's behalf when a secret's key changes.
KMS_NEED = Need(reads=("kms:DescribeKey",), writes=("kms:GenerateDataKey", "kms:Decrypt"), on="kms_keys", when="kms")


def _strip(value: Any) -> Any:
    """python-hcl2's values with their quotes removed, keys included."""
    if isinstance(value, str):
        return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value
    if isinstance(value, dict):
        return {_strip(k): _strip(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


@dataclass(frozen=True)
class Scope:
    """The environment's names, as the stack derives them."""

    env: str
    apps: tuple[str, ...]
    region: str
    account: str
    bucket: str
    key: str
    rotated: tuple[str, ...]  # the apps with a "generated" secret: each has the kit's rotation function
    kms_keys: tuple[str, ...]
    creates_kms_keys: bool = False  # an app with create_kms_key = true
    rotates: bool = False  # a secret with a rotation (generated, or your own function's)
    partition: str = "aws"

    @classmethod
    def load(cls, env: str, account: str | None, bucket: str | None = None) -> Scope:
        """From terraform/envs/aws/<env>.tfvars (its apps, checked by scripts/config.py) and the backend file or its example."""
        import hcl2

        if env not in config.aws_environments():
            known = ", ".join(config.aws_environments())
            raise UserError(f"no AWS environment {env!r} (terraform/envs/aws/{env}.tfvars): use one of {known}")
        values = config.load(env).values
        apps = tuple(sorted(values["apps"]))
        if "region" not in values:
            raise UserError(f"{config.shown(config.tfvars_path(env))} names no region: cannot scope the roles' policies")
        backend = next(p for p in (AWS_ROOT / f"{env}.backend.hcl", AWS_ROOT / f"{env}.backend.hcl.example") if p.is_file())
        state = _strip(hcl2.loads(backend.read_text()))
        example = _strip(hcl2.loads((AWS_ROOT / f"{env}.backend.hcl.example").read_text()))
        if not bucket and state["bucket"] == example["bucket"]:
            raise UserError(f"name the state bucket of ENV={env}: TF_STATE_BUCKET=<bucket>, or in {env}.backend.hcl")
        if not re.fullmatch(r"\d{12}", account or ""):
            raise UserError(f"ACCOUNT={account or ''}: give the 12-digit ID of the account the roles and the stack live in")
        rotated = tuple(
            name
            for name, app in sorted(values["apps"].items())
            if any((s.get("rotation") or {}).get("strategy") == "generated" for s in (app.get("secrets") or {}).values())
        )
        kms = tuple(sorted({app["kms_key_arn"] for app in values["apps"].values() if app.get("kms_key_arn")}))
        created = any(app.get("create_kms_key") for app in values["apps"].values())
        strategies = [
            (s.get("rotation") or {}).get("strategy", "none")
            for app in values["apps"].values()
            for s in (app.get("secrets") or {}).values()
        ]
        rotates = any(strategy != "none" for strategy in strategies)
        return cls(env, apps, values["region"], account, bucket or state["bucket"], state["key"], rotated, kms, created, rotates)

    def arns(self, kind: str) -> list[str]:
        """The ARNs of one kind of resource of this environment's apps."""
        head = f"arn:{self.partition}"

        def regional(service: str) -> str:
            return f"{head}:{service}:{self.region}:{self.account}"

        names = [f"{self.env}-{app}" for app in self.apps] + [f"{self.env}-{app}-rotate" for app in self.rotated]
        if kind == "functions":
            return [f"{regional('lambda')}:function:{n}" for n in names]
        if kind == "roles":
            return [f"{head}:iam::{self.account}:role/{n}" for n in names]
        if kind == "log_groups":
            return [f"{regional('logs')}:log-group:/aws/lambda/{n}" for n in names] + [
                f"{regional('logs')}:log-group:/aws/lambda/{n}:*" for n in names
            ]
        if kind == "parameters":
            return [f"{regional('ssm')}:parameter/{self.env}/{app}/*" for app in self.apps]
        if kind == "secrets":
            return [f"{regional('secretsmanager')}:secret:/{self.env}/{app}/*" for app in self.apps]
        if kind == "layers":
            with LAYERS.open() as handle:
                row = next((r for r in csv.DictReader(handle) if r["region"] == self.region), None)
            publisher = row["account"] if row else "*"
            return [f"{head}:lambda:{self.region}:{publisher}:layer:AWS-Parameters-and-Secrets-Lambda-Extension*:*"]
        if kind == "kms_keys":
            return list(self.kms_keys) + self.arns("created_kms_keys")
        if kind == "created_kms_keys":
            return [f"{regional('kms')}:key/*"] if self.creates_kms_keys else []
        return ["*"]

    def applies(self, need: Need) -> bool:
        kms = bool(self.kms_keys) or self.creates_kms_keys
        return {
            "always": True,
            "rotation": self.rotates or bool(self.rotated),
            "kit_rotation": bool(self.rotated),
            "kms": kms,
            "creates_kms": self.creates_kms_keys,
            "never": False,
        }[need.when]


def _statement(sid: str, actions: list[str], resources: list[str], condition: dict[str, Any] | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {"Sid": sid, "Effect": "Allow", "Action": sorted(set(actions)), "Resource": resources}
    if condition:
        statement["Condition"] = condition
    return statement


def _sid(text: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", text) if part)


def policy(scope: Scope, role: str) -> dict[str, Any]:
    """The permissions policy of the `plan` or `apply` role for this environment."""
    if role not in ROLES:
        raise UserError(f"ROLE={role}: use one of {', '.join(ROLES)}")
    state = f"arn:{scope.partition}:s3:::{scope.bucket}"
    statements = [
        # Not narrowed by s3:prefix: init lists the workspaces (prefix env:/) and HeadBucket carries no prefix.
        _statement("StateList", ["s3:ListBucket"], [state]),
        _statement("StateLock", ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], [f"{state}/{scope.key}.tflock"]),
        _statement(
            "StateRead" if role == "plan" else "StateReadWrite",
            ["s3:GetObject"] + (["s3:PutObject"] if role == "apply" else []),
            [f"{state}/{scope.key}"],
        ),
    ]
    by_kind: dict[str, list[str]] = {}
    for need in [*NEEDS.values(), KMS_NEED]:
        if scope.applies(need):
            by_kind.setdefault(need.on, []).extend(need.reads + (need.writes if role == "apply" else ()))
    for kind, actions in by_kind.items():
        if actions and (resources := scope.arns(kind)):
            condition = None
            if kind == "kms_keys":
                condition = {"StringEquals": {"kms:ViaService": f"secretsmanager.{scope.region}.amazonaws.com"}}
            statements.append(_statement(_sid(kind) if kind != "*" else "Lists", actions, resources, condition))
    if role == "apply":
        statements.append(
            _statement(
                "PassOnlyTheFunctionsRolesToLambda",
                ["iam:PassRole"],
                scope.arns("roles"),
                {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}},
            )
        )
    statements.append(
        {
            "Sid": "NoSecureStringValues",
            "Effect": "Deny",
            "Action": ["kms:Decrypt"],
            "Resource": "*",
            "Condition": {"StringEquals": {"kms:ViaService": f"ssm.{scope.region}.amazonaws.com"}},
        }
    )
    return {"Version": "2012-10-17", "Statement": statements}


def trust(scope: Scope, role: str, repository: str) -> dict[str, Any]:
    """The role's trust policy: GitHub's OIDC provider, this repository, and only the jobs that use the role.

    The plan role: pull requests, and a manual plan on the default branch; the apply role:
    jobs in the GitHub environment named after the Terraform environment (its protection
    rules are the apply's approval).
    """
    if not re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", repository or ""):
        raise UserError(f"REPO={repository!r}: give the GitHub repository as owner/name")
    subjects = (
        [f"repo:{repository}:pull_request", f"repo:{repository}:ref:refs/heads/main"]
        if role == "plan"
        else [f"repo:{repository}:environment:{scope.env}"]
    )
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": f"arn:{scope.partition}:iam::{scope.account}:oidc-provider/{OIDC_ISSUER}"},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringEquals": {f"{OIDC_ISSUER}:aud": "sts.amazonaws.com", f"{OIDC_ISSUER}:sub": subjects}},
            }
        ],
    }


def stack_resource_types(root: Path = ROOT / "terraform") -> set[str]:
    """Every resource and data source type declared by the stack and the modules it calls."""
    import hcl2

    found = set()
    for directory in [root / "stack", *sorted((root / "modules").iterdir())]:
        for path in directory.glob("*.tf"):
            parsed = hcl2.loads(path.read_text())
            for kind in ("resource", "data"):
                found.update(_strip(name) for block in parsed.get(kind, []) for name in block)
    return found
