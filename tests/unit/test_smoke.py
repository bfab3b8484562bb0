"""scripts/flows/smoke.py: the checks fail when what the function read is not what is stored."""

from __future__ import annotations

import hashlib

from scripts.flows.smoke import Check, compare, render

SECRET = "/sandbox/demo/secrets/api_key"
PROBE = {"secret_id": "/sandbox/neighbour/secrets/api_key", "parameter": "/sandbox/neighbour/config/url"}


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _payload(value: str, version: str = "v1", probe_outcome: str = "refused") -> dict:
    return {
        "secrets": [{"name": SECRET, "version_id": version, "sha256": _digest(value)}],
        "parameters": [],
        "deny_probe": [{"name": name, "outcome": probe_outcome, "status": 400} for name in PROBE.values()],
    }


def test_all_pass_when_hashes_versions_and_refusals_agree() -> None:
    """Matching hash and version, both probes refused: every check passes."""
    checks = compare(_payload("s3cret"), {SECRET: (_digest("s3cret"), "v1")}, PROBE)
    assert [c.passed for c in checks] == [True, True, True]


def test_a_different_value_fails() -> None:
    """The function read another value than the stored one."""
    checks = compare(_payload("old"), {SECRET: (_digest("new"), "v1")}, PROBE)
    assert not checks[0].passed and "DIFFERS" in checks[0].detail


def test_a_stale_version_fails() -> None:
    """Same hash but an older version (e.g. a cache that did not expire) is reported."""
    checks = compare(_payload("s3cret", version="v1"), {SECRET: (_digest("s3cret"), "v2")}, PROBE)
    assert not checks[0].passed and "(stored: v2)" in checks[0].detail


def test_a_missing_item_and_an_allowed_probe_fail() -> None:
    """An item the function did not return, and a neighbour read that was allowed, both fail."""
    checks = compare(
        _payload("s3cret", probe_outcome="allowed"), {SECRET: (_digest("s3cret"), "v1"), "/x/y/z/w": ("h", "1")}, PROBE
    )
    failed = [c.name for c in checks if not c.passed]
    assert failed == ["read /x/y/z/w", f"refused {PROBE['secret_id']}", f"refused {PROBE['parameter']}"]


def test_a_probe_the_function_did_not_try_fails() -> None:
    """Missing probe results are failures, not passes."""
    payload = _payload("s3cret")
    payload["deny_probe"] = []
    checks = compare(payload, {SECRET: (_digest("s3cret"), "v1")}, PROBE)
    assert [c.passed for c in checks] == [True, False, False]


def test_reports_read_as_table_and_markdown() -> None:
    """Terminal report ends with the count; markdown has a table row per check."""
    checks = [Check("invoke", True, "12 ms"), Check("read /a", False, "DIFFERS")]
    text = render("sandbox", "fn", checks, markdown=False)
    assert "FAIL  read /a" in text and text.endswith("smoke: 1 of 2 checks passed")
    markdown = render("sandbox", "fn", checks, markdown=True)
    assert "| ❌ | `read /a` | DIFFERS |" in markdown and "**1 of 2 checks passed**" in markdown


def test_the_terminal_report_fits_100_columns() -> None:
    """Long names put the detail on its own line instead of running past 100 columns."""
    checks = [
        Check("invoke", True, "12 ms (init 3 ms), 20 MB used; log .sandbox/logs/f.log"),
        Check("read /sandbox/demo/secrets/" + "x" * 60, True, "same sha256 as stored, version 1"),
        Check("policy allows GetParameter /sandbox/demo/config/api_base_url", True, "allowed"),
    ]
    text = render("sandbox", "f", checks, markdown=False)
    assert max(len(line) for line in text.splitlines()) <= 100, text
    assert "x" * 60 in text and "same sha256 as stored, version 1" in text
