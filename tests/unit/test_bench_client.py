"""scripts/bench.py's client rows: the clock that puts the client in a rotation window, the latency stand-in,
and the trade-off table's arithmetic (the measurements themselves run in make bench)."""

from __future__ import annotations

import http.client
import json
import time

from scripts import bench


def test_the_shifted_clock_moves_wall_time_with_the_simulation() -> None:
    """time() is the start plus the simulated offset plus the shift (a plain attribute must not hide it)."""
    clock = bench.ShiftedClock(wall_shift=29.5 * bench.DAY)
    start = clock.time()
    assert abs(start - (time.time() + 29.5 * bench.DAY)) < 5
    clock.offset = 100.0
    assert abs(clock.time() - start - 100.0) < 0.01 and clock.monotonic() - clock._monotonic == 100.0


def test_the_latency_stand_in_answers_after_its_wait_and_keeps_the_connection() -> None:
    """Each GET is answered after the latency, over HTTP/1.1 keep-alive (two GETs, one connection)."""
    with bench.latency_stand_in(0.05) as port:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        for _ in range(2):
            started = time.perf_counter()
            connection.request("GET", "/secretsmanager/get?secretId=x")
            response = connection.getresponse()
            assert json.loads(response.read())["SecretString"] == "stand-in value"
            assert time.perf_counter() - started >= 0.05
        connection.close()


def test_the_tradeoff_table_averages_a_30_day_rotation() -> None:
    """The SDK's 30-day average is (28 days out of the window + 2 in it) / 30, from the measured rows."""
    rows = {
        "extension, not known as rotated (x)": {
            "calls": {"secretsmanager:GetSecretValue": 251},
            "worst_s": 600,
            "seen_after_s": 346,
        },
        "extension, rotated, window open (y)": {
            "calls": {"secretsmanager:GetSecretValue": 251},
            "worst_s": 300,
            "seen_after_s": 0,
        },
        "SDK, not known as rotated (z)": {"calls": {"secretsmanager:GetSecretValue": 250}, "worst_s": 300, "seen_after_s": None},
        "SDK, rotated, window open (w)": {"calls": {"secretsmanager:GetSecretValue": 1000}, "worst_s": 60, "seen_after_s": 86},
    }
    text = "\n".join(bench._tradeoff_table({"tradeoff": rows}))
    assert "**300** billed calls a day" in text and "worst case of 60 s after the scheduled rotation instead of 300 s" in text
    assert "| SDK, not known as rotated (z) | 250 | 300 | never |" in text
    assert "from 600 s to 300 s" in text and "costs +0 billed calls" in text
