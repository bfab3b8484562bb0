"""The kit's rotation function ("generated" secrets): Secrets Manager's contract, checked as AWS's template does,
and shape-aware: it never destroys a value's shape.

Secrets Manager calls it once per step with {"Step", "SecretId", "ClientRequestToken"} (SecretId
is the secret's ARN on AWS; a name works too), after RotateSecret has created the token's
version of the secret, empty and labelled AWSPENDING. Before any step, the checks of AWS's
generic rotation template (aws-samples/aws-secrets-manager-rotation-lambdas,
SecretsManagerRotationTemplate/lambda_function.py), in its order:
  1. rotation is enabled on the secret (DescribeSecret's RotationEnabled);
  2. the token is a version of the secret;
  3. that version is already AWSCURRENT: nothing to do (a finished rotation, retried);
  4. that version is not AWSPENDING: refuse (a stray or stale token).
Then the secret's settings, from the app's manifest (the SSM String parameter named by
SECRETS_CLIENT_MANIFEST, written by the stack): only a secret of this app declared with
strategy "generated" is rotated here; its format (string or json), the json `fields`, and
GetRandomPassword's length and character options.
The steps, each safe to run again with the same token:
  createSecret  the new value as the token's AWSPENDING value, unless that version already
                holds one (a retry keeps it). string: a new password. json: the current
                object's text with only the declared fields' values replaced by new passwords;
                every other byte (other keys, order, spacing) is the current value's. Refused,
                whatever was declared: a non-JSON value over a JSON object or array, a binary
                value (the kit writes text; a binary secret is rotated by your own function),
                a json secret whose current value is not an object or lacks a declared string
                field. With no AWSCURRENT version at all (a secret created empty, rotation
                starting at deploy) a string secret gets its first value here; a json secret's
                first value is yours to set (make put-secret).
  setSecret     nothing to set: the value is checked by its readers against the secret itself
                (a database secret would set the password here: use strategy "lambda");
  testSecret    proves the AWSPENDING value has the current one's shape: text (not binary);
                for json, an object with the same keys, the undeclared ones unchanged; each
                generated value of the declared length and character options and different
                from the current one. Then check_with_issuer (below); it does not prove any
                other service accepts the value;
  finishSecret  moves AWSCURRENT to the token's version (Secrets Manager moves AWSPREVIOUS to
                the old one) and removes AWSPENDING from it, as the template does.
Every error is a RotationError: one line naming the step, the secret and the version, never
a value (JSON key names are named, their values never). It logs names, steps, key names and
version ids only. Uses boto3 (in the Lambda runtime); the role needs DescribeSecret,
GetSecretValue, PutSecretValue, UpdateSecretVersionStage on the secret, GetRandomPassword and
ssm:GetParameter on the manifest. Written for this project; see docs/rotation.md.
"""

from __future__ import annotations

import json
import os
import string
from dataclasses import dataclass
from typing import Any

STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")
CURRENT, PENDING = "AWSCURRENT", "AWSPENDING"
MANIFEST_VARIABLE = "SECRETS_CLIENT_MANIFEST"
PUNCTUATION = string.punctuation  # GetRandomPassword's: ! " # $ % & ' ( ) * + , - . / : ; < = > ? @ [ \ ] ^ _ ` { | } ~


class RotationError(Exception):
    """The rotation cannot go on; the message names the step, the secret and the version."""


def check_with_issuer(secret_id: str, pending_value: str) -> None:
    """Hook for values issued by another service: raise RotationError if it refuses the value.

    Called by testSecret after the shape checks. The kit's generated values are checked by
    their readers against the secret itself, so there is no one to ask and it does nothing.
    A value issued by a provider or set in a database belongs to your own function (strategy
    "lambda"). Never put the value in the error message.
    """


# --- the secret's settings, from the app's manifest ----------------------------------------


