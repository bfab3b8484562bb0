"""The sandbox's server: moto, behind a front that answers only requests signed with this checkout's credentials.

    python -m scripts.sandbox.front --port PORT --credentials FILE   (scripts/sandbox/server.py up starts it)

One process serves moto's own WSGI application (`DomainDispatcherApplication(create_backend_app)`,
what `moto_server` serves) behind `Front`, a WSGI middleware, with moto's request handler, on
127.0.0.1:PORT. moto listens nowhere else, so every request passes the front. (moto's own
request authentication, INITIAL_NO_AUTH_ACTION_COUNT, stays off: with moto 5.2.5 it refuses
Terraform's Lambda calls that have an empty body.)

`Front` accepts a request only when its AWS Signature Version 4 (Authorization header)
verifies, recomputed here from the request as received:
- with this checkout's key pair (FILE, written at sandbox-up, mode 0600): the tooling (boto3)
  and Terraform (the AWS provider's Go SDK), which get it from their process environment;
- or with session credentials the local runner minted for a function's role
  (scripts/sandbox/credentials.py). Such a request is then put to `enforce.Enforcer`, the
  one decision hook for what a function's role session may do.
Anything else (no signature, another key, a wrong signature, a signature older than 15
minutes, an altered body) is refused in the AWS error shape of the request's protocol:
AccessDeniedException for the JSON protocols (Secrets Manager, SSM, KMS, Logs, Lambda),
AccessDenied for the query protocols (IAM, STS; EC2's own error shape). moto's /moto-api/
(reset, data dump) needs a signature too. One path answers unsigned: GET /_sandbox/health,
with this process's pid and nothing else, so `server.healthy` can tell this server from another.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import io
import json
import os
import re
import signal
import sys
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit
from xml.sax.saxutils import escape

from scripts.sandbox import credentials, enforce

HEALTH_PATH = "/_sandbox/health"
FRONT_NAME = "lambda-secrets-kit sandbox front"
MAX_SKEW = 15 * 60  # seconds: AWS refuses a signature more than 15 minutes from its clock
ALGORITHM = "AWS4-HMAC-SHA256"
_AUTHORIZATION = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<credential>[^,\s]+)\s*,\s*SignedHeaders=(?P<signed>[^,\s]+)\s*,"
    r"\s*Signature=(?P<signature>[0-9a-f]{64})\s*$"
)


class Refused(Exception):
    """A request the front does not pass on; the message says why (it goes back to the caller)."""


@dataclass(frozen=True)
class SignedRequest:
    """A request whose signature verified, as the decision hook sees it."""

    method: str
    path: str  # as sent, percent-encoded
    query: str
    headers: dict[str, str] = field(repr=False)  # lower-case names
    body: bytes = field(repr=False)
    service: str  # the signing name in the credential scope (ssm, secretsmanager, kms, lambda, iam, ...)
    region: str

    @property
    def operation(self) -> str | None:
        """The API operation when the request names it (X-Amz-Target, or the query protocol's Action)."""
        target = self.headers.get("x-amz-target", "")
        if target:
            return target.rsplit(".", 1)[-1]
        for source in (self.query, self.body.decode("utf-8", "replace") if _is_form(self.headers) else ""):
            for pair in source.split("&"):
                name, _, value = pair.partition("=")
                if name == "Action":
                    return unquote(value)
        return None


@dataclass(frozen=True)
class Caller:
    """Who signed: this checkout's key pair (session None) or a function's role session."""

    access_key_id: str
    session: credentials.Session | None = None


# The decision hook for requests signed by a function's role session: None to let the request through, else
# the refusal message (the caller gets AccessDenied(Exception) with it). The front's own is enforce.Enforcer.
SessionAuthorizer = Callable[[credentials.Session, SignedRequest], "str | None"]


def _is_form(headers: dict[str, str]) -> bool:
    return headers.get("content-type", "").startswith("application/x-www-form-urlencoded")


def _canonical_query(query: str) -> str:
    """SigV4's canonical query string: each name and value URI-encoded (RFC 3986), sorted by name, then value."""
    pairs = []
    for pair in query.split("&") if query else []:
        name, _, value = pair.partition("=")
        pairs.append((quote(unquote(name), safe="-_.~"), quote(unquote(value), safe="-_.~")))
    return "&".join(f"{name}={value}" for name, value in sorted(pairs))


def _canonical_path(path: str) -> str:
    """SigV4's canonical URI for every service but S3: the path as sent, URI-encoded once more."""
    segments: list[str] = []
    for segment in (path or "/").split("/"):
        if segment == "..":
            if len(segments) > 1:
                segments.pop()
        elif segment != ".":
            segments.append(segment)
    normalized = "/".join(segments) or "/"
    if not normalized.startswith("/"):
        normalized = "/" + normalized
    return quote(normalized, safe="/~")


def _signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = f"AWS4{secret}".encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def verify(
    method: str,
    target: str,
    headers: dict[str, str],
    body: bytes,
    keys: credentials.Keys,
    now: float | None = None,
) -> tuple[Caller, SignedRequest]:
    """Check the request's SigV4 signature against this checkout's credentials; who signed it, and the
    request as the hook sees it. `target` is the request line's target (path and query, as sent);
    `headers` have lower-case names. Raises Refused with the reason."""
    match = _AUTHORIZATION.match(headers.get("authorization", ""))
    if match is None:
        raise Refused("the request is not signed (AWS Signature Version 4 in an Authorization header)")
    scope = match["credential"].split("/")
    if len(scope) != 5 or scope[4] != "aws4_request":
        raise Refused("the signature's credential scope is malformed")
    access_key_id, date, region, service, _ = scope
    signed = match["signed"].split(";")
    if "host" not in signed or signed != sorted(signed):
        raise Refused("the signature does not cover the Host header")

    if access_key_id == keys.access_key_id:
        caller, secret = Caller(access_key_id), keys.secret_access_key
    elif access_key_id.startswith("ASIA") and "x-amz-security-token" in signed:
        session = credentials.verify_session(keys, access_key_id, headers.get("x-amz-security-token", ""), now)
        if isinstance(session, str):
            raise Refused(session)
        caller, secret = Caller(access_key_id, session), session.secret_access_key
    else:
        raise Refused("the request is not signed with this checkout's sandbox credentials")

    stamp = headers.get("x-amz-date", "")
    try:
        signed_at = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).timestamp()
    except ValueError:
        raise Refused("the request has no valid X-Amz-Date header") from None
    if not stamp.startswith(date) or abs((time.time() if now is None else now) - signed_at) > MAX_SKEW:
        raise Refused("the signature has expired or is dated in the future (more than 15 minutes off)")

    payload_hash = hashlib.sha256(body).hexdigest()
    if headers.get("x-amz-content-sha256", payload_hash) != payload_hash:
        raise Refused("the body does not match the signed payload hash")
    url = urlsplit(target)
    canonical_headers = "".join(f"{name}:{' '.join(headers.get(name, '').split())}\n" for name in signed)
    canonical_request = "\n".join(
        [method, _canonical_path(url.path), _canonical_query(url.query), canonical_headers, ";".join(signed), payload_hash]
    )
    string_to_sign = "\n".join(
        [ALGORITHM, stamp, "/".join(scope[1:]), hashlib.sha256(canonical_request.encode("utf-8", "surrogateescape")).hexdigest()]
    )
    expected = hmac.new(_signing_key(secret, date, region, service), string_to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, match["signature"]):
        raise Refused("the signature does not match (signed with another secret key, or the request was altered)")
    return caller, SignedRequest(method, url.path, url.query, headers, body, service, region)


