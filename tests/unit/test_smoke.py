"""scripts/flows/smoke.py: the checks fail when what a function read is not what is stored, and the
probes go to another app's items."""

from __future__ import annotations

import hashlib

from scripts.deployment import App, Deployment, Item
from scripts.flows.smoke import AppReport, Check, Stored, canonical, compare, field_hashes, outside, probe_event, render

SECRET = "/sandbox/demo/secrets/api_key"
REFUSED = ["/sandbox/orders/secrets/token", "/sandbox/orders/config/url"]


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _payload(value: str, version: str = "v1", probe_outcome: str = "refused") -> dict:
    return {
        "secrets": [{"name": SECRET, "version_id": version, "sha256": _digest(value)}],
        "parameters": [],
        "previous": [],
        "refused": [{"name": name, "outcome": probe_outcome, "status": 400} for name in REFUSED],
    }


def test_all_pass_when_hashes_versions_and_refusals_agree() -> None:
    """Matching hash and version, both probes refused: every check passes."""
    checks = compare(_payload("s3cret"), {SECRET: Stored(_digest("s3cret"), "v1")}, REFUSED)
    assert [c.passed for c in checks] == [True, True, True]


def test_a_different_value_fails() -> None:
    """The function read another value than the stored one."""
    checks = compare(_payload("old"), {SECRET: Stored(_digest("new"), "v1")}, REFUSED)
    assert not checks[0].passed and "DIFFERS" in checks[0].detail


def test_a_stale_version_fails() -> None:
    """Same hash but an older version (e.g. a cache that did not expire) is reported."""
    checks = compare(_payload("s3cret", version="v1"), {SECRET: Stored(_digest("s3cret"), "v2")}, REFUSED)
    assert not checks[0].passed and "(stored: v2)" in checks[0].detail


def test_a_missing_item_and_an_allowed_probe_fail() -> None:
    """An item the function did not return, and another app's item that it could read, both fail."""
    expected = {SECRET: Stored(_digest("s3cret"), "v1"), "/x/y/z/w": Stored("h", "1")}
    checks = compare(_payload("s3cret", probe_outcome="allowed"), expected, REFUSED)
    failed = [c.name for c in checks if not c.passed]
    assert failed == ["read /x/y/z/w", f"refused {REFUSED[0]}", f"refused {REFUSED[1]}"]


def test_a_probe_the_function_did_not_try_fails() -> None:
    """Missing probe results are failures, not passes."""
    payload = _payload("s3cret")
    payload["refused"] = []
    checks = compare(payload, {SECRET: Stored(_digest("s3cret"), "v1")}, REFUSED)
    assert [c.passed for c in checks] == [True, False, False]


def test_an_item_without_a_value_or_that_failed_to_read_says_why() -> None:
    """No value stored yet names put-secret; a read the function could not make shows its error."""
    payload = _payload("s3cret")
    payload["secrets"].append({"name": "/sandbox/demo/secrets/db", "error": "NotFound: secret /sandbox/demo/secrets/db"})
    checks = compare(payload, {SECRET: None, "/sandbox/demo/secrets/db": Stored("h", "v")}, REFUSED)
    by_name = {c.name: c for c in checks}
    assert "could not read it: NotFound" in by_name["read /sandbox/demo/secrets/db"].detail
    assert f"make put-secret NAME={SECRET}" in by_name[f"read {SECRET}"].detail
    assert not by_name["read /sandbox/demo/secrets/db"].passed and not by_name[f"read {SECRET}"].passed


def test_a_json_secret_is_compared_field_by_field() -> None:
    """Same fields: passes; a field that changed (a rotation that touched more than it should) fails."""
    value = '{"username": "app", "password": "p1"}'
    stored = {SECRET: Stored(_digest(value), "v1", field_hashes(value))}
    payload = _payload(value)
    payload["secrets"][0]["fields"] = {"username": _digest(canonical("app")), "password": _digest(canonical("p1"))}
    assert compare(payload, stored, REFUSED)[0].passed
    payload["secrets"][0]["fields"]["username"] = _digest(canonical("other"))
    check = compare(payload, stored, REFUSED)[0]
    assert not check.passed and "fields DIFFER" in check.detail


def test_a_json_secret_whose_stored_value_is_not_an_object_fails() -> None:
    """A secret declared json holding plain text (what a rotation that ignored the format wrote) fails, though the
    function read the same hash; the same text in a string secret passes."""
    value = "Zx81" * 10
    payload = _payload(value)
    payload["secrets"][0]["fields"] = None
    check = compare(payload, {SECRET: Stored(_digest(value), "v1", field_hashes(value), json=True)}, REFUSED)[0]
    assert not check.passed and 'declared format = "json" and the stored value is not a JSON object' in check.detail
    assert compare(payload, {SECRET: Stored(_digest(value), "v1", None)}, REFUSED)[0].passed


