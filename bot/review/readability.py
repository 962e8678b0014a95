"""Word counts and reading-level estimates of messages, for the content preview and check.

The scores come from ``textstat``: Flesch reading ease (0-100, higher is easier; plain English
is about 60-70) and the Flesch-Kincaid grade (US school year). They are measured on the text as
the reader sees it: tags removed, and every line (a heading, a list item) taken as a sentence,
since a reader takes it as one even without a full stop.

:func:`plain_measure` is the measure the content must meet (``python -m bot check``): the same,
except that a few medical words the reader will hear from their doctors and cannot be said more
simply (:data:`EXCLUDED_TERMS`, listed in the README) count as one short word each.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import textstat

_SENTENCE_ENDS = (".", "!", "?", ":", ";", "…")

# Unavoidable terms: each is explained in plain words where it first appears, and the glossary
# has most of them. Matched as whole words, any case, with an optional plural "s"/"es".
EXCLUDED_TERMS = (
    "chemotherapy", "metastasis", "metastases", "metastatic", "alpha-fetoprotein",
    "colorectal", "neuroendocrine", "hepatocellular", "radiotherapy", "somatostatin",
)
_EXCLUDED = re.compile(
    r"\b(?:" + "|".join(re.escape(t) for t in EXCLUDED_TERMS) + r")(?:e?s)?\b", re.IGNORECASE)
_STAND_IN = "term"  # one syllable, one word: the sentence keeps its length


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


def plain_measure(text: str) -> Readability:
    """:func:`measure` with each of :data:`EXCLUDED_TERMS` counted as one short word."""
    return measure(_EXCLUDED.sub(_STAND_IN, text))
