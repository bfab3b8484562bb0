"""The sandbox's credentials: one key pair per checkout, and the session credentials of a function's role.

`sandbox-up` writes a fresh key pair to .sandbox/credentials.json (mode 0600, in a 0700
directory); the front (scripts/sandbox/front.py) accepts only requests signed with it, or
with session credentials minted from it:

- the tooling (boto3, scripts/sandbox/server.client) and Terraform (through its process
  environment, never the provider block) sign with the key pair itself;
- the local runner gives each invocation session credentials for the function's role, as
  Lambda does: an `ASIA...` access key, a secret key and a session token. The token names
  the role and the session and carries an expiry, authenticated with an HMAC under the
  checkout's secret key; the session's secret key is derived from the same secret and the
  token. The front needs no list of sessions: it checks the token's HMAC, derives the secret
  and verifies the request's signature with it, and then knows which role session signed.

Kept apart from the front so that clients (server.client, the runner) read credentials
without importing moto. Standard library only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import string
import time
from dataclasses import dataclass, field
from pathlib import Path

TOKEN_PREFIX = "LSKSESSION1"  # marks this sandbox's session tokens (a format version, not a secret)
SESSION_LIFETIME = 3600  # seconds; Lambda's role sessions last at least the function's timeout
_KEY_ALPHABET = string.ascii_uppercase + string.digits


# The extension emulation's own session: it decides the extension path itself (as the real extension's
# upstream service does) and signs its lookups with this role, which the front lets through. The runner
# gives it to extension processes only, never to the handler's runtime.
MACHINERY_ROLE = "arn:aws:iam::000000000000:role/sandbox-extension-emulation"
MACHINERY_ENV = "SANDBOX_EMULATION_"  # + AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN


@dataclass(frozen=True)
class Keys:
    """An access key pair (the secret is kept out of reprs and tracebacks)."""

    access_key_id: str
    secret_access_key: str = field(repr=False)


@dataclass(frozen=True)
class Session:
    """Session credentials for one role session (what a function's execution environment gets)."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str = field(repr=False)
    role_arn: str
    session_name: str
    expires: int  # seconds since the epoch

    def environment(self) -> dict[str, str]:
        """The variables an AWS SDK reads them from (as Lambda sets them)."""
        return {
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
            "AWS_SESSION_TOKEN": self.session_token,
        }


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(keys: Keys, purpose: str, message: str) -> bytes:
    return hmac.new(keys.secret_access_key.encode(), f"{purpose}\0{message}".encode(), hashlib.sha256).digest()


def new_keys() -> Keys:
    """A fresh key pair shaped like AWS's (AKIA + 16 characters; a 40-character secret)."""
    key_id = "AKIA" + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(16))
    return Keys(key_id, base64.b64encode(secrets.token_bytes(30)).decode())


def create(path: Path) -> Keys:
    """Write a fresh key pair to `path` (mode 0600, created anew: never an existing file's mode); return it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.parent.chmod(0o700)
    keys = new_keys()
    path.unlink(missing_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as out:
        json.dump({"access_key_id": keys.access_key_id, "secret_access_key": keys.secret_access_key}, out)
    return keys


def load(path: Path) -> Keys | None:
    """The key pair in `path`, or None when there is none (or it is not one this module wrote)."""
    try:
        data = json.loads(path.read_text())
        return Keys(str(data["access_key_id"]), str(data["secret_access_key"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _session_secret(keys: Keys, access_key_id: str, token: str) -> str:
    return base64.b64encode(_mac(keys, "session-secret", f"{access_key_id}\0{token}")).decode()[:40]


def mint_session(keys: Keys, role_arn: str, session_name: str, lifetime: int = SESSION_LIFETIME) -> Session:
    """Session credentials for `role_arn`/`session_name`, valid for `lifetime` seconds, that the front accepts."""
    access_key_id = "ASIA" + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(16))
    expires = int(time.time()) + lifetime
    claims = _b64(json.dumps({"k": access_key_id, "r": role_arn, "s": session_name, "e": expires}).encode())
    token = f"{TOKEN_PREFIX}.{claims}.{_b64(_mac(keys, 'session-token', claims))}"
    return Session(access_key_id, _session_secret(keys, access_key_id, token), token, role_arn, session_name, expires)


def verify_session(keys: Keys, access_key_id: str, token: str, now: float | None = None) -> Session | str:
    """The session `token` stands for, if this checkout's secret made it for `access_key_id` and it has
    not expired; else why not (one phrase)."""
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        return "the session token was not issued by this sandbox"
    try:
        valid = hmac.compare_digest(_unb64(parts[2]), _mac(keys, "session-token", parts[1]))
        claims = json.loads(_unb64(parts[1])) if valid else None
    except ValueError:
        valid, claims = False, None
    if not valid or not isinstance(claims, dict):
        return "the session token was not issued by this sandbox"
    if claims.get("k") != access_key_id:
        return "the session token belongs to another access key"
    if not isinstance(claims.get("e"), int) or claims["e"] < (time.time() if now is None else now):
        return "the session credentials have expired"
    secret = _session_secret(keys, access_key_id, token)
    return Session(access_key_id, secret, token, str(claims.get("r", "")), str(claims.get("s", "")), claims["e"])
