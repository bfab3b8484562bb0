"""scripts/bench.py: the counting proxy sees every call moto receives; billing rules; the docs section."""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError

from scripts import bench
from scripts.common import UserError


def test_the_proxy_counts_every_request_moto_receives(monkeypatch: pytest.MonkeyPatch) -> None:
    """Calls of three protocols (JSON, query, REST) and a failing one: the proxy's count equals moto's request log."""
    with bench.moto(Path(sys.executable).parent / "moto_server") as (endpoint, log):
        proxy = bench.CountingProxy(int(endpoint.rsplit(":", 1)[1]))
        before = bench.moto_requests(log)
        try:
            for name, value in bench.AWS_ENV.items():
                monkeypatch.setenv(name, value)

            def client(service: str) -> object:
                return boto3.client(service, endpoint_url=proxy.endpoint)

            sm, ssm = client("secretsmanager"), client("ssm")
            sm.create_secret(Name="/t/a/s/x", SecretString="v")
            sm.describe_secret(SecretId="/t/a/s/x")
            sm.get_secret_value(SecretId="/t/a/s/x")
            with pytest.raises(ClientError):
                sm.get_secret_value(SecretId="/t/a/s/missing")
            ssm.put_parameter(Name="/t/a/c/p", Value="1", Type="String")
            ssm.get_parameter(Name="/t/a/c/p")
            client("sts").get_caller_identity()
            client("lambda").list_functions()
        finally:
            proxy.close()
        for _ in range(50):  # moto writes its log line just after answering
            if bench.moto_requests(log) - before >= proxy.total:
                break
            time.sleep(0.05)
        assert proxy.total == bench.moto_requests(log) - before == 8
    assert proxy.counts == {
        "secretsmanager:CreateSecret": 1,
        "secretsmanager:DescribeSecret": 1,
        "secretsmanager:GetSecretValue": 2,
        "ssm:PutParameter": 1,
        "ssm:GetParameter": 1,
        "sts:GetCallerIdentity": 1,
        "lambda:/2015-03-31/functions": 1,
    }


def test_billed_calls_follow_the_price_list() -> None:
    """Every Secrets Manager call is billed (DescribeSecret too); Parameter Store only when paid for."""
    counts = Counter({"secretsmanager:GetSecretValue": 3, "secretsmanager:DescribeSecret": 2, "ssm:GetParameter": 7})
    assert bench.billed(counts, paid_parameters=False) == 5
    assert bench.billed(counts, paid_parameters=True) == 12


def test_the_docs_section_is_replaced_between_its_markers(tmp_path: Path) -> None:
    """Only the text between the markers changes; a file without them is refused with the fix."""
    docs = tmp_path / "benchmarks.md"
    docs.write_text(f"# Title\nintro\n{bench.MARK_START}\nold numbers\n{bench.MARK_END}\nafter\n")
    bench.update_docs("| new | table |\n", docs)
    assert docs.read_text() == f"# Title\nintro\n{bench.MARK_START}\n| new | table |\n{bench.MARK_END}\nafter\n"
    docs.write_text("# no markers\n")
    with pytest.raises(UserError, match="lacks its markers"):
        bench.update_docs("x\n", docs)


def test_the_committed_docs_have_the_markers() -> None:
    """docs/benchmarks.md carries exactly one pair of markers (make bench rewrites between them)."""
    text = bench.DOCS.read_text()
    assert text.count(bench.MARK_START) == 1 and text.count(bench.MARK_END) == 1


def test_the_report_fits_100_columns_and_states_ratios() -> None:
    """Every line (tables too) is at most 100 characters; the goals' ratios are printed."""
    samples = {name: [0.02, 0.021, 0.03] for name in bench.CANDIDATES}
    samples[bench.OURS_WARM] = [0.024, 0.025, 0.03]
    imports = {("this client" if k == bench.OURS_COLD else k): v for k, v in samples.items() if k != bench.OURS_WARM}
    window = {"secretsmanager:GetSecretValue": 1, "ssm:GetParameter": 2}
    data = {
        "date": "2026-11-29",
        "machine": "2 cores",
        "runs": 3,
        "time_s": {"first value": samples, "import": imports},
        "calls": {"1 secret": {"boto3, no cache": {w: window for w in bench.WINDOWS}}},
        "paid_parameters": False,
        "proxy_total": 9,
        "moto_total": 9,
        "latency_us": {"a": 1.0},
        "deploy_s": {},
        "load": {
            name: {"requests": 400, "answered": 400, "p50_ms": p99 / 4, "p99_ms": p99, "max_ms": p99 * 2, "failures": {}}
            for name, p99 in ((bench.LOAD_OURS, 20.0), (bench.LOAD_BACKLOG_5, 600.0))
        },
    }
    text = bench.report(data)
    assert "p99 at" in text and "the p99 is 30x that" in text  # the load section (it once returned nothing)
    assert all(len(line) <= 100 for line in text.splitlines()), max(text.splitlines(), key=len)
    assert "**1.19x** the bare interpreter\n  (goal <= 1.3x: met; by the minimums 1.20x)" in text
    assert "| boto3, no cache | 3 / 1 ($0.0000) |" in text