@dataclass(frozen=True)
class Settings:
    """What the manifest declares for one rotated secret (the stack's defaults where it says nothing)."""

    key: str  # "<scope>/<name>", relative to the app
    strategy: str = "none"
    format: str = "string"
    fields: tuple[str, ...] = ()
    length: int = 32
    exclude_characters: str = ""
    exclude_numbers: bool = False
    exclude_punctuation: bool = False
    exclude_uppercase: bool = False
    exclude_lowercase: bool = False
    include_space: bool = False
    require_each_type: bool = True

    @classmethod
    def from_manifest(cls, manifest: dict[str, Any], key: str) -> Settings | None:
        """The settings of `key` if the manifest lists it as rotated, else None."""
        entry = (manifest.get("rotation") or {}).get(key)
        if not isinstance(entry, dict):
            return None
        fmt = (manifest.get("formats") or {}).get(key, "string")
        given = {name: entry[name] for name in cls.__dataclass_fields__ if name != "key" and entry.get(name) is not None}
        given["fields"] = tuple(given.get("fields") or ())
        given["length"] = int(given.get("length", 32))
        return cls(key=key, format=fmt, **given)

    def request(self) -> dict[str, Any]:
        """GetRandomPassword's parameters."""
        options = {
            "PasswordLength": self.length,
            "ExcludeNumbers": self.exclude_numbers,
            "ExcludePunctuation": self.exclude_punctuation,
            "ExcludeUppercase": self.exclude_uppercase,
            "ExcludeLowercase": self.exclude_lowercase,
            "IncludeSpace": self.include_space,
            "RequireEachIncludedType": self.require_each_type,
        }
        return {**options, "ExcludeCharacters": self.exclude_characters} if self.exclude_characters else options

    def included(self) -> dict[str, str]:
        """The character types GetRandomPassword may use here, each without the excluded characters."""
        types = {
            "uppercase": "" if self.exclude_uppercase else string.ascii_uppercase,
            "lowercase": "" if self.exclude_lowercase else string.ascii_lowercase,
            "number": "" if self.exclude_numbers else string.digits,
            "punctuation": "" if self.exclude_punctuation else PUNCTUATION,
            "space": " " if self.include_space else "",
        }
        return {name: "".join(c for c in chars if c not in self.exclude_characters) for name, chars in types.items()}

    def problem(self, value: Any) -> str | None:
        """Why `value` is not a value GetRandomPassword gives with these settings (None: it could be)."""
        if not isinstance(value, str):
            return "is not text"
        if len(value) != self.length:
            return f"is not {self.length} characters long"
        included = self.included()
        allowed = set("".join(included.values()))
        if any(c not in allowed for c in value):
            return "has a character outside the declared character options"
        if self.require_each_type:  # "at least one upper and lowercase letter, one number, and one punctuation" (AWS)
            missing = [name for name, chars in included.items() if name != "space" and chars and not set(value) & set(chars)]
            if missing:
                return f"has no {', no '.join(missing)} character (require_each_type)"
        return None


def read_manifest(ssm: Any) -> tuple[str, dict[str, Any]]:
    """The manifest parameter's name and its decoded value."""
    name = os.environ.get(MANIFEST_VARIABLE, "")
    if not name:
        raise RotationError(
            f"{MANIFEST_VARIABLE} is not set: the stack sets it to the app's manifest parameter; deploy the function with it"
        )
    value = ssm.get_parameter(Name=name)["Parameter"]["Value"]
    try:
        manifest = json.loads(value)
    except ValueError:
        raise RotationError(f"the manifest {name} is not JSON; it is written by the stack: make deploy") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("prefix"), str):
        raise RotationError(f"the manifest {name} has no prefix; it is written by the stack: make deploy")
    return name, manifest


