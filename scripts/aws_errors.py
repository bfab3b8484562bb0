"""What went wrong on the AWS path, named by its real cause: one line with the cause and the fix.

A command for an AWS environment fails for one of a few reasons, and each needs a
different fix. They are told apart here, from what the SDK raised or what AWS answered,
never from the wording of a message:

- `backend_missing`, `backend_example`, `backend_invalid`: `<env>.backend.hcl` is absent,
  still names the example's bucket, or is unreadable. Checked offline, before any
  network call; the fix is in the file.
- `unreachable`: the SDK could not connect or got no answer (`EndpointConnectionError`,
  timeouts, TLS or proxy errors). The credentials were not checked; the fix is the
  network, a proxy or AWS_REGION.
- `no_credentials`: the SDK's credential chain found nothing (`NoCredentialsError`,
  `PartialCredentialsError`), or AWS_PROFILE names no profile.
- `expired`: AWS answered `ExpiredToken` (or another expiry code), or the SSO token could
  not be renewed.
- `rejected`: AWS does not know the key (`InvalidClientTokenId`, `SignatureDoesNotMatch`).
- `access_denied`: AWS answered `AccessDenied` (in any of its spellings), or 403 to a HEAD
  request (which has no body to carry a code).
- `bucket_missing`: the state bucket does not exist.

`client()` makes a boto3 client whose calls raise `AwsProblem` for the answers above
(an `after-call` handler, so paginators and waiters are covered too); other service
errors stay `ClientError` for the caller to handle. `caller_account()` is the first
network call of a command (STS GetCallerIdentity, which needs no permission); the
backend file is read before it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from scripts.common import ROOT, UserError

# AWS's error codes, by cause (STS, S3 and the JSON services spell some of them differently).
EXPIRED_CODES = frozenset({"ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"})
REJECTED_CODES = frozenset(
    {"InvalidClientTokenId", "UnrecognizedClientException", "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken"}
)
DENIED_CODES = frozenset(
    {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError", "Forbidden", "UnauthorizedAccess"}
)
# A HEAD answer has no body, so no code: the IAM action behind each HEAD operation the tooling uses.
HEAD_ACTIONS = {"HeadBucket": "s3:ListBucket", "HeadObject": "s3:GetObject"}
# S3's bucket naming rules (general purpose buckets): 3-63 characters, lower-case letters, digits, dots, hyphens.
BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
CREDENTIALS_FIX = "set AWS_PROFILE (or run aws sso login / aws configure), then retry"


class AwsProblem(UserError):
    """A UserError whose `cause` says which of the causes in the module's table it is."""

    def __init__(self, cause: str, message: str) -> None:
        super().__init__(message)
        self.cause = cause


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


# ---------------------------------------------------------------------------------------------
# Offline: the backend file
# ---------------------------------------------------------------------------------------------


def _settings(path: Path) -> dict[str, Any]:
    import hcl2

    try:
        parsed = hcl2.loads(path.read_text())
    except Exception as exc:  # noqa: BLE001 (python-hcl2 raises lark's several error types)
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise AwsProblem("backend_invalid", f"{_shown(path)} is not valid HCL ({first}); fix it, then retry") from None
    return {key: value.strip('"') if isinstance(value, str) else value for key, value in parsed.items()}


def backend_settings(backend: Path, env: str) -> dict[str, Any]:
    """The backend file's settings (bucket, key, region, ...), or an AwsProblem naming what is wrong with it.

    Read before any network call: a missing file, the example's bucket left in it, or a
    bucket name S3 would refuse are all fixed in the file, not in AWS.
    """
    example = backend.with_name(backend.name + ".example")
    if not backend.is_file():
        raise AwsProblem(
            "backend_missing",
            f"{_shown(backend)} is missing (it says where ENV={env} keeps its state): copy {example.name} to "
            f"{backend.name} and name your state bucket in it, then retry",
        )
    settings = _settings(backend)
    bucket = settings.get("bucket")
    if example.is_file() and bucket == _settings(example).get("bucket"):
        raise AwsProblem(
            "backend_example",
            f"{_shown(backend)} still names the example's bucket ({bucket}): put the name of your state bucket "
            "(versioning on) in it, then retry",
        )
    if not isinstance(bucket, str) or not BUCKET_NAME.match(bucket) or ".." in bucket:
        raise AwsProblem(
            "backend_invalid",
            f"{_shown(backend)}: bucket = {bucket!r} is not an S3 bucket name (3-63 lower-case letters, digits, "
            "dots, hyphens); fix it, then retry",
        )
    return settings


# ---------------------------------------------------------------------------------------------
# Classification of what the SDK raised or AWS answered
# ---------------------------------------------------------------------------------------------


def _action(model: Any) -> str:
    """The IAM action of an operation (the service's signing name and the operation's name)."""
    if model.name in HEAD_ACTIONS:
        return HEAD_ACTIONS[model.name]
    service = model.service_model.signing_name or model.service_model.endpoint_prefix
    return f"{service}:{model.name}"


