"""Word counts and reading-level estimates of messages, for the content preview.

The scores come from ``textstat``: Flesch reading ease (0-100, higher is easier; plain English
is about 60-70) and the Flesch-Kincaid grade (US school year). They are measured on the text as
the reader sees it: tags removed, and every line (a heading, a list item) taken as a sentence,
since a reader takes it as one even without a full stop.
"""

from __future__ import annotations

from dataclasses import dataclass

import textstat

_SENTENCE_ENDS = (".", "!", "?", ":", ";", "…")


@dataclass(frozen=True)
class Readability:
    """How long and how hard a text is."""

    words: int
    ease: float  # Flesch reading ease
    grade: float  # Flesch-Kincaid grade


def measure(text: str) -> Readability:
    """Words, reading ease and grade of plain ``text``; an empty text scores 0 words."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    prose = " ".join(line if line.endswith(_SENTENCE_ENDS) else f"{line}." for line in lines)
    words = textstat.lexicon_count(prose)
    if not words:
        return Readability(0, 0.0, 0.0)
    return Readability(words, round(textstat.flesch_reading_ease(prose), 1),
                       round(textstat.flesch_kincaid_grade(prose), 1))