def settings_for(manifest_name: str, manifest: dict[str, Any], secret_name: str) -> Settings:
    """The settings of the secret named `secret_name`, or the reason this function must not rotate it."""
    prefix = manifest["prefix"]
    if not secret_name.startswith(prefix + "/"):
        raise RotationError(
            f"{secret_name} is not a secret of app {manifest.get('app', prefix)} ({prefix}/...): "
            "this function rotates its own app's secrets only"
        )
    key = secret_name[len(prefix) + 1 :]
    settings = Settings.from_manifest(manifest, key)
    if settings is None:
        raise RotationError(
            f"{secret_name} is not declared rotated in {manifest_name}: "
            'declare rotation = { strategy = "generated", ... } with it, then make deploy'
        )
    if settings.strategy != "generated":
        raise RotationError(
            f"{secret_name} is declared with rotation strategy {settings.strategy!r}: its own function rotates it, not the kit's"
        )
    return settings


# --- a JSON object's top-level fields, located in its text ----------------------------------


def json_document(text: str) -> Any:
    """The decoded value if `text` is a JSON object or array, else None (plain text, a bare number...)."""
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, (dict, list)) else None


def field_spans(text: str) -> dict[str, tuple[int, int]]:
    """Where each top-level field's value is in the text of a JSON object: key -> (start, end).

    Raises ValueError for text that is not one JSON object, or repeats a key (which one would count?).
    """
    decoder = json.JSONDecoder()
    spans: dict[str, tuple[int, int]] = {}

    def skip(index: int) -> int:
        while index < len(text) and text[index] in " \t\n\r":
            index += 1
        return index

    index = skip(0)
    if text[index : index + 1] != "{":
        raise ValueError("not a JSON object")
    index = skip(index + 1)
    if text[index : index + 1] == "}":
        index += 1
    else:
        while True:
            key, index = decoder.raw_decode(text, index)
            if not isinstance(key, str):
                raise ValueError("a key that is not a string")
            index = skip(index)
            if text[index : index + 1] != ":":
                raise ValueError("':' expected")
            start = skip(index + 1)
            _, end = decoder.raw_decode(text, start)
            if key in spans:
                raise ValueError(f"the key {key!r} appears twice")
            spans[key] = (start, end)
            index = skip(end)
            if text[index : index + 1] == ",":
                index = skip(index + 1)
                continue
            if text[index : index + 1] != "}":
                raise ValueError("',' or '}' expected")
            index += 1
            break
    if skip(index) != len(text):
        raise ValueError("text after the object")
    return spans


def replace_fields(text: str, new_values: dict[str, str]) -> str:
    """The JSON object `text` with the values of `new_values`' keys replaced; every other byte kept."""
    spans = field_spans(text)
    for key, (start, end) in sorted(((k, spans[k]) for k in new_values), key=lambda pair: -pair[1][0]):
        text = text[:start] + json.dumps(new_values[key]) + text[end:]
    return text


# --- the function ------------------------------------------------------------------------


def _clients() -> tuple[Any, Any]:
    import boto3

    return boto3.client("secretsmanager"), boto3.client("ssm")


def _log(step: str, secret_id: str, message: str) -> None:
    print(f"rotation {step} {secret_id}: {message}")


def _current(versions: dict[str, list[str]]) -> str | None:
    return next((version for version, stages in versions.items() if CURRENT in stages), None)


def handler(event: dict, context: object) -> None:
    """Check the event against the secret's rotation state, then run one step."""
    step, secret_id, token = event.get("Step"), event.get("SecretId"), event.get("ClientRequestToken")
    if step not in STEPS or not secret_id or not token:
        raise RotationError(f"bad rotation event: Step must be one of {', '.join(STEPS)}, with SecretId and ClientRequestToken")
    from botocore.exceptions import ClientError

    client, ssm = _clients()
    try:
        _run(client, ssm, step, secret_id, token)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        said = " ".join(str(error.get("Message", "")).split())[:300]  # one line, as the service said it (ids, no values)
        raise RotationError(
            f"{step} {secret_id}: {exc.operation_name} failed for version {token} ({error.get('Code', 'ClientError')}: {said})"
        ) from None