def _app(name: str, items: list[tuple[str, str]]) -> App:
    return App(
        name=name,
        env="sandbox",
        region="us-east-1",
        prefix=f"/sandbox/{name}",
        function_name=f"sandbox-{name}",
        function_arn=f"arn:aws:lambda:us-east-1:123456789012:function:sandbox-{name}",
        role_arn=f"arn:aws:iam::123456789012:role/sandbox-{name}",
        log_group_name=f"/aws/lambda/sandbox-{name}",
        manifest_parameter=f"/sandbox/{name}/manifest",
        kms_key_arn=None,
        rotation_function_name=None,
        items=tuple(Item(name, key, f"/sandbox/{name}/{key}", kind) for key, kind in items),  # type: ignore[arg-type]
    )


def test_each_app_is_probed_with_one_item_of_each_kind_of_the_next_app() -> None:
    """In name order (billing, demo, orders) each app tries the next one's items, the last the first's; a kind
    no other app has is probed with a made-up name of the environment."""
    deployment = Deployment(
        "sandbox",
        {
            "demo": _app("demo", [("secrets/a", "secret"), ("config/u", "parameter")]),
            "orders": _app("orders", [("secrets/t", "secret"), ("config/q", "parameter")]),
            "billing": _app("billing", [("secrets/k", "secret")]),
        },
    )
    picked = outside(deployment, deployment.apps["billing"])
    assert picked["secret"].name == "/sandbox/demo/secrets/a"  # type: ignore[union-attr]
    assert picked["parameter"].name == "/sandbox/demo/config/u"  # type: ignore[union-attr]
    assert picked["secure_parameter"] == "/sandbox/smoke-probe/secrets/outside_secure"
    demo = outside(deployment, deployment.apps["demo"])
    assert demo["secret"].name == "/sandbox/orders/secrets/t"  # type: ignore[union-attr]
    orders = outside(deployment, deployment.apps["orders"])
    assert orders["secret"].name == "/sandbox/billing/secrets/k" and orders["parameter"].name == "/sandbox/demo/config/u"  # type: ignore[union-attr]
    event = probe_event(deployment.apps["demo"], demo)["smoke_probe"]
    assert event["read"] == {"secrets": ["secrets/a"], "parameters": ["config/u"]}  # relative: the prefix is proved too
    assert event["refuse"]["secrets"] == ["/sandbox/orders/secrets/t"]


def test_reports_read_as_table_and_markdown_grouped_by_app() -> None:
    """Terminal report: one block per app, names relative to it, the count at the end; markdown: a table per app."""
    reports = [
        AppReport(
            "demo", "sandbox-demo", [Check("invoke", True, "12 ms"), Check("read /sandbox/demo/secrets/a", False, "DIFFERS")]
        ),
        AppReport("orders", "sandbox-orders", [Check("refused /sandbox/demo/secrets/a", True, "refused (HTTP 400)")]),
    ]
    text = render("sandbox", reports, markdown=False)
    assert "app demo (sandbox-demo)" in text and "FAIL  read secrets/a" in text
    assert "PASS  refused demo/secrets/a" in text and text.endswith("smoke: 2 of 3 checks passed")
    markdown = render("sandbox", reports, markdown=True)
    assert "#### `orders` (`sandbox-orders`)" in markdown and "| ❌ | `read /sandbox/demo/secrets/a` | DIFFERS |" in markdown
    assert "**2 of 3 checks passed**" in markdown


def test_a_skipped_check_is_counted_apart() -> None:
    """An app whose handler does not answer the probe: its reads are skipped (said so), not passed or failed."""
    checks = [Check("invoke", True, "1 ms"), Check("reads", True, "skipped: ...", skipped=True)]
    reports = [AppReport("own", "sandbox-own", checks)]
    text = render("sandbox", reports, markdown=False)
    assert "SKIP  reads" in text and text.endswith("smoke: 1 of 1 checks passed, 1 skipped")


def test_the_terminal_report_fits_100_columns() -> None:
    """Long names put the detail on its own line instead of running past 100 columns."""
    checks = [
        Check("invoke", True, "12 ms (init 3 ms), 20 MB used; log .sandbox/logs/f.log"),
        Check("read /sandbox/demo/secrets/" + "x" * 80, True, "same sha256 as stored, version 1"),
        Check("policy allows GetParameter /sandbox/demo/config/api_base_url", True, "allowed"),
        Check("policy denies every item of app " + "o" * 32, True, "3 of 3 denied"),
    ]
    text = render("sandbox", [AppReport("demo", "f", checks)], markdown=False)
    assert max(len(line) for line in text.splitlines()) <= 100 or "x" * 80 in text, text
    assert all(len(line) <= 100 for line in text.splitlines() if "x" * 80 not in line), text
    assert "x" * 80 in text and "same sha256 as stored, version 1" in text
