"""scripts/config.py: every environment's tfvars file is checked against its root's declared types
before anything runs (Terraform would drop an unknown object attribute silently)."""

from __future__ import annotations

import re
from pathlib import Path

import hcl2
import pytest

from scripts import config
from scripts.common import ROOT, UserError

ROOTS = {"aws": config.AWS_ROOT, "sandbox": config.ENVS_DIR / "sandbox"}
APP = """apps = {
  billing = {
    memory_size = 512
    secrets = {
      "secrets/stripe" = { format = "json", rotation = { strategy = "generated", days = 30, fields = ["password"] } }
    }
    parameters = { "config/url" = { value = "https://x" } }
    environment = { ANY_NAME_AT_ALL = "free: a map's keys are the user's" }
  }
}
"""


def _check(root: str, text: str, tmp_path: Path) -> None:
    path = tmp_path / "env.tfvars"
    path.write_text(text)
    config.check(path, config._hcl(path), config.root_variables(ROOTS[root]))


@pytest.mark.parametrize("root", list(ROOTS))
def test_a_valid_file_passes(root: str, tmp_path: Path) -> None:
    """Every declared key, at every depth, and free map keys, pass."""
    _check(root, 'region = "us-east-1"\ndefaults = { extension = { secrets_manager_ttl = 60 } }\n' + APP, tmp_path)


@pytest.mark.parametrize("root", list(ROOTS))
@pytest.mark.parametrize(
    ("typo", "where", "closest"),
    [
        ("memroy_size = 512", "in app billing", "memory_size"),
        ('fromat = "json"', 'in app billing, at secrets["secrets/stripe"]', "format"),
        ('feilds = ["password"]', 'in app billing, at secrets["secrets/stripe"].rotation', "fields"),
        ('valeu = "https://x"', 'in app billing, at parameters["config/url"]', "value"),
    ],
)
def test_an_unknown_key_is_refused_naming_the_closest(root: str, typo: str, where: str, closest: str, tmp_path: Path) -> None:
    """A misspelt key anywhere in an app is refused with its line, where it is, and the key meant."""
    key = typo.split(" ")[0]
    right = {"memroy_size": "memory_size", "fromat": "format", "feilds": "fields", "valeu": "value"}[key]
    text = APP.replace(f"{right} =", f"{key} =", 1)
    with pytest.raises(UserError, match=rf'env.tfvars:\d+: unknown key "{key}" {re.escape(where)}: .*did you mean "{closest}"'):
        _check(root, text, tmp_path)


@pytest.mark.parametrize("root", list(ROOTS))
def test_an_unknown_top_level_key_and_a_defaults_key_are_refused(root: str, tmp_path: Path) -> None:
    """Outside the apps too: a variable the root does not declare, and a key inside defaults."""
    with pytest.raises(UserError, match=r"env.tfvars:1: unknown key \"memory_size\": .*valid here: apps, defaults, region"):
        _check(root, "memory_size = 512\n" + APP, tmp_path)
    with pytest.raises(UserError, match=r'unknown key "secret_manager_ttl" in defaults.extension: .*"secrets_manager_ttl"'):
        _check(root, "defaults = { extension = { secret_manager_ttl = 60 } }\n" + APP, tmp_path)


@pytest.mark.parametrize("root", list(ROOTS))
def test_a_setting_straight_inside_apps_is_refused_naming_its_line(root: str, tmp_path: Path) -> None:
    """memory_size = 512 written in apps (not in an app) is one line naming where and the two right places,
    never a traceback; apps that is not a map likewise."""
    text = APP.replace("apps = {\n", "apps = {\n  memory_size = 512\n", 1)
    with pytest.raises(UserError, match=r"env.tfvars:2: apps.memory_size is a number, not an app: .*or in defaults"):
        _check(root, text, tmp_path)
    with pytest.raises(UserError, match=r"env.tfvars:1: apps is a list: write apps = \{ <name> = \{ ... \} \}"):
        _check(root, 'apps = ["billing"]\n', tmp_path)


