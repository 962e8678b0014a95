"""Translations checked against English: same numbers, same notes, nothing left in English.

Problems make ``python -m bot check`` fail; a page whose English changed since it was translated
is a warning only (the English is being rewritten while translations catch up), and the page
itself says so to the reader.
"""

from __future__ import annotations

import re
from collections import Counter

from bot.content.loader import Content, Section

# The one certain error of the source (content-notes E1): the AFP test, mistranslated as this
# drug. No translation may name it (English names it only in /about's list of corrections and
# as a glossary alias of AFP, see tests/test_content.py).
FORBIDDEN = ("methotrexate", "метотрексат", "甲氨蝶呤")
KEEP_LATIN = ("AFP", "CT", "MRI", "CEA", "HER2", "PET", "HCC")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_COMMAND = re.compile(r"/[a-z0-9_]+(?:@\w+)?")
_LINK = re.compile(r"\]\([^)]*\)|https?://\S+")
_LATIN = re.compile(r"[A-Za-z]")
_URL = re.compile(r"\]\(([^)\s]*)\)")
LATIN_SHARE = 0.5  # a translated paragraph with more Latin letters than this is English


def numbers(text: str) -> Counter[str]:
    """The numbers written in ``text`` (links and commands left out), with how often."""
    text = _COMMAND.sub(" ", _LINK.sub(" ", text))
    return Counter(n.replace(",", ".") for n in _NUMBER.findall(text))


def _text(section: Section) -> str:
    return "\n".join((section.title, section.button, section.summary, *section.notes,
                      section.body))


def forbidden_words(content: Content) -> list[str]:
    """Sections or terms that name the drug the source mistook for AFP (any language)."""
    found = []
    for section in content.sections.values():
        if any(word in _text(section).casefold() for word in FORBIDDEN):
            found.append(f"{section.id}: names methotrexate (the source's error E1: it is AFP)")
    for term in content.terms.values():
        text = f"{term.term} {term.definition} {' '.join(term.aliases)}".casefold()
        if any(word in text for word in FORBIDDEN):
            found.append(f"glossary {term.key}: names methotrexate (E1: it is AFP)")
    diagnosis = content.sections.get("diagnosis")
    if diagnosis is not None and "AFP" not in diagnosis.body:
        found.append("diagnosis: must name the AFP blood test (E1)")
    return found


def leftover_english(text: str) -> bool:
    """Whether a translated paragraph is mostly Latin letters (AFP, commands, links aside)."""
    text = _COMMAND.sub(" ", _LINK.sub(" ", text))
    for word in KEEP_LATIN:
        text = text.replace(word, " ")
    letters = [c for c in text if c.isalpha()]
    latin = sum(1 for c in letters if _LATIN.match(c))
    return bool(letters) and latin > LATIN_SHARE * len(letters)


def compare(english: Content, translated: Content, lang: str) -> tuple[list[str], list[str]]:
    """(problems, warnings) of one translation against English."""
    problems: list[str] = []
    warnings: list[str] = []
    for sid, source in english.sections.items():
        page = translated.sections[sid]
        where = f"{lang}/{sid}.md"
        if page.translation is not None and page.translation.missing:
            warnings.append(f"{where}: not translated yet (the English page is shown, and says "
                            "so)")
            continue
        if len(page.notes) != len(source.notes):
            problems.append(f"{where}: {len(page.notes)} notes, English has "
                            f"{len(source.notes)} (same notes, same order)")
        want, have = numbers(_text(source)), numbers(_text(page))
        if want != have:
            missing = sorted((want - have).elements())
            extra = sorted((have - want).elements())
            problems.append(f"{where}: numbers differ from English (missing {missing}, "
                            f"extra {extra})")
        links = sorted(_URL.findall(_text(source)))
        if sorted(_URL.findall(_text(page))) != links:
            problems.append(f"{where}: links differ from English (the same links, same URLs)")
        paragraphs = [p for p in (page.title, page.summary, *page.notes,
                                  *page.body.split("\n\n")) if p.strip()]
        for paragraph in paragraphs:
            if leftover_english(paragraph):
                problems.append(f"{where}: left in English: {paragraph[:60]!r}")
        record = page.translation
        if record is not None and record.stale:
            warnings.append(f"{where}: the English has changed since this translation "
                            f"(from_hash {record.from_hash}, now {record.expected_hash})")
    for key, source_term in english.terms.items():
        term = translated.terms[key]
        want = numbers(f"{source_term.term} {source_term.definition}")
        if want != numbers(f"{term.term} {term.definition}"):
            problems.append(f"{lang}/glossary.yaml {key}: numbers differ from English")
        if leftover_english(term.definition):
            problems.append(f"{lang}/glossary.yaml {key}: definition left in English")
    record = translated.glossary_translation
    if record is not None and record.stale:
        warnings.append(f"{lang}/glossary.yaml: the English has changed since this translation "
                        f"(from_hash {record.from_hash}, now {record.expected_hash})")
    problems += [f"{lang}: {p}" for p in forbidden_words(translated)]
    return problems, warnings
