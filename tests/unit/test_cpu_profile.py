"""scripts/cpu_profile.py: acct(2) v3 records read right, the command's tree told from the rest, roles named."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scripts import cpu_profile
from scripts.common import ROOT, UserError


def record(name: str, pid: int, ppid: int, utime: int, stime: int, version: int = 3) -> bytes:
    """One struct acct_v3 as the kernel writes it (times as comp_t, in 1/100 s)."""
    fields = (0, version, 0, 0, 0, 0, pid, ppid, 0, 1.5, utime, stime, 0, 0, 0, 0, 0, 0, name.encode())
    return cpu_profile.RECORD.pack(*fields)


def test_comp_t_is_a_13_bit_mantissa_with_a_base_8_exponent() -> None:
    """acct(5): values over 8191 ticks keep their magnitude (a plain integer read would be 8x off)."""
    assert cpu_profile.comp_t(0x1FFF) == 8191
    assert cpu_profile.comp_t((1 << 13) | 1) == 8
    assert cpu_profile.comp_t((2 << 13) | 5) == 320
    assert cpu_profile.RECORD.size == 64  # sizeof(struct acct_v3)


def test_records_parse_and_the_commands_tree_is_told_from_the_rest() -> None:
    """A grandchild whose parent ended first (reparented to the subreaper) is the command's; a
    process of someone else's, ended meanwhile, is not."""
    root = 1000
    data = b"".join(
        [
            record("py:runner", 1003, 1002, 11, 2),  # ended before its parent
            record("bash", 1002, 1001, 1, 1),
            record("orphan", 1004, root, (1 << 13) | 3, 0),  # reparented: 24 ticks
            record("make", 1001, root, 50, 10),
            record("sshd", 2001, 1, 400, 400),
        ]
    )
    ours, others = cpu_profile.descendants(cpu_profile.parse(data), root)
    assert sorted(r.name for r in ours) == ["bash", "make", "orphan", "py:runner"]
    assert [r.name for r in others] == ["sshd"]
    rows = {row["name"]: row for row in cpu_profile.by_name(ours)}
    assert rows["py:runner"] == {"name": "py:runner", "processes": 1, "user": 0.11, "system": 0.02}
    assert rows["orphan"]["user"] == 0.24
    assert cpu_profile.by_name(ours)[0]["name"] == "make"  # largest first
    table = cpu_profile.report(ours, others, limit=2)
    assert "| **the command's processes** | 4 | 0.9 | 0.1 | 1.0 | 100% |" in table
    assert "| 2 other names | 2 |" in table and "ended meanwhile: 1, 8.0 CPU s" in table


def test_a_record_of_another_version_is_refused() -> None:
    with pytest.raises(UserError, match="version 2 record"):
        cpu_profile.parse(record("x", 1, 0, 0, 0, version=2))


@pytest.mark.parametrize(
    ("argv", "name"),
    [
        (["-c", "import scripts.cli"], "py:-c"),
        (["-m", "scripts.runner", "--inside", "x"], "py:runner"),
        (["-B", "-X", "utf8", "scripts/bootstrap.py", "3"], "py:bootstrap"),
        (["-m", "scripts.cli", "check-env"], "cli:check-env"),
        (["-m", "scripts.cli", "--help"], "py:cli"),
    ],
)
def test_python_processes_are_named_by_their_role(tmp_path: Path, argv: list[str], name: str) -> None:
    """The sitecustomize --name-python writes renames the real process (the kernel's comm, what acct records)."""
    (tmp_path / "sitecustomize.py").write_text(cpu_profile.SITECUSTOMIZE)
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "__init__.py").write_text("")
    for module in ("cli", "runner", "bootstrap"):
        (tmp_path / "scripts" / f"{module}.py").write_text("print(open('/proc/self/comm').read().strip())\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    shown = subprocess.run([sys.executable, *argv], env=env, cwd=tmp_path, capture_output=True, text=True)
    assert shown.stdout.strip() == name, shown.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="process accounting needs root")
@pytest.mark.skipif(cpu_profile.ACTIVE in os.environ, reason="a cpu_profile run measures this suite: accounting is machine-wide")
def test_a_measured_command_is_counted_with_its_cpu(tmp_path: Path) -> None:
    """The real kernel accounting, through the command line: a grandchild doing about 0.4 s of CPU work
    whose parent has already ended is counted, and the command's exit status is kept. (The
    work makes no system calls: the kernel samples CPU time at its ticks, and a process that makes
    many, such as a loop reading its own CPU clock, is undercounted under load; docs/testing.md.)"""
    spin = "n = 0\nfor i in range(6_000_000): n += i"
    detach = f"import subprocess, sys; subprocess.Popen([sys.executable, '-c', {spin!r}]); sys.exit(3)"
    result = tmp_path / "cpu.json"
    command = [sys.executable, "-m", "scripts.cpu_profile", "--json", str(result), "--", sys.executable, "-c", detach]
    shown = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert shown.returncode == 3, shown.stderr
    rows = json.loads(result.read_text())["by_name"]
    spinners = [row for row in rows if float(row["user"]) + float(row["system"]) >= 0.25]
    assert len(spinners) == 1 and spinners[0]["processes"] == 2, rows  # the parent and the spinner, both python
    assert "| **the command's processes** |" in shown.stdout
