"""The client as others take it: pip-installed from a path or a VCS URL into a clean venv, and as a layer zip.

Slow-ish (a venv and a wheel build each): it runs pip and git for real, as a user would.
"""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from scripts.common import copy_repository
from tests.conftest import ROOT

READ_THROUGH_THE_FAKE = """
import importlib.metadata as metadata
import secrets_client, secrets_client_testing, smoke_probe
@smoke_probe.answers
def handler(event, context):
    return {"mine": secrets_client.get_secret("secrets/api_key")}
with secrets_client_testing.use_fake(prefix="/prod/pay") as fake:
    fake.put_secret("secrets/api_key", "k-1")
    assert handler({}, None) == {"mine": "k-1"}  # a handler answering the kit's smoke probe, tested in your repo
    fake.put_parameter("config/url", "https://example.test")
    assert secrets_client.get_secrets_by_name(["secrets/api_key"]) == {"secrets/api_key": "k-1"}
    assert secrets_client.get_parameter("config/url") == "https://example.test"
plugins = [e.value for e in metadata.entry_points(group="pytest11") if e.name == "secrets_client"]
print(secrets_client.__version__, metadata.version("lambda-secrets-client"), plugins, secrets_client.__file__)
"""


def clean_venv(path: Path) -> Path:
    """A new venv (pip only, no site packages); its python."""
    venv.EnvBuilder(with_pip=True, clear=True).create(path)
    return path / "bin" / "python"


def pip_install(python: Path, target: str) -> None:
    result = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", target],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def check_installed(python: Path) -> str:
    result = subprocess.run([str(python), "-c", READ_THROUGH_THE_FAKE], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_pip_install_from_a_local_path_into_a_clean_venv(tmp_path: Path) -> None:
    """`pip install <checkout>`: the three modules and the pytest plugin entry point, nothing else of the repository,
    no SDK; it reads through the fake backend; the checkout is left without build droppings."""
    repo = copy_repository(tmp_path / "repo")
    before = sorted(p.relative_to(repo) for p in repo.rglob("*") if ".venv" not in p.parts)
    python = clean_venv(tmp_path / "venv")
    pip_install(python, str(repo))
    version = (ROOT / "lambda_src" / "secrets_client.py").read_text().split('__version__ = "')[1].split('"')[0]
    out = check_installed(python)
    assert out.startswith(f"{version} {version} ['secrets_client_testing'] ") and "site-packages/secrets_client.py" in out
    listed = subprocess.run([str(python), "-m", "pip", "list", "--format=freeze"], capture_output=True, text=True).stdout
    assert sorted(line.split("==")[0] for line in listed.split()) == ["lambda-secrets-client", "pip", "setuptools"]
    site = next((tmp_path / "venv" / "lib").glob("python3*/site-packages"))
    assert not (site / "handler.py").exists() and not (site / "scripts").exists() and not (site / "boto3").exists()
    after = sorted(p.relative_to(repo) for p in repo.rglob("*") if ".venv" not in p.parts)
    assert after == before


def test_pip_install_from_a_vcs_url(tmp_path: Path) -> None:
    """`pip install git+file://<repo>@<tag>`, as from a repository host: pip clones, checks out the tag, builds.
    (pip 23's requirement parser refuses the `name @ git+file:///...` form, which has no host; with a host, as in
    docs/client.md's `git+https://` example, the PEP 508 form works.)"""
    repo = copy_repository(tmp_path / "repo")
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "snapshot"], ["tag", "v-test"]):
        git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.test", "-c", "commit.gpgsign=false"]
        subprocess.run([*git, *command], cwd=repo, check=True, capture_output=True)
    python = clean_venv(tmp_path / "venv")
    pip_install(python, f"git+file://{repo}@v-test")
    assert "['secrets_client_testing']" in check_installed(python)


def layer_bytes(checkout: Path) -> bytes:
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "-m", "scripts.client_layer"],
        cwd=checkout,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return (checkout / "build" / "secrets-client-layer.zip").read_bytes()


def test_the_layer_zip_is_byte_identical_across_two_checkouts_and_importable(tmp_path: Path) -> None:
    """make client-layer's command in two fresh copies: the same bytes; the zip holds python/secrets_client.py and
    python/smoke_probe.py, byte-equal to the sources, importable from the zip as Lambda would from /opt/python."""
    first, second = (layer_bytes(copy_repository(tmp_path / name)) for name in ("one", "two"))
    assert first == second
    path = tmp_path / "layer.zip"
    path.write_bytes(first)
    with zipfile.ZipFile(path) as archive:
        assert archive.namelist() == ["python/secrets_client.py", "python/smoke_probe.py"]
        for name in ("secrets_client.py", "smoke_probe.py"):
            assert archive.read(f"python/{name}") == (ROOT / "lambda_src" / name).read_bytes()
        assert archive.getinfo("python/secrets_client.py").date_time == (1980, 1, 1, 0, 0, 0)
    code = f"import sys; sys.path.insert(0, {str(path / 'python')!r}); import smoke_probe; print(smoke_probe.__file__)"
    result = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True, timeout=30)
    assert result.stdout.strip() == str(path / "python" / "smoke_probe.py"), result.stderr


@pytest.mark.parametrize("change", ["a changed byte"])
def test_the_layer_changes_when_the_client_does(tmp_path: Path, change: str) -> None:
    """A one-byte change to the client gives a different layer (the reproducibility test can fail)."""
    repo = copy_repository(tmp_path / "repo")
    original = layer_bytes(repo)
    client = repo / "lambda_src" / "secrets_client.py"
    client.write_text(client.read_text() + "\n# " + change + "\n")
    assert layer_bytes(repo) != original
