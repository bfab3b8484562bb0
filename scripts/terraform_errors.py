"""What a Terraform failure means: its real cause and its fix, in one line.

A terraform command fails for one of a few reasons, and each needs a different fix. They are
told apart here from Terraform's own diagnostics (scripts.common.diagnostics), whose text
Terraform keeps stable; each cause was produced for real and its output captured
(tests/fixtures/terraform_errors/, with the script that captured it):

- `state_locked`: another Terraform run holds the state lock. Terraform prints the lock's
  record (operation, who, when, ID); for a local state, the process holding the lock is
  named too (/proc/locks). A local lock goes with its process; a remote one can outlive it
  (then `terraform force-unlock`).
- `state_unreadable`: the state cannot be parsed (a truncated or empty file). For a local
  state, the copy Terraform keeps before each write (`<state>.backup`) is named, with how
  to restore it. An empty state file is refused before Terraform sees it: Terraform reads it
  as "no state" and plans to create everything.
- `stale_plan`: the saved plan was made before the state last changed (scripts/flows/deploy.py
  compares the state's lineage and serial recorded at plan time; Terraform's own "Saved plan
  is stale", a plan made by another Terraform version and a file that is no plan at all land
  here too). The fix: plan again.
- `unreachable`: Terraform could not reach the AWS endpoint (connection refused or reset, no
  such host, a timeout): the sandbox stopped, or the network. The target says which to check.
- `credentials`, `access_denied`: AWS refused the provider's credentials (its AWS error code, or
  a 403 while the provider configures itself: the calls it makes then need no permission), or
  a permission. The 403 was produced against a moto server with authentication on; the codes
  are AWS's documented ones (the same as scripts/aws_errors.py's), not captured here.
- `provider`: the provider plugin is missing, damaged or could not be installed.
- `config_values`: a value the environment's tfvars file gives is refused (a syntax or type
  error in the file, or a validation or precondition of the stack, whose messages name the app).
- `config_file`: an error in a .tf file, named with its line (for the sandbox, the source
  file, not only the bridged copy).
- `aws_refused`: an AWS API error during plan or apply (named by Terraform with the resource).
- `unknown`: anything else, with Terraform's whole first diagnostic.

Only `config_values` says "fix it in <tfvars>".
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts.common import ROOT, Diagnostic, UserError, diagnostics, first_error, plain_text
from scripts.sandbox import bridge

# Text of Terraform's (and the AWS provider's) diagnostics, by cause.
LOCK_SUMMARY = "Error acquiring the state lock"
STATE_UNREADABLE = re.compile(
    r"Unsupported state file format|Invalid state file format|state file could not be parsed|Failed to load state|"
    r"Error loading state|Failed to read state|state data in S3 does not have the expected content"
)
STALE_PLAN = re.compile(
    r"Saved plan is stale|plan files? cannot be transferred between different Terraform versions|"
    r"Failed to load .* as a plan file|Failed to read plan from plan file"
)
# Most telling first: the first that matches names the failure.
UNREACHABLE = tuple(
    re.compile(pattern)
    for pattern in (
        r"connection refused",
        r"connection reset by peer",
        r"no such host",
        r"network is unreachable",
        r"i/o timeout",
        r"TLS handshake timeout",
        r"context deadline exceeded",
        r"(?:read|dial) tcp \S+: \S*:? ?EOF",
        r"send request failed",
    )
)
ENDPOINT = re.compile(r'(?:Post|Get|Put|Delete|Head) "?(https?://[^/"\s]+)')
CREDENTIALS = re.compile(
    r"no valid credential sources|NoCredentialProviders|ExpiredToken|InvalidClientTokenId|SignatureDoesNotMatch|"
    r"security token included in the request is (?:invalid|expired)|UnrecognizedClientException|"
    r"failed to refresh cached credentials"
)
# The provider's first calls (sts:GetCallerIdentity needs no permission) answered 403: the credentials.
PROVIDER_SETUP = re.compile(r"configuring Terraform AWS Provider")
FORBIDDEN = re.compile(r"status code: 403|StatusCode: 403")
ACCESS_DENIED = re.compile(r"AccessDenied|not authorized to perform|UnauthorizedOperation|AuthorizationError")
PROVIDER = re.compile(
    r"^(Required plugins are not installed|Failed to load plugin schemas|Could not load plugin|Failed to query available "
    r"provider packages|Failed to install provider|Inconsistent dependency lock file|Incompatible provider version|"
    r"Plugin did not respond|Failed to instantiate provider|Failed to read schema)"
)
AWS_API_ERROR = re.compile(r"status code: \d{3}|StatusCode: \d{3}|RequestID|request id:|api error \w+", re.IGNORECASE)
VALUE_CHECKS = re.compile(
    r"^(Invalid value for (input )?variable|Resource precondition failed|Resource postcondition failed|"
    r"Module output value precondition failed|Invalid (for_each|count) argument)"
)
APP_NAMED = re.compile(r"^app (?P<app>[a-z][a-z0-9-]*): ")
LOCK_BOILERPLATE = "Terraform acquires a state lock"


@dataclass(frozen=True)
class Where:
    """What the explanation needs to know about where Terraform ran (built by the flows from the target)."""

    env: str
    tfvars: Path  # the environment's tfvars file
    root: Path  # the directory terraform ran in (-chdir)
    data_dir: Path  # TF_DATA_DIR
    state_file: Path | None  # the local state, or None for a remote backend
    unreachable_hint: str  # what to check when the AWS endpoint does not answer (the target's)


class TerraformProblem(UserError):
    """A Terraform failure with its cause (one of the module's table), reason and fix."""

    def __init__(self, command: str, where: Where, cause: str, reason: str, fix: str, stage: str = "") -> None:
        super().__init__(f"{command} for ENV={where.env} failed{stage}: {reason.rstrip('.')}; {fix}")
        self.cause, self.reason, self.fix = cause, reason, fix

    def at(self, command: str, where: Where, stage: str) -> TerraformProblem:
        """The same problem, said of `command` at a stage (" part-way", " before changing anything")."""
        return TerraformProblem(command, where, self.cause, self.reason, self.fix, stage)


def shown(path: Path) -> str:
    """A path as the user should read it: relative to the repository when inside it."""
    path = Path(os.path.normpath(path))
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


# ---------------------------------------------------------------------------------------------
# The state: its identity, its lock, its backup
# ---------------------------------------------------------------------------------------------


def identity(state_text: str) -> dict[str, Any] | None:
    """The state's lineage and serial, from its JSON (None for no state); ValueError if unreadable."""
    if not state_text.strip():
        return None
    state = json.loads(state_text)
    if not isinstance(state, dict) or not isinstance(state.get("serial"), int) or not state.get("lineage"):
        raise ValueError("no lineage or serial")
    return {"lineage": state["lineage"], "serial": state["serial"]}


def lock_info(diagnostic: Diagnostic) -> dict[str, str]:
    """The fields of Terraform's 'Lock Info:' block (ID, Path, Operation, Who, Version, Created, Info)."""
    fields = {}
    for line in diagnostic.text.splitlines():
        match = re.match(r"^\s+(ID|Path|Operation|Who|Version|Created|Info):\s*(.*)$", line)
        if match:
            fields[match[1]] = match[2].strip()
    return fields


def _command_line(pid: int) -> str:
    """The process's command as a person would type it: the program's name (a Python script's, not the
    interpreter's) and its arguments, at most 120 characters."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return ""
    argv = [a for a in argv if a]
    if len(argv) > 1 and Path(argv[0]).name.startswith("python") and not argv[1].startswith("-"):
        argv = argv[1:]
    if not argv:
        return ""
    text = " ".join([Path(argv[0]).name, *argv[1:]])
    return text if len(text) <= 120 else text[:119] + "…"


def lock_holder(path: Path, locks: Path = Path("/proc/locks")) -> str:
    """Which process holds the POSIX lock Terraform's local backend takes on the state file: 'pid N (command)', or ''.

    Linux lists every file lock in /proc/locks with the holder's pid and the file's device
    and inode; an unknown file, another namespace's process or no /proc give ''.
    """
    try:
        stat = path.stat()
        rows = locks.read_text().splitlines()
    except OSError:
        return ""
    device = f"{os.major(stat.st_dev):02x}:{os.minor(stat.st_dev):02x}:{stat.st_ino}"
    for row in rows:
        fields = row.split()
        if len(fields) >= 6 and fields[1] == "POSIX" and fields[5] == device and fields[4].isdigit():
            pid = int(fields[4])
            command = _command_line(pid)
            return f"pid {pid}" + (f" ({command})" if command else "")
    return ""


def backup_of(state_file: Path) -> str:
    """What the copy Terraform keeps before each write of a local state holds, as a phrase for the fix."""
    backup = state_file.with_name(state_file.name + ".backup")
    try:
        state = json.loads(backup.read_text())
        resources = len(state.get("resources", []))
        serial = state["serial"]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return ""
    return f"{shown(backup)} (serial {serial}, {resources} resources)"


def check_local_state(state_file: Path | None, command: str, where: Where) -> None:
    """Refuse an empty (0-byte) local state file: Terraform reads it as no state at all, plans to create
    everything, and its next write replaces the backup, the last good copy."""
    if state_file is None or not state_file.is_file() or state_file.stat().st_size:
        return
    raise _unreadable(command, where, "the file is empty (0 bytes), which Terraform would read as no state at all")


def _unreadable(command: str, where: Where, problem: str) -> TerraformProblem:
    if where.state_file is None:
        return TerraformProblem(
            command,
            where,
            "state_unreadable",
            f"the state in the backend cannot be read ({problem})",
            f"restore its previous version from the state bucket's object versions (bucket and key in "
            f"terraform/envs/aws/{where.env}.backend.hcl; docs/troubleshooting.md), then {retry(command, where)}",
        )
    state = shown(where.state_file)
    backup = backup_of(where.state_file)
    if backup:
        fix = (
            f"restore the copy Terraform made before its last write, {backup}: "
            f"cp {state}.backup {state}, then make deploy ENV={where.env} (what the last apply created is not in "
            "the copy: the deploy finds it)"
        )
    else:
        fix = (
            f"there is no readable backup ({state}.backup); move the file aside (mv {state} {state}.damaged) and "
            f"run make deploy ENV={where.env}, which finds what exists"
        )
    return TerraformProblem(command, where, "state_unreadable", f"the state {state} cannot be read: {problem}", fix)


# ---------------------------------------------------------------------------------------------
# Explaining a failure
# ---------------------------------------------------------------------------------------------


def stale(command: str, where: Where, recorded: Any, current: dict[str, Any] | None) -> TerraformProblem:
    """The saved plan was made against another state than the one there now (lineage and serial), or
    `recorded` is "unrecorded": the plan has no record of its state (made by an earlier version of the kit)."""
    if recorded == "unrecorded":
        reason = "the saved plan has no record of the state it was made against (an earlier version of the kit made it)"
    else:
        if recorded is None or current is None or recorded["lineage"] != current["lineage"]:
            change = "the state was replaced (another lineage)" if recorded and current else "the state was created or removed"
        else:
            change = f"serial {recorded['serial']} then, {current['serial']} now"
        reason = f"the saved plan is stale: the state changed after the plan was made ({change}; another apply ran in between)"
    return TerraformProblem(
        command,
        where,
        "stale_plan",
        reason,
        f"plan again: make plan ENV={where.env}, review it, then make apply ENV={where.env} (or make deploy ENV={where.env})",
    )


def _source_of(path: Path) -> tuple[Path, bool]:
    """The repository file behind a file Terraform named, and whether the two are the same bytes.

    The sandbox runs a bridged copy of terraform/ (build/sandbox-tf, scripts/sandbox/bridge.py);
    a rewritten file's line numbers can differ from its source's.
    """
    if not path.is_relative_to(bridge.TARGET):
        return path, True
    source = bridge.SOURCE / path.relative_to(bridge.TARGET)
    try:
        return source, source.read_bytes() == path.read_bytes()
    except OSError:
        return source, False


def _located(diagnostic: Diagnostic, where: Where) -> tuple[Path | None, str]:
    """The file a diagnostic points at (absolute) and how to name it with its line."""
    if diagnostic.file is None:
        return None, ""
    path = Path(os.path.normpath(where.root / diagnostic.file))
    source, same = _source_of(path)
    if same:
        return source, f"{shown(source)} line {diagnostic.line}"
    return source, f"{shown(source)} (line {diagnostic.line} of its sandbox copy, {shown(path)})"


def _config(command: str, where: Where, diagnostic: Diagnostic) -> TerraformProblem:
    path, named = _located(diagnostic, where)
    tfvars = shown(where.tfvars)
    told = diagnostic.one_line()
    then = f"then make plan ENV={where.env}"
    app = APP_NAMED.match(diagnostic.detail[0]) if diagnostic.detail else None
    if path is not None and path == where.tfvars.resolve():
        return TerraformProblem(command, where, "config_values", told, f"fix it in {tfvars} line {diagnostic.line}, {then}")
    if app:
        return TerraformProblem(command, where, "config_values", told, f"fix app {app['app']} in {tfvars}, {then}")
    if VALUE_CHECKS.match(diagnostic.summary):
        rule = f" (the rule: {named})" if named else ""
        return TerraformProblem(command, where, "config_values", told, f"fix the value in {tfvars}{rule}, {then}")
    return TerraformProblem(command, where, "config_file", told, f"fix it in {named}, {then}")


def _locked(command: str, where: Where, diagnostic: Diagnostic) -> TerraformProblem:
    info = lock_info(diagnostic)
    operation = info.get("Operation", "").removeprefix("OperationType").lower() or "an operation"
    created = re.sub(r"(\d{2}:\d{2}:\d{2})\.\d+ \+0000 UTC", r"\1 UTC", info.get("Created", "?"))
    facts = [f"{operation} by {info.get('Who', 'someone')}", f"since {created}"]
    if info.get("Version"):
        facts.append(f"Terraform {info['Version']}")
    facts.append(f"lock ID {info.get('ID', '?')}")
    holder = lock_holder(Path(info["Path"])) if where.state_file is not None and info.get("Path") else ""
    reason = f"the state is locked by another Terraform run ({', '.join(facts)})"
    if where.state_file is not None:
        reason += f": {holder}" if holder else ""
        fix = f"wait for that run to finish, then {retry(command, where)} (a local lock is released when its process ends)"
    else:
        unlock = f"TF_DATA_DIR={shown(where.data_dir)} terraform -chdir={shown(where.root)} force-unlock {info.get('ID', '<ID>')}"
        fix = f"wait for that run to finish, then {retry(command, where)}; only if it was killed and left its lock: {unlock}"
    return TerraformProblem(command, where, "state_locked", reason, fix)


def _state_problems(text: str) -> str:
    """Terraform's reasons for an unreadable state, without the lock's boilerplate."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    kept = []
    for line in lines:
        if line.startswith(LOCK_BOILERPLATE):
            break
        kept.append(line)
    said = " ".join(kept)
    said = re.sub(r"^(Error: )?(Error acquiring the state lock:? ?)?(Error message: )?", "", said)
    said = re.sub(r"^Failed to refresh state: ", "", said)
    return " ".join(said.split())


def retry(command: str, where: Where) -> str:
    """How to run `command` again: an apply's saved plan is used up, so a deploy."""
    action = command.split()[0]
    if action == "apply":
        return f"make deploy ENV={where.env}"
    if action in ("plan", "destroy", "deploy"):
        return f"make {action} ENV={where.env}"
    return "retry"


def explain(output: str, command: str, where: Where) -> TerraformProblem:
    """The cause of a failed terraform command, from its whole output (stdout and stderr)."""
    then = retry(command, where)
    errors = diagnostics(output)
    first = errors[0] if errors else None
    everything = "\n".join(d.text for d in errors) if errors else output
    if first is not None and first.summary.startswith(LOCK_SUMMARY) and "Lock Info:" in first.text:
        return _locked(command, where, first)
    if STATE_UNREADABLE.search(everything):
        said = "\n".join(first.detail) if first is not None else plain_text(output)
        return _unreadable(command, where, _state_problems(said))
    if STALE_PLAN.search(everything):
        said = first.one_line() if first is not None else first_error(output)
        return TerraformProblem(
            command,
            where,
            "stale_plan",
            f"the saved plan cannot be applied ({said})",
            f"plan again: make plan ENV={where.env}, review it, then make apply ENV={where.env} (or make deploy ENV={where.env})",
        )
    network = next(((d, m) for d in errors for p in UNREACHABLE if (m := p.search(d.text))), None)
    if network is not None:
        endpoint = ENDPOINT.search(network[0].text)
        return TerraformProblem(
            command,
            where,
            "unreachable",
            f"Terraform could not reach {endpoint[1] if endpoint else 'the AWS endpoint'} ({network[1][0]})",
            where.unreachable_hint or f"check the network, a proxy (HTTPS_PROXY) and AWS_REGION, then {then}",
        )
    if first is None:
        return TerraformProblem(command, where, "unknown", first_error(output), f"fix what Terraform names, then {then}")
    if CREDENTIALS.search(first.text) or (PROVIDER_SETUP.search(first.text) and FORBIDDEN.search(first.text)):
        return TerraformProblem(
            command,
            where,
            "credentials",
            f"AWS did not accept the provider's credentials ({first.one_line()})",
            f"renew or set them (AWS_PROFILE; aws sso login or aws configure), then {then}",
        )
    if ACCESS_DENIED.search(first.text):
        action = re.search(r"not authorized to perform: (\S+)", first.text)
        return TerraformProblem(
            command,
            where,
            "access_denied",
            f"AWS denied {action[1] if action else 'a request'} ({first.one_line()})",
            "grant that permission to these credentials (docs/ci.md lists what each role needs) or use other "
            f"credentials, then {then}",
        )
    if PROVIDER.match(first.summary):
        providers = shown(where.data_dir / "providers")
        return TerraformProblem(
            command,
            where,
            "provider",
            f"the AWS provider plugin is missing or damaged ({first.one_line()})",
            f"remove the installed copy (rm -rf {providers}), then {then}: terraform init runs again and installs it "
            "(the sandbox's from build/provider-mirror, which make setup fills)",
        )
    if first.address is not None and AWS_API_ERROR.search(first.text):
        return TerraformProblem(
            command,
            where,
            "aws_refused",
            f"AWS refused a request for {first.address} ({first.one_line()})",
            f"fix what AWS names, then {then}",
        )
    if first.file is not None and first.address is None:
        return _config(command, where, first)
    if VALUE_CHECKS.match(first.summary):
        return _config(command, where, first)
    return TerraformProblem(command, where, "unknown", first.one_line(), f"fix what Terraform names, then {then}")
