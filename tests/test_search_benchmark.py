"""A tiny smoke run of benchmarks/search_latency.py: it runs and prints its table (no timings)."""

from __future__ import annotations

import pytest

from benchmarks.search_latency import QUESTIONS, load_questions, main, percentile


def test_benchmark_runs_and_reports_median_and_p99(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--rounds", "1", "--limit", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "3 questions x 1 rounds" in lines[0]
    assert lines[1].split() == ["median", "µs", "p99", "µs", "median", "/", "baseline"]
    assert lines[-1].startswith("peak RSS ")
    assert lines[-1].endswith(" MB")
    rows = {line[:26].strip(): line[26:].split() for line in lines[2:-1]}
    assert set(rows) - {"baseline (lower + dict)", "search (answer)", "search + render reply",
                        "worst case, 4096 chars"} == {next(r for r in rows if "longest" in r)}
    for values in rows.values():
        median, p99, ratio = (float(v) for v in values)
        assert 0 <= median <= p99
        assert ratio >= 0


def test_benchmark_uses_every_evaluation_question() -> None:
    names = {path.name for path in QUESTIONS}
    assert names == {"questions.yaml", "questions_holdout.yaml", "real_questions.yaml",
                     "real_questions_fresh.yaml", "real_questions_fresh2.yaml",
                     "real_questions_fresh3.yaml", "real_questions_fresh5.yaml"}
    assert len(load_questions(QUESTIONS)) > 600


def test_percentile_is_nearest_rank() -> None:
    samples = [float(n) for n in range(1, 101)]
    assert percentile(samples, 0.99) == 99.0
    assert percentile(samples, 0.5) == 50.0
    assert percentile([7.0], 0.99) == 7.0
