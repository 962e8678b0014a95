"""A tiny smoke run of each benchmark: it runs and prints its figures (speed is not asserted)."""

from __future__ import annotations

import json
import re

import pytest

from benchmarks.usage_writer import main as usage_writer


def test_usage_writer_benchmark_prints_its_figures(capsys: pytest.CaptureFixture[str]) -> None:
    assert usage_writer(["--events", "300", "--updates", "10", "--rounds", "1"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"writer: 300 events into a real file .*: [\d,]+ events/s sustained; "
                     r"300 events in the file", out), out
    assert re.search(r"recording disabled: [\d.]+ µs per update", out), out
    assert re.search(r"recording enabled: +[\d.]+ µs per update", out), out
    assert re.search(r"added cost: [+-][\d.]+ µs per update \(ratio \d+\.\d\d", out), out


def test_soak_smoke_run_loses_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks import soak

    assert soak.main(["--seconds", "3", "--rate", "10", "--fault-every", "5", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["updates"] >= 20
    assert report["unanswered"] == 0
    assert report["events_recorded"] == report["events_expected"]
    assert report["faults_injected"] >= 4


@pytest.mark.services
def test_webhook_load_benchmark_smoke_run(capsys: pytest.CaptureFixture[str]) -> None:
    """Polling, and 2 webhook workers on real PostgreSQL and Redis at a rate, a few updates, in
    two rounds (the second in reverse order), judged on the figures of each round."""
    from benchmarks.load import main as load

    assert load(["--mode", "webhook", "--updates", "120", "--rate-updates", "60", "--rate", "30",
                 "--repeat", "2", "--only", "polling", "--only", "polling, PostgreSQL + Redis",
                 "--only", "webhook, 2 workers, offered", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report["totals"]) == {"polling", "polling, PostgreSQL + Redis",
                                     "webhook, 2 workers, offered"}
    assert report["totals"]["polling"]["answered"] == 2 * 120
    assert report["totals"]["polling, PostgreSQL + Redis"]["answered"] == 2 * 120
    for runs in report["runs"].values():  # the harness's CPU, read with the bot's
        assert all(r["fake_cpu_ms_per_update"] > 0 and r["redis_cpu_ms_per_update"] >= 0
                   and r["postgres_cpu_ms_per_update"] >= 0 for r in runs)
    offered = report["totals"]["webhook, 2 workers, offered"]
    assert offered["answered"] == offered["released"] == 2 * 60
    assert offered["cut_off"] == 0
    assert [r["p99_ms_offered"] for r in report["rounds"]] == [
        f["p99_ms"] for f in report["runs"]["webhook, 2 workers, offered"]]
    p99 = next(t for t in report["targets"] if t["target"].startswith("p99"))
    assert p99["per_round"] == [r["p99_ms_offered"] for r in report["rounds"]]
    assert p99["value"] == report["figures"]["p99_ms_offered"] == sum(p99["per_round"]) / 2
    run = report["runs"]["webhook, 2 workers, offered"][0]
    assert run["processes"] == 3  # the supervisor and its 2 workers, their CPU summed
    assert run["cpu_ms_per_update"] > 0
    assert report["figures"]["p99_ms_offered"] > 0
    assert report["config"]["rtt_ms"] == 50  # webhook mode's default
    assert report["machine"]["load_average"]