def refusal(headers: dict[str, str], path: str, message: str) -> tuple[str, list[tuple[str, str]], bytes]:
    """(status, headers, body) of a refusal in the AWS error shape of the request's protocol."""
    service = ""
    match = _AUTHORIZATION.match(headers.get("authorization", ""))
    if match and len(match["credential"].split("/")) == 5:
        service = match["credential"].split("/")[3]
    request_id = str(uuid.uuid4())
    if headers.get("x-amz-target"):  # awsJson 1.0/1.1: Secrets Manager, SSM, KMS, CloudWatch Logs
        body = json.dumps({"__type": "AccessDeniedException", "message": message}).encode()
        return (
            "400 Bad Request",
            [
                ("Content-Type", "application/x-amz-json-1.1"),
                ("x-amzn-ErrorType", "AccessDeniedException"),
                ("x-amzn-RequestId", request_id),
            ],
            body,
        )
    if _is_form(headers) or "Action=" in urlsplit(path).query:  # the query protocols
        text = escape(message)
        if service == "ec2":
            xml = f"<Response><Errors><Error><Code>AuthFailure</Code><Message>{text}</Message></Error></Errors>"
            xml += f"<RequestID>{request_id}</RequestID></Response>"
        else:
            xml = f"<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>{text}</Message></Error>"
            xml += f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        return "403 Forbidden", [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)], xml.encode()
    # restJson (Lambda) and anything else (moto's own /moto-api/): a JSON body, the code in a header
    body = json.dumps({"Type": "User", "message": message}).encode()
    return (
        "403 Forbidden",
        [
            ("Content-Type", "application/json"),
            ("x-amzn-ErrorType", "AccessDeniedException"),
            ("x-amzn-RequestId", request_id),
        ],
        body,
    )


