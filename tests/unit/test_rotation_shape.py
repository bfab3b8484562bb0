"""The rotation function's pure parts (lambda_src/rotation.py): settings from the manifest, a JSON object's fields
located in its text and replaced byte for byte, the generated value's shape, testSecret's shape comparison.

The whole function runs against moto in tests/functional/test_rotation.py; here each rule alone.
"""

from __future__ import annotations

import json
import random
import string

import pytest
import rotation
from rotation import RotationError, Settings, field_spans, json_document, replace_fields, settings_for, shape_problem

MANIFEST = {
    "version": 1,
    "app": "demo",
    "prefix": "/sandbox/demo",
    "formats": {"secrets/db": "json"},
    "rotation": {
        "secrets/api_key": {"strategy": "generated", "days": 30, "length": 40, "exclude_punctuation": True, "fields": None},
        "secrets/db": {"strategy": "generated", "days": 30, "fields": ["password"], "length": 32},
        "secrets/token": {"strategy": "lambda", "days": 30},
    },
}


def test_settings_come_from_the_manifest_with_the_stacks_defaults() -> None:
    """Declared options are read; null ones take the stack's defaults; the format comes from `formats` (string if absent)."""
    api = Settings.from_manifest(MANIFEST, "secrets/api_key")
    assert api == Settings("secrets/api_key", "generated", "string", (), 40, exclude_punctuation=True)
    assert api.request() == {
        "PasswordLength": 40,
        "ExcludeNumbers": False,
        "ExcludePunctuation": True,
        "ExcludeUppercase": False,
        "ExcludeLowercase": False,
        "IncludeSpace": False,
        "RequireEachIncludedType": True,
    }
    db = Settings.from_manifest(MANIFEST, "secrets/db")
    assert db.format == "json" and db.fields == ("password",) and db.length == 32
    assert Settings("k", exclude_characters="/@").request()["ExcludeCharacters"] == "/@"
    assert Settings.from_manifest(MANIFEST, "secrets/other") is None


def test_only_the_apps_own_generated_secrets_are_rotated_here() -> None:
    """Another app's secret, a secret not declared rotated, one rotated by the user's own function: each refused, named."""
    assert settings_for("/sandbox/demo/manifest", MANIFEST, "/sandbox/demo/secrets/db").fields == ("password",)
    with pytest.raises(RotationError, match=r"/sandbox/orders/secrets/db is not a secret of app demo \(/sandbox/demo/\.\.\.\)"):
        settings_for("/sandbox/demo/manifest", MANIFEST, "/sandbox/orders/secrets/db")
    with pytest.raises(RotationError, match=r"is not declared rotated in /sandbox/demo/manifest: declare rotation = \{ strategy"):
        settings_for("/sandbox/demo/manifest", MANIFEST, "/sandbox/demo/secrets/other")
    with pytest.raises(RotationError, match="rotation strategy 'lambda': its own function rotates it"):
        settings_for("/sandbox/demo/manifest", MANIFEST, "/sandbox/demo/secrets/token")
    with pytest.raises(RotationError, match="not a secret of app demo"):  # a prefix of the name is not enough
        settings_for("/sandbox/demo/manifest", MANIFEST, "/sandbox/demo2/secrets/db")


def test_a_missing_manifest_variable_is_one_line_with_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without SECRETS_CLIENT_MANIFEST the function cannot know what to generate: it says so before any call."""
    monkeypatch.delenv("SECRETS_CLIENT_MANIFEST", raising=False)
    with pytest.raises(RotationError, match="SECRETS_CLIENT_MANIFEST is not set"):
        rotation.read_manifest(object())


def test_field_spans_locate_each_top_level_value_exactly() -> None:
    """Strings holding braces, quotes and escapes, nested objects, odd spacing: each span is the value's own text."""
    text = ' {\n  "user" : "a\\"}b",\t"nested": {"x": [1, {"y": "}"}]}, "n":-1.50e3 ,"e":{} }\n'
    spans = field_spans(text)
    assert {key: text[a:b] for key, (a, b) in spans.items()} == {
        "user": '"a\\"}b"',
        "nested": '{"x": [1, {"y": "}"}]}',
        "n": "-1.50e3",
        "e": "{}",
    }
    assert field_spans("{}") == {}


@pytest.mark.parametrize(
    "text",
    ['{"a": 1, "a": 2}', "[1, 2]", '{"a": 1} x', '{"a" 1}', '{"a": 1,}', "", '"a"'],
)
def test_field_spans_refuse_what_is_not_one_object_with_unique_keys(text: str) -> None:
    """A repeated key (which one counts?), an array, trailing text, broken syntax: ValueError, never a guess."""
    with pytest.raises(ValueError):
        field_spans(text)


