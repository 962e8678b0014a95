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
