"""The client's JSON decoding (json's C scanner without importing json) agrees with json.loads."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

LAMBDA_SRC = Path(__file__).resolve().parents[2] / "lambda_src"
import secrets_client  # noqa: E402

VALID = [
    '{"Name": "/a/b", "SecretString": "{\\"user\\": \\"app\\", \\"port\\": 5432}", "VersionStages": ["AWSCURRENT"]}',
    '  \n{"Parameter": {"Value": "a,b,c", "Version": 3, "Selector": null}, "ResultMetadata": {}}\t\r\n',
    '"\\u00e9\\ud83d\\ude00 snowman \\u2603 \\\\ \\/ \\b\\f\\n\\r\\t"',
    "[1, -2, 3.5, 1e3, -0.0, 12345678901234567890, true, false, null, [], {}]",
    '{"a": 1, "a": 2}',
    '"héllo wörld"',
    "0",
]
INVALID = [
    "",
    "   ",
    "{",
    '{"a": 1,}',
    "[1, 2",
    '{"a" 1}',
    "{'a': 1}",
    '"unterminated',
    '"control \x01 character"',
    '{"a": 1} trailing',
    "tru",
    "01",
    "[1] [2]",
]


@pytest.mark.parametrize("text", VALID)
def test_valid_json_decodes_exactly_as_json_loads(text: str) -> None:
    """Same value as json.loads, from str and from UTF-8 bytes."""
    assert secrets_client.loads(text) == json.loads(text)
    assert secrets_client.loads(text.encode()) == json.loads(text)


@pytest.mark.parametrize("text", INVALID)
def test_invalid_json_is_refused_as_json_loads_refuses_it(text: str) -> None:
    """json.loads refuses it, and so does the client, with a ValueError carrying a position."""
    with pytest.raises(ValueError):
        json.loads(text)
    with pytest.raises(secrets_client.JSONError) as caught:
        secrets_client.loads(text)
    assert isinstance(caught.value.pos, int)


def test_constants_decode_like_json_loads() -> None:
    """NaN and Infinity (which json.loads accepts) decode to the same floats."""
    value = secrets_client.loads("[NaN, Infinity, -Infinity]")
    assert math.isnan(value[0]) and value[1:] == [math.inf, -math.inf]


def test_decoding_does_not_import_json() -> None:
    """A fresh process that decodes a body has not imported json (nor re): the point of the exercise."""
    code = (
        f"import sys; sys.path.insert(0, {str(LAMBDA_SRC)!r}); import secrets_client\n"
        "assert secrets_client.loads(b'{\"a\": [1, \"x\"]}') == {'a': [1, 'x']}\n"
        "print(sorted(m for m in ('json', 're', 'urllib', 'http', 'email', 'random', 'threading') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert result.stdout.strip() == "[]", result.stderr
