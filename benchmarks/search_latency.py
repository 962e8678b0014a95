"""Search latency per question: median and p99 over the evaluation questions, against a baseline.

Run from the project folder::

    python -m benchmarks.search_latency            # 30 rounds over every question
    python -m benchmarks.search_latency --rounds 3

Each round times, for every question of ``tests/data/*questions*.yaml`` (the real questions,
many of them long forum posts, included): the search alone
(``SearchIndex.answer``, as the bot calls it), the search plus rendering the reply, and a trivial
baseline (``str.lower()`` and a dict lookup) measured in the same loop. The machine is shared and
noisy, so compare the ratios between runs rather than the microseconds. The worst case, a
4096-character message of words the guide does not know, is timed too, and so is a long real
forum post. The last line gives the process's peak RSS (index, content, templates, Python).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import yaml

from bot.app import build_services
from bot.config import Settings

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = sorted((ROOT / "tests" / "data").glob("*questions*.yaml"))
LIMIT = 3


def load_questions(paths: Sequence[Path]) -> list[str]:
    """Every question text in ``paths``."""
    out: list[str] = []
    for path in paths:
        out += [q["q"] for q in yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]]
    return out


def percentile(samples: list[float], share: float) -> float:
    """The ``share`` quantile (0..1) of ``samples`` (nearest rank)."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def time_each(call: Callable[[str], object], questions: list[str], rounds: int) -> list[float]:
    """Microseconds per call, one sample per question per round."""
    samples = []
    for _ in range(rounds):
        for question in questions:
            start = time.perf_counter_ns()
            call(question)
            samples.append((time.perf_counter_ns() - start) / 1000)
    return samples


def main(argv: Sequence[str] | None = None) -> int:
    """Print build time, then median and p99 per question for each measured path."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.search_latency")
    parser.add_argument("--rounds", type=int, default=30, help="passes over the questions")
    parser.add_argument("--limit", type=int, default=0, help="use only the first N questions")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    services = build_services(Settings(token=""))
    build_ms = (time.perf_counter() - started) * 1000
    index, views = services.search, services.search_views
    questions = load_questions(QUESTIONS)
    if args.limit:
        questions = questions[:args.limit]
    lookup = {q.lower(): q for q in questions}
    worst = " ".join(f"qx{n}zv" for n in range(700))[:4096]
    longest = max(load_questions(QUESTIONS), key=len)

    rows = {
        "baseline (lower + dict)": time_each(lambda q: lookup.get(q.lower()), questions,
                                             args.rounds),
        "search (answer)": time_each(lambda q: index.answer(q, LIMIT), questions, args.rounds),
        "search + render reply": time_each(lambda q: views.answer(index.answer(q, LIMIT)),
                                           questions, args.rounds),
        "worst case, 4096 chars": time_each(lambda q: index.answer(q, LIMIT), [worst],
                                            max(1, args.rounds // 10)),
        f"longest post, {len(longest)} chars": time_each(lambda q: index.answer(q, LIMIT),
                                                       [longest], max(1, args.rounds // 10)),
    }
    base = statistics.median(rows["baseline (lower + dict)"])
    print(f"services built in {build_ms:.0f} ms (index, views, templates); "
          f"{len(questions)} questions x {args.rounds} rounds")
    print(f"{'':26}{'median µs':>12}{'p99 µs':>12}{'median / baseline':>20}")
    for name, samples in rows.items():
        median = statistics.median(samples)
        print(f"{name:26}{median:12.1f}{percentile(samples, 0.99):12.1f}"
              f"{median / base:20.0f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"peak RSS {peak:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
