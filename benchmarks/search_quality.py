"""Search quality on the question sets: accuracy, false matches, cannot-answer replies, red flags.

The real questions (``tests/data/real_questions.yaml``) are split by a hash rule into ``dev`` and
``test`` halves, fixed before any tuning. Tuning (``benchmarks/search_tune.py``) reads the dev
half only; the test half is what the issue's thresholds hold (``tests/test_search_eval.py``).
To print every set's figures, as the README quotes them::

    python -m benchmarks.search_quality
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.search.index import SPECIALIST_ID, URGENT_ID, SearchIndex

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
MAIN, HOLDOUT, REAL = "questions.yaml", "questions_holdout.yaml", "real_questions.yaml"
FRESH = "real_questions_fresh.yaml"  # collected 2026-12-02; its dev half tuned on, test half never
FRESH2 = "real_questions_fresh2.yaml"  # collected apart later that day; likewise
FRESH3 = "real_questions_fresh3.yaml"  # 21 more, all test: never tuned on
FRESH5 = "real_questions_fresh5.yaml"  # 75, mostly off-topic or unanswerable; split like REAL
LIMIT = 3  # as the bot shows (bot.handlers.search.MAX_RESULTS)


@dataclass(frozen=True)
class Question:
    """One question and every reference that would be a right answer."""

    text: str
    answers: tuple[str, ...]
    urgent: bool
    kind: str = ""  # real questions: forum, qa, faq or offtopic
    half: str = ""  # real questions: dev or test
    unanswerable: bool = False
    offtopic: bool = False


def load(name: str, half: str = "") -> list[Question]:
    """The questions of one file in tests/data/ (only one half of it, if given)."""
    raw = yaml.safe_load((DATA / name).read_text(encoding="utf-8"))["questions"]
    out = [Question(q["q"], tuple(q["a"]), bool(q.get("urgent")), q.get("kind", ""),
                    q.get("half", ""), bool(q.get("unanswerable")), bool(q.get("offtopic")))
           for q in raw]
    return [q for q in out if not half or q.half == half]


@dataclass
class Report:
    """Counts from one run over a question set."""

    answerable: int = 0
    top1: int = 0
    top3: int = 0
    unanswerable: int = 0  # no right section (a: [] and not off-topic)
    confident_wrong: int = 0  # ... offered a section as the answer
    cannot_replies: int = 0  # ... given the "your care team can answer that" reply
    offtopic: int = 0
    offtopic_given: int = 0  # off-topic questions offered a section as the answer
    red_flags: int = 0
    red_flags_first: int = 0
    calm: int = 0  # questions not marked urgent
    false_alarms: int = 0  # ... given the urgent advice anyway

    def line(self, name: str) -> str:
        """The figures as the README quotes them."""
        parts = [f"{name}: top-1 {_share(self.top1, self.answerable)}",
                 f"top-3 {_share(self.top3, self.answerable)}",
                 f"unanswerable given a confident section "
                 f"{_share(self.confident_wrong, self.unanswerable)} (care-team reply "
                 f"{self.cannot_replies})"]
        if self.offtopic:
            parts.append(f"off-topic given a section {_share(self.offtopic_given, self.offtopic)}")
        parts.append(f"red flags with urgent advice first {self.red_flags_first}/{self.red_flags}")
        parts.append(f"false alarms {_share(self.false_alarms, self.calm)}")
        return ", ".join(parts)


def _share(part: int, whole: int) -> str:
    return f"{part}/{whole} = {part / whole:.1%}" if whole else f"{part}/0"


def evaluate(index: SearchIndex, questions: Sequence[Question]) -> Report:
    """Ask every question as the bot would and count what its reply would show."""
    report = Report()
    for question in questions:
        answer = index.answer(question.text, LIMIT)
        shown = [m.ref for m in answer.matches]
        if question.urgent:
            report.red_flags += 1
            report.red_flags_first += answer.urgent and shown[0] == URGENT_ID
        else:
            report.calm += 1
            report.false_alarms += answer.urgent
        if question.answers and not question.unanswerable:
            report.answerable += 1
            report.top1 += bool(shown) and shown[0] in question.answers
            report.top3 += any(ref in question.answers for ref in shown[:LIMIT])
        elif question.offtopic:
            report.offtopic += 1
            report.offtopic_given += answer.confident
        else:
            report.unanswerable += 1
            report.confident_wrong += answer.confident and not any(
                ref in question.answers for ref in shown if ref not in (URGENT_ID, SPECIALIST_ID))
            report.cannot_replies += answer.cannot_answer
    return report


def reports(index: SearchIndex) -> list[tuple[str, Report]]:
    """Every set's figures: the real questions' halves first."""
    return [(f"{FRESH5} test half (never tuned on)", evaluate(index, load(FRESH5, "test"))),
            (f"{FRESH5} dev half (tuned on)", evaluate(index, load(FRESH5, "dev"))),
            (f"{FRESH3} (all test, never tuned on)", evaluate(index, load(FRESH3))),
            (f"{FRESH2} test half (never tuned on)", evaluate(index, load(FRESH2, "test"))),
            (f"{FRESH2} dev half (tuned on)", evaluate(index, load(FRESH2, "dev"))),
            (f"{FRESH} test half (never tuned on)", evaluate(index, load(FRESH, "test"))),
            (f"{FRESH} dev half (tuned on)", evaluate(index, load(FRESH, "dev"))),
            (f"{REAL} test half (never tuned on)", evaluate(index, load(REAL, "test"))),
            (f"{REAL} dev half (tuned on)", evaluate(index, load(REAL, "dev"))),
            (f"{MAIN} (tuned on, written in the guide's words)", evaluate(index, load(MAIN))),
            (f"{HOLDOUT} (written after the first tuning; not tuned on)",
             evaluate(index, load(HOLDOUT)))]


def main(argv: Sequence[str] | None = None) -> int:
    """Print every set's figures."""
    from bot.app import build_services
    from bot.config import Settings

    del argv
    index = build_services(Settings(token="")).search
    for name, report in reports(index):
        print(report.line(name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
