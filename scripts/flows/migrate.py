"""Move an environment from the single-app shape of earlier versions to the apps map, replacing nothing.

The command is `make migrate ENV=<env>` (scripts/cli.py migrate). Safe to run again.
1. The tfvars file: in the single-app shape (app = ..., secrets = ...) it is rewritten as
   apps = { <app> = { ... } } (the old text is kept in build/migrate/); in the apps shape
   it is left as it is.
2. The state: the single-app roots called the stack once, as module.stack; the roots now
   call it once per app, as module.stack["<app>"]. `terraform state mv` moves the whole
   module instance (HashiCorp: "Moving a module"), and the sandbox's opt-in key
   (aws_kms_key.app) into its app's stack. A `moved` block cannot do this: its addresses
   are static, and the app's name is the user's.
Afterwards `make plan ENV=<env>` plans no destroy and no replacement of what was deployed.
"""

from __future__ import annotations

from scripts import config
from scripts.common import BUILD, ROOT, UserError, say, step
from scripts.targets import Target

SINGLE_APP_MODULE = "module.stack"
SANDBOX_KEY = "aws_kms_key.app[0]"  # the single-app sandbox root's opt-in key


def convert_tfvars(env: str) -> str | None:
    """Rewrite a single-app tfvars file in the apps shape; its app's name, or None if it was already converted."""
    path = config.tfvars_path(env)
    values = config.read(env)
    if "apps" in values or not any(key in values for key in config.SINGLE_APP_KEYS):
        return None
    backup = BUILD / "migrate" / f"{env}.tfvars.single-app"
    backup.parent.mkdir(parents=True, exist_ok=True)
    backup.write_text(path.read_text())
    new = config.converted(values, env)
    path.write_text(
        "# Converted from the single-app shape by make migrate (the old text: "
        f"{backup.relative_to(ROOT)}). The shape: docs/apps.md.\n" + config.to_hcl(new)
    )
    (name,) = new["apps"]
    say(f"{config.shown(path)}: converted to apps = {{ {name} = {{ ... }} }}")
    return name


def migrate(target: Target) -> None:
    """Convert the tfvars file, then move the deployed single-app state into the apps map."""
    step(f"migrate ENV={target.env} to the apps map")
    convert_tfvars(target.env)
    loaded = config.load(target.env)  # the converted (or already new) file, checked
    apps = loaded.apps
    workspace = target.workspace()
    workspace.init()
    listed = workspace.run("state", "list", capture=True, check=False, echo=False)
    addresses = listed.stdout.split() if listed.returncode == 0 else []
    if not any(a.startswith(SINGLE_APP_MODULE + ".") for a in addresses):
        say("state: nothing to move (already in the apps map, or nothing deployed)")
        return
    old = workspace.output("stack") or {}
    app = str(old.get("function_name", "")).removeprefix(f"{target.env}-")
    if app not in apps:
        raise UserError(
            f"the state holds the single-app deployment of app '{app}', which {target.config_hint} does not declare; "
            f"add it to apps (under that name), then run make migrate ENV={target.env} again"
        )
    if SANDBOX_KEY in addresses and not loaded.values["apps"][app].get("create_kms_key"):
        raise UserError(
            f"the deployment has a customer-managed key for app {app}: set create_kms_key = true for it in "
            f"{target.config_hint} (else the next plan would destroy the key), then run make migrate ENV={target.env} again"
        )
    destination = f'{SINGLE_APP_MODULE}["{app}"]'
    moved = sum(a.startswith(SINGLE_APP_MODULE + ".") for a in addresses)
    workspace.run("state", "mv", "-lock-timeout=60s", SINGLE_APP_MODULE, destination, capture=True)
    say(f"state: {SINGLE_APP_MODULE} moved to {destination} ({moved} resources)")
    if SANDBOX_KEY in addresses:
        workspace.run("state", "mv", "-lock-timeout=60s", SANDBOX_KEY, f"{destination}.aws_kms_key.this[0]", capture=True)
        say(f"state: {SANDBOX_KEY} moved into app {app}'s stack (create_kms_key = true)")
    say(f"next: make plan ENV={target.env} (it destroys and replaces nothing that was deployed)")
