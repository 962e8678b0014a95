"""Tune the search's field weights and confidence thresholds on the DEV half only.

Prints the best settings found by a small grid search and their dev figures; it never reads the
test half of ``tests/data/real_questions.yaml``, ``real_questions_fresh.yaml`` or
``real_questions_fresh2.yaml`` (the dev halves of all three are tuned on). The chosen values are
then written into
``bot/search/fts.py`` (:class:`Weights`), ``bot/search/confidence.py`` (:class:`Calibration`)
and ``bot/search/primary.py`` (:class:`Emphasis`) by hand. Run from the project folder::

    python -m benchmarks.search_tune
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Sequence
from dataclasses import replace

from benchmarks.search_quality import FRESH, FRESH2, FRESH5, MAIN, REAL, Report, evaluate, load
from bot.config import Settings
from bot.content.loader import load_content
from bot.search.confidence import Calibration
from bot.search.fts import Weights
from bot.search.index import SearchIndex
from bot.search.primary import Emphasis

FIELD_WEIGHTS = list(itertools.product((3.0, 4.0, 6.0), (4.0, 6.0, 8.0), (0.25, 0.5),
                                       (0.1, 0.25, 0.5), (2, 3), (0.6, 0.8, 1.0)))
CALIBRATIONS = [Calibration(min_score=m, min_coverage=c, core_share=k, named_idf=n)
                for m, c, k, n in itertools.product((1.5, 2.0, 3.0, 5.0), (0.3, 0.4, 0.5, 0.6),
                                                    (0.5, 1.01), (1.5, 2.5, 99.0))]
EMPHASES = [Emphasis(n, o, u) for n, o, u in itertools.product((1.0, 1.25, 1.4, 1.6),
                                                               (1.0, 0.7, 0.5), (1.0, 0.8, 0.6))]


def objective(report: Report) -> float:
    """Right answers count; a confident wrong answer counts against twice; red flags must hold."""
    if report.red_flags_first < report.red_flags:
        return float("-inf")
    return (report.top3 + report.top1 - 2 * report.confident_wrong
            - 2 * report.offtopic_given) / max(report.answerable, 1)


def main(argv: Sequence[str] | None = None) -> int:
    """Grid-search weights, then thresholds, on the dev half (plus the guide-words set)."""
    del argv
    settings = Settings(token="")
    content = load_content(settings.content_dir)
    dev = load(REAL, "dev") + load(FRESH, "dev") + load(FRESH2, "dev") + load(FRESH5, "dev")
    own = load(MAIN)
    words = settings.content_dir / "search.yaml"
    best: tuple[float, Weights, Calibration] | None = None
    base = Calibration()
    for n, k, s, b, a, t in FIELD_WEIGHTS:
        weights = Weights(n, k, s, b, a, t)
        index = SearchIndex.build(content, words, weights, base)
        score = objective(evaluate(index, dev)) + 0.5 * objective(evaluate(index, own))
        if best is None or score > best[0]:
            best = (score, weights, base)
    assert best is not None
    weights = best[1]
    index = SearchIndex.build(content, words, weights, base)
    for calibration in CALIBRATIONS:
        for relative, margin in ((0.5, 1.5), (0.6, 1.6), (0.7, 2.0)):
            tried = replace(calibration, relative=relative, margin=margin)
            index.calibration = tried
            score = objective(evaluate(index, dev)) + 0.5 * objective(evaluate(index, own))
            if score > best[0]:
                best = (score, weights, tried)
    score, weights, calibration = best
    index = SearchIndex.build(content, words, weights, calibration)
    emphasis = index.primaries.emphasis
    for tried_emphasis in EMPHASES:
        index.primaries.emphasis = tried_emphasis
        tried_score = objective(evaluate(index, dev)) + 0.5 * objective(evaluate(index, own))
        if tried_score > score:
            score, emphasis = tried_score, tried_emphasis
    index.primaries.emphasis = emphasis
    print(f"best objective {score:.3f}\n{weights}\n{calibration}\n{emphasis}")
    print(evaluate(index, dev).line("the three dev halves"))
    print(evaluate(index, own).line(MAIN))
    return 0


if __name__ == "__main__":
    sys.exit(main())
