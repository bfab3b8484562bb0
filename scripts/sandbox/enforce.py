"""The SDK path's IAM decisions: what a Lambda function's role session may do through the sandbox's front.

The front (front.py) verifies every request's signature. A request signed by a function's role
session (the credentials the local runner gives an execution environment) is then decided
here, as AWS would decide it, by one Authorizer per execution environment
(scripts/iam/authorizer.py): the role's identity policies and boundary, a secret's resource
policy, the key policy for the decryption Secrets Manager or Parameter Store makes on the
caller's behalf, and the cross-account rule. A refusal goes back as AccessDenied(Exception),
in the request's protocol, before moto sees the request.

What each operation is authorized on, from AWS's service authorization reference:
- Secrets Manager: the secret's ARN (SecretId: a name, a partial or a full ARN); GetSecretValue also
  needs kms:Decrypt through Secrets Manager on the secret's key; BatchGetSecretValue needs
  secretsmanager:BatchGetSecretValue (no resource) and, for each secret, GetSecretValue ("you must
  have permissions for both ... for each secret"). AWS answers a batch with an error per secret it
  may not read; the sandbox refuses the whole call instead (the client then reads one by one).
- Parameter Store: the parameter's ARN (Name, each of Names; GetParametersByPath: the path's ARN);
  WithDecryption on a SecureString also needs kms:Decrypt through SSM on its key. GetParameters is
  refused as a whole when one name is, as AWS does.
- KMS: the key's ARN (KeyId: an id, ARN or alias), with the key policy.
- sts:GetCallerIdentity: "No permissions are required to perform this operation."
- Any other operation: `<service>:<Operation>` on "*" (its resource is not worked out here).

The extension emulation is not the function: it decides the extension path itself and signs its
own lookups (the role's policies, a secret's key, the reads it has decided) with a separate
session of the role MACHINERY_ROLE, which the runner gives only to extension processes.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

from scripts.sandbox import credentials

NO_PERMISSION_NEEDED = {("sts", "GetCallerIdentity")}
SECRET_OPERATIONS = {
    "GetSecretValue",
    "DescribeSecret",
    "PutSecretValue",
    "UpdateSecret",
    "UpdateSecretVersionStage",
    "DeleteSecret",
    "RestoreSecret",
    "RotateSecret",
    "CancelRotateSecret",
    "ListSecretVersionIds",
    "GetResourcePolicy",
    "PutResourcePolicy",
    "DeleteResourcePolicy",
    "TagResource",
    "UntagResource",
}
PARAMETER_OPERATIONS = {"GetParameter", "GetParameterHistory", "PutParameter", "DeleteParameter", "LabelParameterVersion"}
NOT_FOUND = ("ResourceNotFoundException", "NotFoundException", "ParameterNotFound")
KEY_OPERATIONS = {"Decrypt", "Encrypt", "GenerateDataKey", "DescribeKey", "GetKeyPolicy", "ReEncrypt", "Sign", "Verify"}

Check = tuple[str, str, tuple[str, str | None, str] | None]  # (action, resource ARN, (service, key id, item ARN) for a decrypt)


class Enforcer:
    """The front's hook for role sessions: one Authorizer per execution environment (its session credentials)."""

    def __init__(self, endpoint: str, keys: credentials.Keys) -> None:
        self.endpoint, self.keys = endpoint, keys
        self._authorizers: dict[str, Any] = {}
        self._resource_keys: dict[str, dict[str, Any]] = {}  # a secret's ARN -> the condition keys it brings
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def __call__(self, session: credentials.Session, request: Any) -> str | None:
        """None to let the request through; else why it is refused (one line, names only). `request` is the
        front's SignedRequest (operation, service, region, body)."""
        if session.role_arn == credentials.MACHINERY_ROLE:
            return None
        operation = request.operation or ""
        if (request.service, operation) in NO_PERMISSION_NEEDED:
            return None
        authorizer = self._authorizer(session, request.region)
        for action, resource, decrypt in self.checks(request, operation, session):
            if decrypt is None:
                result = authorizer.authorize(action, resource, request_context=self._resource_keys.get(resource))
            else:
                service, key_id, item = decrypt
                result = authorizer.authorize_decrypt(service, key_id, item)  # type: ignore[arg-type]
            if not result.allowed:
                via = f" through {decrypt[0]} for {decrypt[2]}" if decrypt else ""
                return (
                    f"{session.session_name}'s role ({session.role_arn}) is not authorized to perform {action} on "
                    f"{resource}{via} ({result.decision.replace('_', ' ')})"
                )
        return None

    # --- what a request is authorized on ---------------------------------------------------

    def checks(self, request: Any, operation: str, session: credentials.Session) -> Iterator[Check]:
        """(action, resource, decrypt) for each authorization the operation needs, in AWS's order."""
        body = _json(request.body)
        region, account = request.region, session.role_arn.split(":")[4]
        service = request.service
        action = f"{service}:{operation}"
        if service == "secretsmanager" and operation in SECRET_OPERATIONS:
            yield from self._secret(action, str(body.get("SecretId", "")), region, account, operation == "GetSecretValue")
        elif service == "secretsmanager" and operation == "BatchGetSecretValue":
            yield (action, "*", None)
            for secret_id in body.get("SecretIdList") or []:
                yield from self._secret("secretsmanager:GetSecretValue", str(secret_id), region, account, True)
        elif service == "ssm" and operation in PARAMETER_OPERATIONS | {"GetParameters", "DeleteParameters"}:
            names = (body.get("Names") or []) if operation.endswith("Parameters") else [body.get("Name", "")]
            decrypt = bool(body.get("WithDecryption")) and operation.startswith("Get")
            for name in names:
                yield from self._parameter(action, str(name), region, account, decrypt)
        elif service == "ssm" and operation == "GetParametersByPath":
            yield (action, _parameter_arn(str(body.get("Path", "")), region, account), None)
        elif service == "kms" and operation in KEY_OPERATIONS and body.get("KeyId"):
            yield (action, self._key_arn(str(body["KeyId"]), region), None)
        else:
            yield (action, "*", None)

    def _secret(self, action: str, secret_id: str, region: str, account: str, decrypt: bool) -> Iterator[Check]:
        described = self._call(region, "secretsmanager", "describe_secret", SecretId=secret_id)
        if described is None:  # no such secret: decided on the ARN its name would have
            name = unquote(secret_id.split(":secret:", 1)[-1])
            yield (action, f"arn:aws:secretsmanager:{region}:{account}:secret:{name}-AbCdEf", None)
            return
        self._resource_keys[described["ARN"]] = secret_keys(described)
        yield (action, described["ARN"], None)
        if decrypt:  # Secrets Manager decrypts with the caller's permissions
            key = described.get("KmsKeyId")
            yield ("kms:Decrypt", key or "aws/secretsmanager", ("secretsmanager", key, described["ARN"]))

    def _parameter(self, action: str, name: str, region: str, account: str, decrypt: bool) -> Iterator[Check]:
        arn = _parameter_arn(name, region, account)
        yield (action, arn, None)
        if decrypt:
            plain = "/" + arn.split(":parameter/", 1)[1]
            found = self._call(
                region, "ssm", "describe_parameters", ParameterFilters=[{"Key": "Name", "Option": "Equals", "Values": [plain]}]
            )
            described = (found or {}).get("Parameters") or []
            if described and described[0].get("Type") == "SecureString":
                key = described[0].get("KeyId")
                yield ("kms:Decrypt", key or "aws/ssm", ("ssm", key, arn))

    def _key_arn(self, key_id: str, region: str) -> str:
        found = self._call(region, "kms", "describe_key", KeyId=key_id)
        return found["KeyMetadata"]["Arn"] if found else key_id

    # --- lookups (this checkout's own credentials, back through the front) ------------------

    def _client(self, region: str, service: str) -> Any:
        with self._lock:
            if (region, service) not in self._clients:
                import boto3

                self._clients[(region, service)] = boto3.client(
                    service,
                    region_name=region,
                    endpoint_url=self.endpoint,
                    aws_access_key_id=self.keys.access_key_id,
                    aws_secret_access_key=self.keys.secret_access_key,
                )
            return self._clients[(region, service)]

    def _call(self, region: str, service: str, operation: str, **kwargs: Any) -> dict[str, Any] | None:
        """A lookup's answer, or None when the resource does not exist (AWS then decides on its name)."""
        from botocore.exceptions import ClientError

        try:
            return getattr(self._client(region, service), operation)(**kwargs)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in NOT_FOUND:
                return None
            raise

    def _authorizer(self, session: credentials.Session, region: str) -> Any:
        """The session's Authorizer: its role's policies read once per execution environment (as on AWS, where a
        change to the role reaches a warm environment within seconds; a new one always sees it)."""
        from scripts.iam.roles import authorizer_for

        with self._lock:
            found = self._authorizers.get(session.access_key_id)
        if found is None:
            found = authorizer_for(
                self._client(region, "iam"),
                self._client(region, "secretsmanager"),
                self._client(region, "kms"),
                session.role_arn,
                session.session_name,
                region,
            )
            with self._lock:
                self._authorizers[session.access_key_id] = found
        return found


def secret_keys(described: dict[str, Any]) -> dict[str, Any]:
    """The condition keys Secrets Manager supplies for a secret (service authorization reference): its rotation
    function (secretsmanager:resource/AllowRotationLambdaArn) and its tags (secretsmanager:ResourceTag/<key>)."""
    keys: dict[str, Any] = {f"secretsmanager:ResourceTag/{t['Key']}": t["Value"] for t in described.get("Tags") or []}
    if described.get("RotationLambdaARN"):
        keys["secretsmanager:resource/AllowRotationLambdaArn"] = described["RotationLambdaARN"]
    return keys


def _json(body: bytes) -> dict[str, Any]:
    try:
        decoded = json.loads(body or b"{}")
    except ValueError:
        return {}
    return decoded if isinstance(decoded, dict) else {}


def _parameter_arn(name: str, region: str, account: str) -> str:
    if name.startswith("arn:"):
        return name
    return f"arn:aws:ssm:{region}:{account}:parameter{name if name.startswith('/') else '/' + name}"
