"""The CI roles' policies (scripts/ci/roles.py), decided by the project's IAM evaluator (scripts/iam/policy.py).

For ENV=dev: the plan role may read everything the stack declares and write nothing; the
apply role may do what each resource type needs; neither reaches another app's or another
environment's names, passes a role to anything but Lambda, or reads a SecureString's value.
The ARNs are written here in AWS's documented formats for the names the stack derives;
the functional test (tests/functional/test_ci_roles_plan.py) takes them from a real plan.
"""

from __future__ import annotations

import json
import subprocess
import sys

import botocore.session
import pytest

from scripts.ci import roles
from scripts.common import UserError
from scripts.iam import context as iam_context
from scripts.iam import policy as iam

ACCOUNT = "123456789012"
CONTEXT = {"aws:PrincipalAccount": ACCOUNT, "aws:PrincipalArn": f"arn:aws:sts::{ACCOUNT}:assumed-role/ci/run"}
LAYER = f"arn:aws:lambda:us-east-1:177933569100:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:{99}"


def arns(env: str = "dev", app: str = "demo", account: str = ACCOUNT) -> dict[str, str]:
    """One ARN of each kind the stack makes for `app` in `env` (AWS's ARN formats)."""
    return {
        "functions": f"arn:aws:lambda:us-east-1:{account}:function:{env}-{app}",
        "roles": f"arn:aws:iam::{account}:role/{env}-{app}",
        "log_groups": f"arn:aws:logs:us-east-1:{account}:log-group:/aws/lambda/{env}-{app}",
        "parameters": f"arn:aws:ssm:us-east-1:{account}:parameter/{env}/{app}/config/api_base_url",
        "secrets": f"arn:aws:secretsmanager:us-east-1:{account}:secret:/{env}/{app}/secrets/api_key-AbC123",
        "layers": LAYER,
        "*": "*",
    }


def requests(kinds: dict[str, str], scope: roles.Scope) -> list[tuple[str, str, bool]]:
    """(action, ARN, is a write) for every need of every resource type that applies to the scope."""
    found = []
    for need in roles.NEEDS.values():
        if scope.applies(need):
            found += [(a, kinds[need.on], False) for a in need.reads] + [(a, kinds[need.on], True) for a in need.writes]
    return found


@pytest.fixture
def scope() -> roles.Scope:
    return roles.Scope.load("dev", account=ACCOUNT, bucket="acme-tfstate")


# AWS publishes the extension's layers from its own account to every account: the layer's own policy allows
# anyone lambda:GetLayerVersion. A resource in another account needs that policy as well as the caller's.
PUBLIC_LAYER = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "lambda:GetLayerVersion", "Resource": LAYER}]}


def decide(document: dict[str, object], action: str, arn: str, **extra: str) -> str:
    """The evaluator's decision; a KMS key is given KMS's default key policy (the account's IAM policies decide)."""
    resource_policy = PUBLIC_LAYER if arn == LAYER else None
    if arn.startswith("arn:aws:kms:"):
        resource_policy = iam_context.default_key_policy(arn.split(":")[4])
    return iam.evaluate([document], action, arn, {**CONTEXT, **extra}, resource_policy=resource_policy)


def test_the_plan_role_reads_everything_and_writes_nothing(scope: roles.Scope) -> None:
    """Each read the stack's resource types need is allowed to the plan role; each write is not."""
    plan = roles.policy(scope, "plan")
    wanted = requests(arns(), scope)
    assert len(wanted) > 40
    wrong = [(a, arn) for a, arn, write in wanted if decide(plan, a, arn) != ("implicit_deny" if write else "allowed")]
    assert wrong == []


def test_the_apply_role_does_what_each_resource_type_needs(scope: roles.Scope) -> None:
    """Every read and write of every resource type is allowed to the apply role, on the stack's own names."""
    apply = roles.policy(scope, "apply")
    assert [(a, arn) for a, arn, _ in requests(arns(), scope) if decide(apply, a, arn) != "allowed"] == []
    assert decide(apply, "iam:PassRole", arns()["roles"], **{"iam:PassedToService": "lambda.amazonaws.com"}) == "allowed"


@pytest.mark.parametrize(("env", "app"), [("dev", "billing"), ("prod", "demo"), ("dev", "demo-other")])
def test_neither_role_reaches_another_app_or_environment(scope: roles.Scope, env: str, app: str) -> None:
    """The same actions on a neighbour's names (another app, another environment, a longer name) are refused."""
    for role in roles.ROLES:
        document = roles.policy(scope, role)
        reached = [(a, arn) for a, arn, _ in requests(arns(env, app), scope) if arn != "*" and arn != LAYER]
        assert [(a, arn) for a, arn in reached if decide(document, a, arn) == "allowed"] == [], role


def test_no_role_reads_a_secret_value_or_passes_a_role_elsewhere(scope: roles.Scope) -> None:
    """GetSecretValue is never granted; decrypting through SSM is denied outright; PassRole only to Lambda."""
    via_ssm = {"kms:ViaService": "ssm.us-east-1.amazonaws.com"}
    for role in roles.ROLES:
        document = roles.policy(scope, role)
        assert decide(document, "secretsmanager:GetSecretValue", arns()["secrets"]) == "implicit_deny"
        assert decide(document, "kms:Decrypt", "arn:aws:kms:us-east-1:123456789012:key/k", **via_ssm) == "explicit_deny"
        assert decide(document, "iam:PassRole", arns()["roles"], **{"iam:PassedToService": "ec2.amazonaws.com"}) != "allowed"
        assert decide(document, "iam:CreateRole", f"arn:aws:iam::{ACCOUNT}:role/admin") == "implicit_deny"


