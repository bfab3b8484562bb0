"""One authorizer for the requests a Lambda function's role session makes: every policy AWS would apply.

It applies, for each request (docs/iam-evaluation.md gives each rule with AWS's sentence):
- the role's identity policies and, if the role has one, its permission boundary;
- a secret's resource policy (secretsmanager:* on a secret), fetched once per secret;
- a KMS key's policy for kms:* on a key and for the kms:Decrypt that Secrets Manager or
  Parameter Store make on the function's behalf (`authorize_decrypt`): the key's own policy,
  KMS's default key policy when the key has none on record, the AWS managed keys' policy
  for aws/secretsmanager and aws/ssm;
- the cross-account rule: a resource in another account needs its resource policy to
  allow the caller as well as the caller's identity policy.

API (standard library only; it runs inside the extension emulation and in a proxy process):

    from scripts.iam.authorizer import Authorizer, Key

    authorizer = Authorizer(
        role_arn=ROLE_ARN,                  # the function's execution role
        session_name=FUNCTION_NAME,         # Lambda names the role session after the function
        region=REGION,
        identity_policies=[...],            # the role's policy documents (roles.role_permissions())
        permission_boundary=None,           # the role's boundary document, if it has one
        principal_tags={}, role_id=None,    # aws:PrincipalTag/*, aws:userid's role id
        resource_policy=lambda arn: ...,    # a secret's policy document, or None when it has none
        key=lambda key_id: Key(arn, policy),# a KMS key by id, ARN or alias: Key(arn, policy=None
    )                                       #   for "no policy on record", aws_managed=True for aws/*)
    result = authorizer.authorize("secretsmanager:GetSecretValue", secret_arn)
    result = authorizer.authorize("ssm:GetParameter", parameter_arn)
    result = authorizer.authorize("kms:Decrypt", key_arn)              # a direct call to KMS
    result = authorizer.authorize_decrypt("ssm", key_id, parameter_arn)  # KMS, called by the service
    result.decision   # "allowed" | "explicit_deny" | "implicit_deny" | "undecided"
    result.allowed    # refuse the request unless True ("undecided" is a refusal too)
    result.problems   # what could not be evaluated, one line each, to log (never a value)

The callables are called at most once per resource for the authorizer's lifetime (build a new
authorizer, or call `forget()`, to see a changed policy); an exception they raise propagates.
`key_id` None, or an alias/aws/<service> alias, is the AWS managed key: no callable is needed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scripts.iam import context as iam_context
from scripts.iam import policy as iam_policy

ResourcePolicy = Callable[[str], Mapping[str, Any] | None]


@dataclass(frozen=True)
class Key:
    """A KMS key as the authorizer needs it: its ARN, its key policy (None: none on record, so KMS's
    default key policy), and whether it is an AWS managed key (aws/secretsmanager, aws/ssm)."""

    arn: str
    policy: Mapping[str, Any] | None = None
    aws_managed: bool = False


def _account(arn: str) -> str:
    parts = arn.split(":", 5)
    return parts[4] if len(parts) == 6 else ""


class Authorizer:
    """Decides each request of one role session with every policy AWS would apply (see the module doc)."""

    def __init__(
        self,
        *,
        role_arn: str,
        session_name: str,
        region: str,
        identity_policies: Sequence[Mapping[str, Any]],
        permission_boundary: Mapping[str, Any] | None = None,
        principal_tags: Mapping[str, str] | None = None,
        role_id: str | None = None,
        resource_policy: ResourcePolicy | None = None,
        key: Callable[[str], Key] | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.role_arn = role_arn
        self.session_name = session_name
        self.region = region
        self.account = _account(role_arn)
        self.partition = role_arn.split(":")[1]
        self.identity_policies = list(identity_policies)
        self.permission_boundary = permission_boundary
        self.principal_tags = dict(principal_tags or {})
        self.role_id = role_id
        self.principal = iam_context.session_arn(role_arn, session_name)
        self._resource_policy = resource_policy
        self._key = key
        self._clock = clock
        self._lock = threading.Lock()
        self._policies: dict[str, Mapping[str, Any] | None] = {}
        self._keys: dict[str, Key] = {}

    def forget(self) -> None:
        """Drop the resource policies and keys fetched so far (the next request fetches them again)."""
        with self._lock:
            self._policies.clear()
            self._keys.clear()

    def context(self, resource_account: str | None = None) -> dict[str, Any]:
        """The request context of the role session's own call to a regional endpoint over HTTPS."""
        extra = {"role_id": self.role_id} if self.role_id else {}
        return iam_context.for_function(
            role_arn=self.role_arn,
            session_name=self.session_name,
            region=self.region,
            principal_tags=self.principal_tags,
            resource_account=resource_account or None,
            now=self._clock() if self._clock else None,
            **extra,
        )

    def authorize(self, action: str, resource: str, *, request_context: Mapping[str, Any] | None = None) -> iam_policy.Result:
        """The decision for the role session calling `action` on `resource` directly. `request_context`: the keys the
        service adds for this request and resource (e.g. secretsmanager:resource/AllowRotationLambdaArn)."""
        service = action.split(":", 1)[0].lower()
        resource_policy: Mapping[str, Any] | None = None
        required = None
        if service == "kms" and resource != "*":
            key = self.key(resource)
            resource, resource_policy, required = key.arn, self.key_policy(key, None), True
        elif service == "secretsmanager" and self._resource_policy is not None and resource.startswith("arn:"):
            resource_policy = self.resource_policy(resource)
        return iam_policy.decide(
            self.identity_policies,
            action,
            resource,
            {**self.context(_account(resource)), **(request_context or {})},
            resource_policy=resource_policy,
            principal=self.principal,
            permission_boundary=self.permission_boundary,
            resource_policy_required=required,
        )

    def authorize_decrypt(
        self, service: iam_context.Service, key_id: str | None, item_arn: str, version_id: str | None = None
    ) -> iam_policy.Result:
        """kms:Decrypt as KMS decides it when `service` decrypts `item_arn` for the function: the key
        policy and the role's policies, in the context KMS sees (kms:ViaService, kms:CallerAccount, the
        service's encryption context), with the role session as the principal."""
        key = self.key(key_id, service, _account(item_arn) or self.account)
        context = iam_context.for_decrypt_via(
            self.context(_account(key.arn)),
            service,
            encryption=iam_context.encryption_context(service, item_arn, version_id),
            key_account=_account(key.arn) or self.account,
        )
        return iam_policy.decide(
            self.identity_policies,
            "kms:Decrypt",
            key.arn,
            context,
            resource_policy=self.key_policy(key, service),
            principal=self.principal,
            permission_boundary=self.permission_boundary,
            resource_policy_required=True,
        )

    def resource_policy(self, arn: str) -> Mapping[str, Any] | None:
        """The resource's policy, fetched once."""
        with self._lock:
            if arn not in self._policies:
                self._policies[arn] = self._resource_policy(arn) if self._resource_policy else None
            return self._policies[arn]

    def key(self, key_id: str | None, service: str | None = None, account: str | None = None) -> Key:
        """The key `key_id` names, looked up once; None or alias/aws/<service> is the AWS managed key of `account`
        (the account of the secret or parameter it encrypts: an AWS managed key serves its own account only)."""
        if key_id is None or key_id.startswith("alias/aws/") or ":alias/aws/" in key_id:
            alias = key_id.rsplit(":", 1)[-1] if key_id else f"alias/aws/{service}"
            owner = _account(key_id) if key_id and key_id.startswith("arn:") else account or self.account
            return Key(f"arn:{self.partition}:kms:{self.region}:{owner}:{alias}", aws_managed=True)
        with self._lock:
            if key_id not in self._keys:
                if self._key is None:
                    raise ValueError(f"no key lookup given to find the KMS key {key_id}")
                self._keys[key_id] = self._key(key_id)
            return self._keys[key_id]

    def key_policy(self, key: Key, service: str | None) -> Mapping[str, Any]:
        """The policy KMS applies: the key's own, the AWS managed keys' policy, or KMS's default key policy."""
        account = _account(key.arn) or self.account
        managed = service or key.arn.rsplit("/", 1)[-1]
        if key.aws_managed and managed in ("ssm", "secretsmanager"):
            return iam_context.aws_managed_key_policy(managed, self.region, account)  # type: ignore[arg-type]
        if key.policy is not None:
            return key.policy
        if key.aws_managed:  # another service's AWS managed key, its policy unknown: nothing is granted
            return {"Version": "2012-10-17", "Statement": []}
        return iam_context.default_key_policy(account, self.partition)
