"""The public test kit (lambda_src/secrets_client_testing.py): what a user's handler tests rely on.

The kit is itself an oracle for users' tests, so each behaviour here is checked against what the
real client raises or returns for the same case (ERRORS), not against the kit's own description.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import secrets_client  # noqa: E402
import secrets_client_testing  # noqa: E402
from secrets_client_testing import ERRORS, FakeBackend, fake_secrets, use_fake  # noqa: E402, F401

ROOT = Path(__file__).resolve().parents[2]
CANARY = "CANARY-kit-0001"


def test_use_fake_makes_it_the_default_client_and_puts_the_old_one_back() -> None:
    """Module functions read from the fake inside the block; the previous default client is back afterwards."""
    before = secrets_client.set_default_client(None)
    sentinel = secrets_client.SecretsClient(backend=FakeBackend())
    secrets_client.set_default_client(sentinel)
    try:
        with use_fake() as fake:
            fake.put_secret("/a/s", CANARY)
            fake.put_parameter("/a/p", "a,b", type="StringList")
            assert secrets_client.get_secret("/a/s") == CANARY
            assert secrets_client.get_parameter("/a/p") == ["a", "b"]
            assert fake.calls == [("secret", "/a/s"), ("parameter", "/a/p")]
        assert secrets_client.default_client() is sentinel
    finally:
        secrets_client.set_default_client(before)


def test_versions_move_as_secrets_manager_moves_them() -> None:
    """A second put makes the first version AWSPREVIOUS; a version can be read by id; none before: NotFound."""
    fake = FakeBackend()
    first = fake.put_secret("/a/s", "one")
    client = fake.client()
    with pytest.raises(secrets_client.NotFound):
        client.read_secret("/a/s", version_stage="AWSPREVIOUS")
    second = fake.put_secret("/a/s", b"\x00two")
    current = client.read_secret("/a/s", force_fetch=True)
    assert (current.value, current.version_id, current.version_stages) == (b"\x00two", second, ["AWSCURRENT"])
    previous = client.read_secret("/a/s", version_stage="AWSPREVIOUS")
    assert (previous.value, previous.version_id) == ("one", first)
    assert client.read_secret("/a/s", version_id=first).value == "one"


@pytest.mark.parametrize("error", sorted(ERRORS))
def test_each_injected_error_is_what_the_real_client_raises(error: str) -> None:
    """fail(name, error) raises the class, status and message the real client raises for that case; times=1
    fails once; no value appears in the message."""
    fake = FakeBackend({"/a/s": CANARY})
    fake.fail("/a/s", error, times=1)
    with pytest.raises(secrets_client.SecretsClientError) as caught:
        fake.client().get_secret("/a/s")
    cls, cause, status = ERRORS[error]
    assert type(caught.value) is cls and caught.value.status == status and caught.value.item == "secret /a/s"
    assert str(caught.value) == f"secret /a/s: {cause}" and CANARY not in str(caught.value)
    assert fake.client().get_secret("/a/s") == CANARY


def test_the_kits_messages_match_the_real_clients() -> None:
    """The not_ready, throttled and server_error causes are the extension backend's own words for HTTP 400/429/502."""
    status_error = secrets_client.ExtensionBackend._status_error
    for name, status in (("not_ready", 400), ("throttled", 429), ("server_error", 502)):
        real = status_error("secret /a/s", status, b"an unexpected error occurred while executing request")
        cls, cause, kit_status = ERRORS[name]
        assert (type(real), real.cause, real.status) == (cls, cause, kit_status), name


def test_unknown_error_names_are_refused() -> None:
    """A misspelt error name lists the valid ones."""
    with pytest.raises(ValueError, match="use one of not_found, access_denied"):
        FakeBackend().fail("/a/s", "denied")


def test_heal_and_delete() -> None:
    """heal() stops a failure; delete() makes the item NotFound."""
    fake = FakeBackend({"/a/s": "v"}, {"/a/p": "w"})
    fake.fail("/a/s", "timeout")
    client = fake.client(stale_if_error=0)
    with pytest.raises(secrets_client.Timeout):
        client.get_secret("/a/s")
    fake.heal("/a/s")
    assert client.get_secret("/a/s") == "v"
    fake.delete("/a/p")
    with pytest.raises(secrets_client.NotFound):
        client.get_parameter("/a/p")