def test_the_state_is_written_only_by_the_apply_role(scope: roles.Scope) -> None:
    """Both lock the state (plan takes the lock); only the apply role writes the state object."""
    state = "arn:aws:s3:::acme-tfstate/lambda-secrets-kit/dev/terraform.tfstate"
    plan, apply = roles.policy(scope, "plan"), roles.policy(scope, "apply")
    for document in (plan, apply):
        assert decide(document, "s3:ListBucket", "arn:aws:s3:::acme-tfstate") == "allowed"
        assert decide(document, "s3:GetObject", state) == "allowed"
        assert decide(document, "s3:PutObject", state + ".tflock") == "allowed"
        assert (
            decide(document, "s3:GetObject", "arn:aws:s3:::acme-tfstate/lambda-secrets-kit/prod/terraform.tfstate") != "allowed"
        )
    assert decide(plan, "s3:PutObject", state) == "implicit_deny" and decide(apply, "s3:PutObject", state) == "allowed"


def test_rotation_and_a_customer_key_add_their_permissions_only_when_used() -> None:
    """An app with the kit's rotation function or a KMS key gets those permissions; without, none (dev has neither:
    its one rotated secret uses the user's own function, so only the rotation resource's permissions)."""
    plain = roles.Scope.load("dev", ACCOUNT, bucket="b")
    assert not plain.rotated and not plain.kms_keys and plain.rotates
    apply = roles.policy(plain, "apply")
    assert decide(apply, "lambda:AddPermission", arns()["functions"] + "-rotate") == "implicit_deny"
    assert decide(apply, "secretsmanager:RotateSecret", arns()["secrets"]) == "allowed"
    assert decide(apply, "kms:CreateKey", "*") == "implicit_deny"
    key = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    rich = roles.Scope("dev", ("demo",), "us-east-1", ACCOUNT, "b", "k", rotated=("demo",), kms_keys=(key,))
    apply = roles.policy(rich, "apply")
    assert decide(apply, "lambda:AddPermission", arns()["functions"] + "-rotate") == "allowed"
    assert decide(apply, "secretsmanager:RotateSecret", arns()["secrets"]) == "allowed"
    via_sm = {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}
    assert decide(apply, "kms:GenerateDataKey", key, **via_sm) == "allowed"
    assert decide(apply, "kms:GenerateDataKey", key) == "implicit_deny"  # only through Secrets Manager
    created = roles.Scope("dev", ("demo",), "us-east-1", ACCOUNT, "b", "k", rotated=(), kms_keys=(), creates_kms_keys=True)
    apply = roles.policy(created, "apply")
    assert decide(apply, "kms:CreateKey", "*") == "allowed"
    assert decide(apply, "kms:PutKeyPolicy", f"arn:aws:kms:us-east-1:{ACCOUNT}:key/any") == "allowed"
    assert decide(roles.policy(created, "plan"), "kms:PutKeyPolicy", f"arn:aws:kms:us-east-1:{ACCOUNT}:key/any") != "allowed"


def test_every_resource_type_of_the_stack_has_its_permissions_listed() -> None:
    """A resource or data source type added to the stack or its modules must be given its needs (roles.NEEDS)."""
    assert roles.stack_resource_types() - set(roles.NEEDS) == set()


def test_every_action_is_an_operation_of_its_service() -> None:
    """Each action names an operation in botocore's model of that service (S3: the backend's documented actions)."""
    session = botocore.session.get_session()
    unknown = []
    for need in [*roles.NEEDS.values(), roles.KMS_NEED]:
        for action in need.reads + need.writes:
            service, name = action.split(":")
            if name not in session.get_service_model(service).operation_names:
                unknown.append(action)
    assert unknown == []
    s3 = {
        a
        for s in roles.policy(roles.Scope.load("dev", ACCOUNT, bucket="b"), "apply")["Statement"]
        for a in s["Action"]
        if a.startswith("s3:")
    }
    assert s3 == {"s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:DeleteObject"}  # Terraform's S3 backend docs


def test_make_target_prints_a_policy_and_refuses_bad_input() -> None:
    """`python -m scripts.ci policy` (make ci-policy) prints JSON; bad input is one line and exit 2."""
    command = [sys.executable, "-m", "scripts.ci", "policy", "--account", ACCOUNT, "--bucket", "acme-tfstate"]
    result = subprocess.run([*command, "--env", "dev", "--role", "apply"], capture_output=True, text=True)
    assert result.returncode == 0 and json.loads(result.stdout)["Version"] == "2012-10-17"
    result = subprocess.run([*command, "--env", "sandbox"], capture_output=True, text=True)
    assert result.returncode == 2 and result.stderr.startswith("error: no AWS environment 'sandbox'")
    with pytest.raises(UserError, match="ACCOUNT"):
        roles.Scope.load("dev", None, "acme-tfstate")
    with pytest.raises(UserError, match="TF_STATE_BUCKET"):
        roles.Scope.load("dev", ACCOUNT)  # the example's bucket is no bucket of yours
    with pytest.raises(UserError, match="REPO"):
        roles.trust(roles.Scope.load("dev", ACCOUNT, "b-b"), "plan", "not a repository")
    trust = roles.trust(roles.Scope.load("dev", ACCOUNT, "b-b"), "apply", "acme/infra")
    assert trust["Statement"][0]["Condition"]["StringEquals"]["token.actions.githubusercontent.com:sub"] == [
        "repo:acme/infra:environment:dev"
    ]
