"""Where a command's CPU goes, by process name: the kernel's process accounting around it.

Every process that ends while the command runs has its user and system CPU time written by
the kernel (acct(2), BSD process accounting, record format v3). This counts each process
once, short or long, which a poller of /proc misses: the suite starts thousands of processes
that live under a second. Only the command's own processes count (this process is their
subreaper, so even detached servers stay in its tree); every other process that ended
meanwhile is summed on one line, to show how quiet the machine was.

The kernel records each process's CPU as sampled at its timer ticks (CONFIG_TICK_CPU_ACCOUNTING),
not the exact runtime that getrusage(2) reports: the totals agree with /usr/bin/time's within a few
percent, but under load a process that makes a system call every few microseconds can be
undercounted several times over (a loop reading its own CPU clock: 0.05 s recorded for 0.31 s).

    sudo .venv/bin/python -m scripts.cpu_profile [--name-python] [--json FILE] -- make test

--name-python names each Python process by its role (`py:cli:deploy`, `py:runner`, ...)
through a sitecustomize module written into .venv's site-packages for the run and removed
after it; without it they all read "python3.11". Needs root (CAP_SYS_PACCT). Accounting is
machine-wide: one run at a time (the measured command sees CPU_PROFILE_ACTIVE=1).
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import struct
import subprocess
import sysconfig
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from scripts.common import UserError, run_main, say

# struct acct_v3 (include/uapi/linux/acct.h): flag, version, tty, exitcode, uid, gid, pid, ppid,
# btime, etime (float), then utime, stime and six more comp_t, and the 16-byte command name.
RECORD = struct.Struct("<BBHIIIIIIf8H16s")
ACCT_VERSION = 3
AHZ = 100  # the unit of ac_utime and ac_stime: 1/100 s
PR_SET_CHILD_SUBREAPER = 36
ACTIVE = "CPU_PROFILE_ACTIVE"  # set for the measured command: accounting is machine-wide, one run at a time

# Written into site-packages with --name-python: names the process from its command line (the
# kernel keeps 15 bytes of it, which acct records), by writing /proc/self/comm. No imports.
SITECUSTOMIZE = """\
# Written by scripts/cpu_profile.py for one measured run; it removes this file after.
def _name(args):
    while args and args[0].startswith("-") and args[0] not in ("-m", "-c"):
        args = args[2:] if args[0] in ("-X", "-W") else args[1:]
    if not args:
        return None
    if args[0] == "-c":
        return "py:-c"
    if args[0] == "-m" and len(args) > 1:
        module = args[1].rsplit(".", 1)[-1]
        command = args[2] if module == "cli" and len(args) > 2 and not args[2].startswith("-") else ""
        return f"cli:{command}" if command else f"py:{module}"
    return "py:" + args[0].rsplit("/", 1)[-1].removesuffix(".py")
try:
    import sys
    _role = _name(list(sys.orig_argv[1:]))
    if _role:
        with open("/proc/self/comm", "w") as _comm:
            _comm.write(_role[:15])
except Exception:
    pass
"""


@dataclass(frozen=True)
class Exited:
    """One accounting record: a process that ended."""

    name: str
    pid: int
    ppid: int
    user: float
    system: float


def comp_t(value: int) -> int:
    """A comp_t's value: 13-bit mantissa, 3-bit base-8 exponent (acct(5))."""
    return (value & 0x1FFF) << (3 * (value >> 13))


def parse(data: bytes) -> list[Exited]:
    """The v3 records in an accounting file, in the order the processes ended."""
    records = []
    for offset in range(0, len(data) - len(data) % RECORD.size, RECORD.size):
        fields = RECORD.unpack_from(data, offset)
        if fields[1] & 0x0F != ACCT_VERSION:
            raise UserError(f"the accounting file holds a version {fields[1] & 0x0F} record; this reads version 3 only")
        name = fields[-1].split(b"\0", 1)[0].decode(errors="replace")
        records.append(Exited(name, fields[6], fields[7], comp_t(fields[10]) / AHZ, comp_t(fields[11]) / AHZ))
    return records


def descendants(records: list[Exited], root: int) -> tuple[list[Exited], list[Exited]]:
    """(the processes in `root`'s tree, the others). With `root` their subreaper, each process's
    recorded parent is its real parent or `root`, so the tree closes whatever order they ended in."""
    ours = {root}
    grew = True
    while grew:
        before = len(ours)
        ours |= {r.pid for r in records if r.ppid in ours}
        grew = len(ours) > before
    return [r for r in records if r.ppid in ours], [r for r in records if r.ppid not in ours]


def seconds(records: list[Exited]) -> tuple[float, float]:
    """The user and system seconds of `records`, summed."""
    return sum(r.user for r in records), sum(r.system for r in records)


def by_name(records: list[Exited]) -> list[dict[str, float | int | str]]:
    """Processes, user and system seconds per name, the largest CPU first."""
    rows: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
    for record in records:
        row = rows[record.name]
        row[0] += 1
        row[1] += record.user
        row[2] += record.system
    table = [
        {"name": name, "processes": int(count), "user": round(user, 2), "system": round(system, 2)}
        for name, (count, user, system) in rows.items()
    ]
    return sorted(table, key=lambda row: -(float(row["user"]) + float(row["system"])))