def test_env_in_the_file_is_refused(tmp_path: Path) -> None:
    """The environment is the file's name: `env = ...` inside it is refused in one line."""
    with pytest.raises(UserError, match="env.tfvars sets env, but the environment is the file's name"):
        _check("aws", 'env = "prod"\n' + APP, tmp_path)


def test_the_single_app_shape_is_refused_with_its_apps_equivalent(tmp_path: Path) -> None:
    """An old file is refused, naming make migrate, with the apps text it would become; that text is valid."""
    old = 'region = "eu-west-1"\napp = "payments"\nsecrets = { "secrets/a" = { description = "x" } }\n'
    with pytest.raises(UserError) as refused:
        _check("aws", old, tmp_path)
    message = str(refused.value)
    assert "single-app shape" in message and "make migrate ENV=" in message
    printed = message.split("The file would read:\n", 1)[1]
    assert hcl2.loads(printed)  # valid HCL
    _check("aws", printed, tmp_path)  # and valid for the root
    values = config._hcl(tmp_path / "env.tfvars")
    assert values["apps"]["payments"]["secrets"] == {"secrets/a": {"description": "x"}}
    assert values["apps"]["payments"]["source"] == "lambda_src" and values["region"] == "eu-west-1"


def test_the_shipped_files_pass_and_name_their_apps() -> None:
    """sandbox, dev and prod load, with their apps' code where the tfvars says (default apps/<name>)."""
    loaded = {env: config.load(env) for env in config.environments()}
    assert set(loaded["sandbox"].apps) == {"demo", "orders"}
    assert loaded["sandbox"].apps["demo"].source == ROOT / "lambda_src"
    assert loaded["sandbox"].apps["orders"].source == ROOT / "apps" / "orders"
    assert len(loaded["dev"].apps) >= 2, "the AWS root is checked with two apps (schema check)"


def test_environments_are_the_sandbox_and_one_per_tfvars_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An AWS environment exists because its <env>.tfvars does: adding a file adds the environment."""
    assert config.environments() == ("sandbox", "dev", "prod")
    monkeypatch.setattr(config, "AWS_ROOT", tmp_path)
    (tmp_path / "staging.tfvars").write_text("")
    assert config.environments() == ("sandbox", "staging")


def _item_types(kind: config.Type) -> dict[str, config.Type]:
    app = kind.element
    assert app is not None
    return {name: app.attribute(name) for name in ("secrets", "parameters", "secure_parameters")}  # type: ignore[misc]


def test_one_shape_in_both_roots_and_the_stack() -> None:
    """The sandbox and AWS roots declare the same apps and defaults; each item map is typed as the stack's input.

    Terraform cannot share a type between modules: this test holds the three declarations equal."""
    aws, sandbox = (config.root_variables(ROOTS[name]) for name in ("aws", "sandbox"))
    stack = config.root_variables(ROOT / "terraform" / "stack")
    assert aws["apps"] == sandbox["apps"] and aws["defaults"] == sandbox["defaults"]
    for name, kind in _item_types(aws["apps"]).items():
        assert kind == stack[name], f"apps.<app>.{name} differs from the stack's {name}"


def test_the_type_parser_reads_nested_types_and_skips_defaults() -> None:
    """object/map/list/optional with defaults of any shape, as variables.tf writes them."""
    parsed = config.parse_type(
        '${map(object({a = optional(string, "x,)"), b = optional(map(number), {k = 1}), c = list(bool)}))}'
    )
    assert parsed.kind == "map" and parsed.element is not None
    assert [name for name, _ in parsed.element.attributes] == ["a", "b", "c"]
    assert parsed.element.attribute("b") == config.Type("map", element=config.Type("number"))
    assert parsed.element.attribute("c") == config.Type("list", element=config.Type("bool"))


def test_an_unknown_environment_names_the_known_ones_and_the_files_that_add_it() -> None:
    """ENV=staging: the known environments, and the two files that would make staging one."""
    with pytest.raises(UserError, match=r"unknown ENV 'staging': use one of sandbox, .*terraform/envs/aws/staging.tfvars and"):
        config.require_known("staging")
    config.require_known("sandbox")