def test_batches_reach_the_fakes_batch_calls() -> None:
    """A batch of three uncached secrets is one batch call of three; SecureStrings come back decrypted only when asked."""
    fake = FakeBackend({"/a/1": "1", "/a/2": "2", "/a/3": "3"})
    fake.put_parameter("/a/p", CANARY, type="SecureString")
    fake.put_parameter("/a/q", "q")
    client = fake.client()
    assert client.get_secrets_by_name(["/a/1", "/a/2", "/a/3"]) == {"/a/1": "1", "/a/2": "2", "/a/3": "3"}
    assert client.get_parameters_by_name(["/a/p", "/a/q"], decrypt=False) == {"/a/p": "<encrypted>", "/a/q": "q"}
    assert fake.batches == [("secrets", 3), ("parameters", 2)]


def test_the_fakes_manifest_declares_what_it_holds() -> None:
    """With a prefix, <prefix>/manifest answers the manifest shape the stack writes, from the fake's contents."""
    fake = FakeBackend(prefix="/sandbox/demo")
    fake.put_secret("secrets/api_key", "k", rotation={"days": 30})
    fake.put_parameter("secrets/db_password", "p", type="SecureString")
    fake.put_parameter("config/api_base_url", "u")
    assert fake.manifest() == {
        "version": 1,
        "env": "sandbox",
        "app": "demo",
        "prefix": "/sandbox/demo",
        "secrets": ["secrets/api_key"],
        "secure_parameters": ["secrets/db_password"],
        "parameters": ["config/api_base_url"],
        "formats": {},
        "rotation": {"secrets/api_key": {"days": 30}},
    }
    assert secrets_client.loads(fake.client().get_parameter("/sandbox/demo/manifest")) == fake.manifest()


def test_no_value_in_the_fakes_repr() -> None:
    """repr of the fake lists names only."""
    fake = FakeBackend({"/a/s": CANARY}, {"/a/p": CANARY})
    assert CANARY not in repr(fake) and "/a/s" in repr(fake)


def test_the_fixture(fake_secrets: FakeBackend) -> None:  # noqa: F811 (the fixture, imported above)
    """The pytest fixture is a FakeBackend already installed as the default client."""
    fake_secrets.put_secret("/a/s", "v")
    assert secrets_client.get_secret("/a/s") == "v" and fake_secrets.calls == [("secret", "/a/s")]


def test_the_documented_example_runs(tmp_path: Path) -> None:
    """The user-handler test in docs/client.md runs with pytest, the kit loaded as a plugin (-p), and passes; a
    broken handler makes it fail (so it can fail)."""
    text = (ROOT / "docs" / "client.md").read_text()
    example = re.search(r"<!-- example: test kit -->\n```python\n(.*?)```", text, re.S)
    assert example, "docs/client.md lost its marked example"
    env = {"PYTHONPATH": str(ROOT / "lambda_src"), "PATH": "", "PYTHONDONTWRITEBYTECODE": "1"}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "secrets_client_testing"]
    (tmp_path / "test_example.py").write_text(example.group(1))
    result = subprocess.run([*command, "test_example.py"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "2 passed" in result.stdout, result.stdout + result.stderr
    broken = example.group(1).replace('event.get("key") == api_key', 'event.get("key") != api_key')
    (tmp_path / "test_example.py").write_text(broken)
    result = subprocess.run([*command, "test_example.py"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and "1 failed" in result.stdout, result.stdout + result.stderr


def test_the_kit_works_without_pytest() -> None:
    """Importing the kit in a process without pytest gives the fake and use_fake, and no fixture."""
    code = (
        "import sys; sys.modules['pytest'] = None\n"
        f"sys.path.insert(0, {str(ROOT / 'lambda_src')!r})\n"
        "import secrets_client_testing as kit\n"
        "with kit.use_fake() as fake:\n"
        "    fake.put_secret('/a/s', 'v')\n"
        "    import secrets_client; assert secrets_client.get_secret('/a/s') == 'v'\n"
        "print(hasattr(kit, 'fake_secrets'))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert result.stdout.strip() == "False", result.stderr
    assert secrets_client_testing.pytest is not None
