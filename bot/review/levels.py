"""Reading levels the content must meet (issue 18), per section, by :func:`plain_measure`.

Every section page opens with its ``summary`` ("In short"), then its full text (the body):
- "In short": two or three sentences, at most grade 6;
- the full text: at most grade 8 per section, and a median of at most 7.5 over all sections;
- the urgent-help page (``urgent``): at most grade 6, since it is read in a hurry.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass

from bot.content.loader import Content
from bot.content.markdown import MarkdownConverter, visible_text
from bot.review.readability import Readability, plain_measure

SUMMARY_MAX = 6.0
BODY_MAX = 8.0
BODY_MEDIAN_MAX = 7.5
URGENT_ID, URGENT_MAX = "urgent", 6.0
SUMMARY_SENTENCES = (2, 3)
_SENTENCE = re.compile(r"[^.!?]+[.!?]+")


@dataclass(frozen=True)
class Levels:
    """The reading figures of one section: its "In short" and its full text."""

    section_id: str
    summary: Readability
    summary_sentences: int
    body: Readability  # 0 words for a menu node with no text of its own


def measure_sections(content: Content, markdown: MarkdownConverter) -> list[Levels]:
    """Every section's figures, in menu order."""
    return [Levels(s.id, plain_measure(s.summary), len(_SENTENCE.findall(s.summary)),
                   plain_measure(visible_text("\n\n".join(markdown.blocks(s.body)))))
            for s in content.walk()]


def body_median(levels: list[Levels]) -> float:
    """The median grade of the sections that have a full text."""
    grades = [level.body.grade for level in levels if level.body.words]
    return round(statistics.median(grades), 1) if grades else 0.0


def level_problems(levels: list[Levels]) -> list[str]:
    """Every limit broken, one line each naming the section and its grade."""
    problems = []
    low, high = SUMMARY_SENTENCES
    for level in levels:
        name = level.section_id
        if level.summary.grade > SUMMARY_MAX:
            problems.append(f"{name}: 'In short' is grade {level.summary.grade} "
                            f"(max {SUMMARY_MAX})")
        if not low <= level.summary_sentences <= high:
            problems.append(f"{name}: 'In short' has {level.summary_sentences} sentence(s) "
                            f"(want {low} to {high})")
        limit = URGENT_MAX if name == URGENT_ID else BODY_MAX
        if level.body.grade > limit:
            problems.append(f"{name}: full text is grade {level.body.grade} (max {limit})")
    median = body_median(levels)
    if median > BODY_MEDIAN_MAX:
        problems.append(f"full texts: median grade {median} (max {BODY_MEDIAN_MAX})")
    return problems


def level_report(levels: list[Levels]) -> list[str]:
    """One line per section with both grades, then the median, for ``python -m bot check``."""
    width = max(len(level.section_id) for level in levels)
    lines = [f"{'section':<{width}}  in short  full text"]
    for level in levels:
        body = f"{level.body.grade:>9}" if level.body.words else f"{'-':>9}"
        lines.append(f"{level.section_id:<{width}}  {level.summary.grade:>8}  {body}")
    lines.append(f"{'median':<{width}}  {'':>8}  {body_median(levels):>9}")
    return lines