def _random_json(rng: random.Random, depth: int = 0) -> object:
    kind = rng.choice(["str", "int", "float", "bool", "null", "list", "dict"] if depth < 2 else ["str", "int", "null"])
    if kind == "str":
        return "".join(rng.choice(string.printable + 'é"\\{}') for _ in range(rng.randint(0, 12)))
    if kind == "int":
        return rng.randint(-(10**6), 10**6)
    if kind == "float":
        return rng.uniform(-1e3, 1e3)
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "null":
        return None
    if kind == "list":
        return [_random_json(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {f"k{i}": _random_json(rng, depth + 1) for i in range(rng.randint(0, 3))}


def _without(text: str, spans: dict[str, tuple[int, int]], keys: list[str]) -> list[str]:
    """The pieces of `text` between the values of `keys`."""
    cuts = sorted(spans[key] for key in keys)
    edges = [0] + [edge for span in cuts for edge in span] + [len(text)]
    return [text[edges[i] : edges[i + 1]] for i in range(0, len(edges), 2)]


def test_replacing_fields_keeps_every_other_byte() -> None:
    """200 random objects, in several layouts: only the named fields' text changes; the rest is byte-identical."""
    rng = random.Random(19)
    layouts = [
        {},
        {"indent": 2},
        {"separators": (",", ":")},
        {"indent": "\t", "ensure_ascii": False},
        {"separators": (" , ", " : "), "sort_keys": True},
    ]
    for _ in range(200):
        document = {f"f{i}": _random_json(rng) for i in range(rng.randint(1, 6))}
        document["password"] = "old"
        text = json.dumps(document, **rng.choice(layouts))
        chosen = rng.sample(sorted(document), rng.randint(1, 2))
        new = {key: "n3w-" + key for key in chosen}
        out = replace_fields(text, new)
        assert json.loads(out) == {**document, **new}
        before, after = field_spans(text), field_spans(out)
        assert _without(text, before, chosen) == _without(out, after, chosen)  # outside the replaced values: the same bytes
        for key in set(document) - set(chosen):
            assert text[slice(*before[key])] == out[slice(*after[key])]


def test_json_documents_are_objects_and_arrays_only() -> None:
    """A bare number or string is plain text (a numeric password is not JSON to protect); objects and arrays are."""
    assert json_document('{"a": 1}') == {"a": 1} and json_document("[1]") == [1]
    assert json_document("12345678") is None and json_document('"x"') is None and json_document("not json") is None


@pytest.mark.parametrize(
    ("settings", "value", "problem"),
    [
        (Settings("k", length=12), "aB3$" * 3, None),
        (Settings("k", length=12), "aB3$" * 2, "is not 12 characters long"),
        (Settings("k", length=8, exclude_punctuation=True), "aB3$aB3x", "outside the declared character options"),
        (Settings("k", length=8, exclude_uppercase=True, exclude_punctuation=True), "ab3cab3c", None),
        (Settings("k", length=8, exclude_characters="xyz"), "aB3$aB3x", "outside the declared character options"),
        (Settings("k", length=8), "aB3!aB3 ", "outside the declared character options"),  # a space, not included
        (Settings("k", length=8, include_space=True), "aB3!aB3 ", None),
        (Settings("k", length=8), "abcdefg1", "has no uppercase, no punctuation character (require_each_type)"),
        (Settings("k", length=8, require_each_type=False), "abcdefg1", None),
        (Settings("k", length=8), None, "is not text"),
    ],
)
def test_a_generated_value_has_the_declared_length_and_characters(settings: Settings, value: object, problem: str | None) -> None:
    """GetRandomPassword's options, checked back: length, excluded types and characters, space, one of each type."""
    found = settings.problem(value)
    assert (found is None) if problem is None else (found is not None and problem in found)


DB = Settings("secrets/db", "generated", "json", ("password",), 8, exclude_punctuation=True)


def _body(text: str) -> dict:
    return {"SecretString": text}


@pytest.mark.parametrize(
    ("current", "pending", "problem"),
    [
        ('{"user": "app", "password": "Old1pass"}', '{"user": "app", "password": "New1pass"}', None),
        ('{"user": "app", "password": "Old1pass"}', '{"password": "New1pass"}', "missing: user; added: none"),
        ('{"user": "app", "password": "Old1pass"}', '{"user": "other", "password": "New1pass"}', "changes field(s) user"),
        ('{"user": "app", "password": "Old1pass"}', '{"user": "app", "password": "Old1pass"}', "holds the same value"),
        ('{"user": "app", "password": "Old1pass"}', "New1passNew1pass", "is not a JSON object"),
        ('{"user": "app", "password": "Old1pass"}', '{"user": "app", "password": "short"}', "field 'password' is not 8"),
        ("[1, 2]", '{"password": "New1pass"}', "AWSCURRENT is not one"),
    ],
)
def test_test_secret_compares_a_json_secrets_shape(current: str, pending: str, problem: str | None) -> None:
    """Same keys, the unlisted ones unchanged, each listed one a new generated value."""
    found = shape_problem(_body(current), _body(pending), DB)
    assert (found is None) if problem is None else (found is not None and problem in found), found


def test_test_secret_never_passes_text_over_json_or_binary() -> None:
    """A string secret: plain text over a JSON object, a JSON pending value, a binary value: each refused."""
    api = Settings("secrets/api_key", "generated", "string", (), 8, exclude_punctuation=True)
    assert shape_problem(_body("Old1pass"), _body("New1pass"), api) is None
    assert "never writes a non-JSON value over a JSON one" in str(shape_problem(_body('{"a": "b"}'), _body("New1pass"), api))
    assert "is a JSON document" in str(shape_problem(_body("Old1pass"), _body('["New1pass"]'), api))
    assert "is binary" in str(shape_problem({"SecretBinary": b"\x00"}, _body("New1pass"), api))
    assert "is binary" in str(shape_problem(_body("Old1pass"), {"SecretBinary": b"\x00"}, api))
    assert shape_problem(None, _body("New1pass"), api) is None  # the first value: nothing to compare with