def from_answer(status: int, code: str | None, message: str, action: str, env: str) -> AwsProblem | None:
    """The problem an error answer from AWS means, or None for an error the caller handles itself."""
    code = code or ""
    if code in EXPIRED_CODES:
        return AwsProblem(
            "expired",
            f"the AWS credentials for ENV={env} have expired ({code} on {action}); renew them (aws sso login, "
            "or a new session token), then retry",
        )
    if code in REJECTED_CODES:
        return AwsProblem(
            "rejected",
            f"AWS does not accept the credentials for ENV={env} ({code} on {action}): the access key is wrong, "
            f"deleted or from another partition; {CREDENTIALS_FIX}",
        )
    if code in DENIED_CODES or (status == 403 and code in ("", "403")):
        said = f": {message}" if message else ""
        return AwsProblem(
            "access_denied",
            f"ENV={env}: AWS denied {action} to these credentials ({code or status}{said}); grant that permission "
            f"(docs/ci.md lists what each role needs) or use other credentials, then retry",
        )
    return None


def explain(exc: BaseException, env: str, action: str = "the request") -> AwsProblem | None:
    """The problem behind an exception the SDK raised, or None when it is not one of the causes above."""
    from botocore import exceptions as sdk

    if isinstance(exc, AwsProblem):
        return exc
    if isinstance(exc, sdk.ConnectionError | sdk.HTTPClientError):
        where = getattr(exc, "kwargs", {}).get("endpoint_url") or "AWS"
        return AwsProblem(
            "unreachable",
            f"AWS did not answer for ENV={env} ({type(exc).__name__} for {where}); the credentials were not "
            "checked: check the network, a proxy (HTTPS_PROXY) and AWS_REGION, then retry",
        )
    if isinstance(exc, sdk.NoCredentialsError | sdk.PartialCredentialsError):
        return AwsProblem(
            "no_credentials",
            f"no AWS credentials for ENV={env} ({type(exc).__name__}: the SDK looked in the environment, "
            f"AWS_PROFILE, the shared files, SSO and the instance metadata); {CREDENTIALS_FIX}",
        )
    if isinstance(exc, sdk.ProfileNotFound):
        return AwsProblem(
            "no_credentials",
            f"no AWS credentials for ENV={env}: AWS_PROFILE={os.environ.get('AWS_PROFILE', '')} names no profile in "
            "your AWS configuration; fix AWS_PROFILE (aws configure list-profiles lists them), then retry",
        )
    if isinstance(exc, sdk.TokenRetrievalError | sdk.SSOError | sdk.CredentialRetrievalError):
        return AwsProblem(
            "expired",
            f"the AWS credentials for ENV={env} could not be renewed ({type(exc).__name__}); run aws sso login "
            "(or renew the session your profile uses), then retry",
        )
    if isinstance(exc, sdk.ClientError):
        error = exc.response.get("Error", {})
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return from_answer(status, error.get("Code"), error.get("Message", ""), action, env)
    return None


# ---------------------------------------------------------------------------------------------
# Clients and the first calls of a command
# ---------------------------------------------------------------------------------------------


def client(service: str, region: str, env: str, config: Any = None) -> Any:
    """A boto3 client whose calls raise AwsProblem for expired or rejected credentials and access denied."""
    import boto3
    from botocore.exceptions import BotoCoreError

    try:
        made = boto3.client(service, region_name=region, config=config)
    except BotoCoreError as exc:  # a bad profile or configuration: before any request
        problem = explain(exc, env)
        if problem:
            raise problem from None
        raise UserError(f"cannot make an AWS client for ENV={env} ({exc}); check AWS_PROFILE and aws configure") from None

    def refuse(http_response: Any, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        if http_response.status_code < 300:
            return
        error = parsed.get("Error", {})
        problem = from_answer(http_response.status_code, error.get("Code"), error.get("Message", ""), _action(model), env)
        if problem is not None:
            raise problem

    made.meta.events.register("after-call", refuse)
    return made


def preflight_config() -> Any:
    """Fail fast when AWS does not answer: one retry, 5 s to connect (the SDK's defaults wait much longer)."""
    from botocore.config import Config

    return Config(connect_timeout=5, read_timeout=15, retries={"max_attempts": 2, "mode": "standard"})


def caller_account(sts: Any, env: str) -> str:
    """The account the credentials reach (STS GetCallerIdentity needs no permission), or the AwsProblem."""
    try:
        return sts.get_caller_identity()["Account"]
    except Exception as exc:  # noqa: BLE001 (classified below; anything else is a bug and keeps its traceback)
        problem = explain(exc, env, "sts:GetCallerIdentity")
        if problem is None:
            raise
        raise problem from None


def check_state_bucket(s3: Any, bucket: str, backend: Path, env: str) -> None:
    """The state bucket exists and these credentials may list it (what Terraform's S3 backend does first)."""
    from botocore.exceptions import ClientError

    try:
        s3.head_bucket(Bucket=bucket)
    except AwsProblem as problem:
        if problem.cause != "access_denied":
            raise
        raise AwsProblem(
            "access_denied",
            f"ENV={env}: AWS denied s3:ListBucket on the state bucket {bucket} to these credentials (HeadBucket: "
            f"403); grant it (docs/ci.md), or fix the bucket in {_shown(backend)}, then retry",
        ) from None
    except ClientError as exc:
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if status != 404:
            raise
        raise AwsProblem(
            "bucket_missing",
            f"the state bucket {bucket} named in {_shown(backend)} does not exist: create it (versioning on) or "
            "fix the name, then retry",
        ) from None
    except Exception as exc:  # noqa: BLE001
        problem = explain(exc, env, "s3:ListBucket")
        if problem is None:
            raise
        raise problem from None
