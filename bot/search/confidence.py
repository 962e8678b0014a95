"""Whether to offer a section at all, and whether one clearly wins: a calibrated confidence.

Three signals, all cheap: the best ``bm25()`` score; how much of the question's weight (its rare
words count most; a word the guide never uses, by how rare it is in English:
:mod:`bot.search.frequency`) the best document covers; and whether the message uses one of the
guide's core words (a word most documents use: liver, cancer, tumour). A message about a phone
battery shares no rare word with the guide and none of its core words; a long forum post about a
father's bowel cancer uses core words and shares rare ones with the right section, even though most
of its words are about him. The thresholds were tuned on the development half of the real questions
(``tests/data/real_questions.yaml``, ``half: dev``, by ``benchmarks/search_tune.py``) against its
off-topic questions, never on the test half.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.search.fts import Ranker, clean


@dataclass(frozen=True)
class Calibration:
    """The thresholds of the confidence rule (tuned on the dev half only)."""

    min_score: float = 1.4  # the best bm25() score must reach this ...
    unnamed_score: float = 1.8  # ... or this, when no word is in its names or keywords
    min_coverage: float = 0.5  # ... and the best document cover this share of the weight,
    core_share: float = 0.5  # ... unless the message uses a word this share of the guide uses
    named_idf: float = 99.0  # ... or matches the best one's names or keywords with rare words
    core_coverage: float = 0.6  # a message with core words this well covered needs no score
    relative: float = 0.35  # further results must score this share of the best
    margin: float = 1.5  # the best is shown first when it beats the second by this factor
    common_top: float = 7.0  # a word the guide never uses weighs this less its Zipf frequency


@dataclass(frozen=True)
class Verdict:
    """What the rule decided: the (row, score) pairs to show, best first."""

    shown: list[tuple[int, float]]
    best_first: bool
    confidence: float


def coverage(ranker: Ranker, stems: Sequence[tuple[str, int]], row: int,
             common_top: float = 0.0) -> float:
    """The share of the query's weight (rarity x sentence weight) that document ``row`` has;
    ``common_top``: see :meth:`Ranker.rarity` (0: every word the guide never uses weighs most)."""
    total = found = 0.0
    have = ranker.stems[row]
    for stem, weight in stems:
        word = clean(stem)
        if not word:
            continue
        rarity = ranker.rarity(word, common_top) * weight
        total += rarity
        found += rarity if word in have else 0.0
    return found / total if total else 0.0


def judge(calibration: Calibration, ranker: Ranker, stems: Sequence[tuple[str, int]],
          ranked: list[tuple[int, float]]) -> Verdict:
    """Apply the rule to the ranking of one message."""
    if not ranked:
        return Verdict([], False, 0.0)
    best_row, best = ranked[0]
    covered = coverage(ranker, stems, best_row, calibration.common_top)
    words = [clean(stem) for stem, _ in stems]
    core = any(ranker.share.get(w, 0.0) >= calibration.core_share for w in words)
    named = sum(ranker.idf.get(w, 0.0) for w in words if w in ranker.named[best_row])
    least = calibration.min_score if named > 0 else calibration.unnamed_score
    enough = (best >= least and (
        covered >= calibration.min_coverage or core or named >= calibration.named_idf)) or (
        core and covered >= calibration.core_coverage)
    if not enough:
        return Verdict([], False, covered)
    shown = [(row, score) for row, score in ranked if score >= calibration.relative * best]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    return Verdict(shown, best >= calibration.margin * second, covered)