def _run(client: Any, ssm: Any, step: str, secret_id: str, token: str) -> None:
    metadata = client.describe_secret(SecretId=secret_id)
    name = metadata.get("Name") or secret_id  # messages name the secret, not its ARN
    if not metadata.get("RotationEnabled"):
        raise RotationError(f"{step} {name}: rotation is not enabled on the secret; turn it on (RotateSecret)")
    versions = metadata.get("VersionIdsToStages", {})
    if token not in versions:
        raise RotationError(f"{step} {name}: version {token} is not a version of the secret")
    if CURRENT in versions[token]:
        _log(step, name, f"version {token} is already AWSCURRENT, nothing to do")
        return
    if PENDING not in versions[token]:
        raise RotationError(
            f"{step} {name}: version {token} is not AWSPENDING (its stages: {', '.join(versions[token]) or 'none'})"
        )
    try:
        settings = settings_for(*read_manifest(ssm), name)
    except RotationError as exc:
        raise RotationError(f"{step} {name}: {exc}") from None
    step_function = {
        "createSecret": create_secret,
        "setSecret": set_secret,
        "testSecret": test_secret,
        "finishSecret": finish_secret,
    }
    step_function[step](client, name, token, versions, settings)


def _is_binary(body: dict[str, Any]) -> bool:
    return body.get("SecretString") is None and body.get("SecretBinary") is not None


def new_value(client: Any, name: str, token: str, current: dict[str, Any] | None, settings: Settings) -> str:
    """The value createSecret writes for `token`, from the current version's (None: no AWSCURRENT), or a RotationError."""
    where = f"createSecret {name}: version {token}"
    generate = lambda: client.get_random_password(**settings.request())["RandomPassword"]  # noqa: E731
    if settings.format == "binary" or (current is not None and _is_binary(current)):
        raise RotationError(
            f"{where} not written: the secret is binary and the kit's function writes text; "
            'rotate it with your own function (strategy = "lambda")'
        )
    if settings.format == "json" and not settings.fields:
        raise RotationError(
            f'{where} not written: the secret is declared format = "json" with no rotation.fields; the kit never replaces '
            'a JSON value whole: list the keys to replace (fields = ["password"]), then make deploy'
        )
    if current is None:
        if settings.format == "json":
            raise RotationError(
                f"{where} not written: the secret has no AWSCURRENT value, and a json secret's first value is yours to set "
                "(make put-secret): the kit replaces fields of an existing object only"
            )
        return generate()
    text = current["SecretString"]
    document = json_document(text)
    if settings.format != "json":
        if document is not None:
            kind = "object" if isinstance(document, dict) else "array"
            raise RotationError(
                f'{where} not written: AWSCURRENT holds a JSON {kind} but the secret is declared format = "string"; '
                'the kit never writes a non-JSON value over a JSON one: declare format = "json" with rotation.fields, '
                "then make deploy"
            )
        return generate()
    if not isinstance(document, dict):
        raise RotationError(
            f'{where} not written: the secret is declared format = "json" but AWSCURRENT is not a JSON object; '
            "put an object (make put-secret) or fix the declaration"
        )
    try:
        spans = field_spans(text)
    except ValueError as exc:
        raise RotationError(f"{where} not written: AWSCURRENT's JSON object cannot be rewritten field by field ({exc})") from None
    for key in settings.fields:
        if key not in spans:
            raise RotationError(
                f"{where} not written: AWSCURRENT's object has no field {key!r} (its fields: {', '.join(sorted(spans))})"
            )
        if not isinstance(document[key], str):
            raise RotationError(
                f"{where} not written: AWSCURRENT's field {key!r} is not a string; rotation.fields lists string fields only"
            )
    return replace_fields(text, {key: generate() for key in settings.fields})


