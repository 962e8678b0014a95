"""Smoke run of the load benchmark (a handful of updates), so it keeps working.

Only that it runs and reports honestly is checked here; its figures are not judged (speed is
measured by running the benchmark itself, see the README).
"""

from __future__ import annotations

import json
import subprocess
import sys

from tests.botproc import ROOT


def test_load_benchmark_smoke_run_answers_every_update() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "load.py"), "--updates", "20", "--repeat", "1",
         "--json"], capture_output=True, text=True, timeout=240, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert set(result["configurations"]) == {"baseline", "bot"}
    for name, configuration in result["configurations"].items():
        (run,) = configuration["runs"]
        assert run["released"] == 20, name
        assert run["unanswered_expected"] == 0, name
        assert run["answered"] + run["unanswered_silent"] == 20, name
        assert run["out_of_order"] == 0, name
        assert run["unmatched_calls"] == 0, name
        assert not run["cut_off"], name
        for figure in ("updates_per_s", "p50_ms", "p99_ms", "peak_rss_mb", "startup_s"):
            assert run[figure] is not None, (name, figure)
            assert run[figure] > 0, (name, figure)
        assert run["cpu_ms_per_update"] >= 0, name  # CPU is read in 10 ms ticks
    # The bare bot answers every kind of update; the real bot every kind it has a handler for.
    assert result["configurations"]["baseline"]["runs"][0]["answered"] == 20
    assert set(result["ratios"]["bot"]) >= {"updates_per_s", "p99_ms", "peak_rss_mb"}
    assert {t["target"] for t in result["targets"]} >= {"peak RSS <= 80 MB"}