def _headers(environ: dict[str, Any]) -> dict[str, str]:
    """The request's headers by lower-case name, from a WSGI environ."""
    found = {key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key.startswith("HTTP_")}
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            found[key.replace("_", "-").lower()] = environ[key]
    return found


def _body(environ: dict[str, Any]) -> bytes:
    stream = environ["wsgi.input"]
    if environ.get("wsgi.input_terminated"):
        return stream.read()
    length = environ.get("CONTENT_LENGTH") or "0"
    return stream.read(int(length)) if length.isdigit() else b""


class Front:
    """WSGI middleware: verify, ask the hook about role sessions, then hand the request to moto."""

    def __init__(self, app: Any, keys: credentials.Keys, authorizer: SessionAuthorizer) -> None:
        self.app = app
        self.keys = keys
        self.authorizer = authorizer

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") == "GET":
            body = json.dumps({"front": FRONT_NAME, "pid": os.getpid()}).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        headers = _headers(environ)
        body = _body(environ)
        target = environ.get("RAW_URI") or environ.get("PATH_INFO", "/")
        try:
            caller, request = verify(environ["REQUEST_METHOD"], target, headers, body, self.keys)
            if caller.session is not None:
                reason = self.authorizer(caller.session, request)
                if reason is not None:
                    raise Refused(reason)
        except Refused as exc:
            message = f"refused by the sandbox: {exc}"
            print(f"{environ.get('REMOTE_ADDR', '?')} refused {environ['REQUEST_METHOD']} {urlsplit(target).path}: {exc}")
            status, response_headers, response = refusal(headers, target, message)
            start_response(status, [*response_headers, ("Content-Length", str(len(response)))])
            return [response]
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("wsgi.input_terminated", None)
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        return self.app(environ, start_response)


def serve(port: int, keys: credentials.Keys, host: str = "127.0.0.1", authorizer: SessionAuthorizer | None = None) -> Any:
    """A threaded werkzeug server with moto behind the front, bound to host:port (not yet serving). Role sessions'
    requests are decided by `authorizer`, by default every policy AWS would apply (enforce.Enforcer)."""
    from moto.core.config import default_user_config
    from moto.server import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    os.environ["MOTO_PORT"] = str(port)  # what moto_server sets: moto's own links to itself name this port
    default_user_config["lambda"] = {"use_docker": False}  # the local runner runs the code (no Docker here)
    decide = authorizer or enforce.Enforcer(f"http://{host}:{port}", keys)
    app = Front(DomainDispatcherApplication(create_backend_app), keys, decide)
    return make_server(host, port, app, threaded=True, request_handler=MotoRequestHandler)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True, help="the TCP port on 127.0.0.1")
    parser.add_argument("--credentials", type=Path, required=True, help="the checkout's key pair (.sandbox/credentials.json)")
    args = parser.parse_args()
    keys = credentials.load(args.credentials)
    if keys is None:
        print(f"error: no sandbox credentials in {args.credentials}", file=sys.stderr)
        return 2
    server = serve(args.port, keys)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"{FRONT_NAME}: moto on 127.0.0.1:{args.port} (pid {os.getpid()}), signed requests only", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