def create_secret(client: Any, name: str, token: str, versions: dict, settings: Settings) -> None:
    """The new value as the token's AWSPENDING value, unless that version already has one."""
    try:
        client.get_secret_value(SecretId=name, VersionId=token, VersionStage=PENDING)
        _log("createSecret", name, f"version {token} already has a value, kept")
        return
    except client.exceptions.ResourceNotFoundException:
        pass  # the empty version RotateSecret made: fill it
    current_id = _current(versions)
    if current_id is None:
        _log("createSecret", name, "no AWSCURRENT version: the new value will be the secret's first value")
    current = client.get_secret_value(SecretId=name, VersionId=current_id) if current_id else None
    value = new_value(client, name, token, current, settings)
    client.put_secret_value(SecretId=name, ClientRequestToken=token, SecretString=value, VersionStages=[PENDING])
    replaced = f"fields {', '.join(settings.fields)} replaced, the others kept" if settings.format == "json" else "a new value"
    _log("createSecret", name, f"version {token} (AWSPENDING) stored: {replaced}")


def set_secret(client: Any, name: str, token: str, versions: dict, settings: Settings) -> None:
    """Nothing to set: the value is checked by its readers against the secret itself."""
    _log("setSecret", name, "no downstream service to update")


def shape_problem(current: dict[str, Any] | None, pending: dict[str, Any], settings: Settings) -> str | None:
    """Why the pending version's value does not have the current one's shape and the declared settings (None: it has)."""
    if _is_binary(pending) or (current is not None and _is_binary(current)):
        return "is binary: the kit's function rotates text values only"
    value = pending["SecretString"]
    document = json_document(value)
    old_text = None if current is None else current["SecretString"]
    old = None if old_text is None else json_document(old_text)
    if settings.format != "json":
        if document is not None:
            return 'is a JSON document, but the secret is declared format = "string"'
        if old is not None:
            return "is not JSON but AWSCURRENT is a JSON document: the kit never writes a non-JSON value over a JSON one"
        problem = settings.problem(value)
        if problem:
            return problem
        return "holds the same value as AWSCURRENT" if value == old_text else None
    if not isinstance(document, dict):
        return "is not a JSON object"
    if old_text is not None:
        if not isinstance(old, dict):
            return "is a JSON object but AWSCURRENT is not one"
        if set(old) != set(document):
            gone, added = sorted(set(old) - set(document)), sorted(set(document) - set(old))
            missing, extra = ", ".join(gone) or "none", ", ".join(added) or "none"
            return f"does not have AWSCURRENT's JSON keys (missing: {missing}; added: {extra})"
        changed = sorted(key for key in old if key not in settings.fields and old[key] != document[key])
        if changed:
            return f"changes field(s) {', '.join(changed)}, which rotation.fields does not list"
    for key in settings.fields:
        problem = settings.problem(document.get(key))
        if problem:
            return f"field {key!r} {problem}"
        if old is not None and old.get(key) == document[key]:
            return f"field {key!r} holds the same value as AWSCURRENT"
    return None


def test_secret(client: Any, name: str, token: str, versions: dict, settings: Settings) -> None:
    """The pending value has the current one's shape and the declared settings; then the issuer hook."""
    pending = client.get_secret_value(SecretId=name, VersionId=token, VersionStage=PENDING)
    current_id = _current(versions)
    current = client.get_secret_value(SecretId=name, VersionId=current_id) if current_id else None
    problem = shape_problem(current, pending, settings)
    if problem:
        raise RotationError(f"testSecret {name}: version {token} {problem}")
    check_with_issuer(name, pending["SecretString"])
    shape = (
        f"a JSON object with AWSCURRENT's keys, {', '.join(settings.fields)} new" if settings.format == "json" else "a new value"
    )
    _log("testSecret", name, f"version {token} has the declared shape: {shape}")


def finish_secret(client: Any, name: str, token: str, versions: dict, settings: Settings) -> None:
    """Move AWSCURRENT to the token's version, then take AWSPENDING off it (the template's two calls)."""
    current_id = _current(versions)
    moved_from = {"RemoveFromVersionId": current_id} if current_id else {}
    client.update_secret_version_stage(SecretId=name, VersionStage=CURRENT, MoveToVersionId=token, **moved_from)
    client.update_secret_version_stage(SecretId=name, VersionStage=PENDING, RemoveFromVersionId=token)
    _log("finishSecret", name, f"AWSCURRENT moved from {current_id or 'no version'} to {token}")