def report(ours: list[Exited], others: list[Exited], limit: int) -> str:
    """A markdown table, readable in a terminal too."""
    rows = by_name(ours)
    user, system = seconds(ours)
    total = user + system
    lines = ["| process name | processes | user s | sys s | CPU s | share |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for row in rows[:limit]:
        cpu = float(row["user"]) + float(row["system"])
        share = f"{100 * cpu / total:.1f}%" if total else "-"
        lines.append(f"| `{row['name']}` | {row['processes']} | {row['user']:.1f} | {row['system']:.1f} | {cpu:.1f} | {share} |")
    rest = rows[limit:]
    if rest:
        cpu = sum(float(r["user"]) + float(r["system"]) for r in rest)
        lines.append(f"| {len(rest)} other names | {sum(int(r['processes']) for r in rest)} | | | {cpu:.1f} | |")
    lines.append(f"| **the command's processes** | {len(ours)} | {user:.1f} | {system:.1f} | {total:.1f} | 100% |")
    lines.append(f"\nOther processes on the machine that ended meanwhile: {len(others)}, {sum(seconds(others)):.1f} CPU s.")
    return "\n".join(lines)


def _site_packages() -> Path:
    """The project's virtual environment's site-packages (where --name-python writes)."""
    return Path(sysconfig.get_paths()["purelib"])


def _wait_reaping(pid: int) -> int:
    """Wait for `pid`, reaping every orphan reparented here as it ends (a test that waits for a
    detached server to be gone must not see a zombie); its exit status."""
    while True:
        try:
            ended, wait_status = os.waitpid(-1, 0)
        except KeyboardInterrupt:  # the command has the signal too; wait for it to end
            continue
        if ended == pid:
            return os.waitstatus_to_exitcode(wait_status)


def _orphans_end(grace: float) -> int:
    """Reap the command's orphans until none is left or `grace` seconds passed; how many still run."""
    deadline = time.monotonic() + grace
    while True:
        try:
            ended, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return 0
        if ended == 0:
            if time.monotonic() >= deadline:
                return len([p for p in Path("/proc").glob("[0-9]*") if _parent(p) == os.getpid()])
            time.sleep(0.05)


def _parent(proc: Path) -> int:
    try:
        return int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return -1


def measure(command: list[str], name_python: bool, grace: float = 10.0) -> tuple[int, int, list[Exited], list[Exited]]:
    """Run `command` under process accounting, then wait up to `grace` seconds for the processes it
    left running: (its exit status, how many still run and are not counted, its processes, the others)."""
    if os.geteuid() != 0:
        raise UserError("process accounting needs root (CAP_SYS_PACCT); run it with sudo")
    libc = ctypes.CDLL(None, use_errno=True)
    sitecustomize = _site_packages() / "sitecustomize.py"
    if name_python and sitecustomize.exists():
        raise UserError(f"{sitecustomize} exists already; --name-python would replace it: move it away first")
    with tempfile.TemporaryDirectory(prefix="cpu-profile-") as tmp:
        accounting = Path(tmp) / "pacct"
        accounting.touch()
        if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0 or libc.acct(str(accounting).encode()) != 0:
            raise UserError(f"process accounting could not start: {os.strerror(ctypes.get_errno())}")
        try:
            if name_python:
                sitecustomize.write_text(SITECUSTOMIZE)
            process = subprocess.Popen(command, env={**os.environ, ACTIVE: "1"})
            status = _wait_reaping(process.pid)
            running = _orphans_end(grace)
        finally:
            libc.acct(None)
            if name_python:
                sitecustomize.unlink(missing_ok=True)
        ours, others = descendants(parse(accounting.read_bytes()), os.getpid())
    return status, running, ours, others


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--name-python", action="store_true", help="name Python processes by their role")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the table as JSON to FILE")
    parser.add_argument("--grace", type=float, default=10.0, help="seconds to wait for processes it left running (10)")
    parser.add_argument("--top", type=int, default=25, help="rows to show (default 25)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command to measure, after --")
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        raise UserError("no command given; e.g. python -m scripts.cpu_profile -- make test")
    status, running, ours, others = measure(command, args.name_python, args.grace)
    if running:
        say(f"{running} process(es) the command started still run after {args.grace:g} s: not counted")
    say(f"\n{' '.join(command)}: exit status {status}; CPU by process name (acct(2), v3 records)\n")
    print(report(ours, others, args.top))
    if args.json:
        user, system = seconds(ours)
        total = {"processes": len(ours), "user": user, "system": system}
        others_cpu = sum(seconds(others))
        data = {
            "command": command,
            "status": status,
            "still_running": running,
            "total": total,
            "by_name": by_name(ours),
            "others_cpu": others_cpu,
        }
        args.json.write_text(json.dumps(data, indent=2) + "\n")
    return status


if __name__ == "__main__":
    run_main(main)
