"""Translated pictures checked against English: the same shapes, labels in the language.

A translated picture, ``content/<lang>/images/<name>.svg``, must have the same elements as the
English one in the same order, with the same attributes: only the words of its labels may
differ, a label's ``font-size`` (a longer word may need a smaller size) and the picture's
``font-family`` (Chinese names its font first, so that bold labels are bold). Each label with
letters must be mostly in the language's script. A translated page's picture caption has the same
numbers as the English caption and is not left in English.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from bot.context import Services
from bot.review.parity import KEEP_LATIN, leftover_english, numbers

_SVG = "{http://www.w3.org/2000/svg}"
SCRIPT_SHARE = 0.5  # of a label's letters, at least this share in the language's script
_MAY_DIFFER = {f"{_SVG}text": {"font-size"}, f"{_SVG}svg": {"font-family"}}


def _shape(element: ET.Element) -> tuple[str, dict[str, str]]:
    loose = _MAY_DIFFER.get(element.tag, set())
    return element.tag, {k: v for k, v in element.attrib.items() if k not in loose}


def svg_problems(english: Path, translated: Path, script: re.Pattern[str]) -> list[str]:
    """What differs between a translated SVG and its English original (empty when fine)."""
    where = f"{translated.parent.parent.name}/images/{translated.name}"
    if not english.is_file():
        return [f"{where}: no English picture has this name"]
    try:
        mine = ET.fromstring(translated.read_text(encoding="utf-8"))
        theirs = ET.fromstring(english.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ET.ParseError) as exc:
        return [f"{where}: cannot be read ({exc})"]
    problems = []
    ours, source = list(mine.iter()), list(theirs.iter())
    if len(ours) != len(source):
        problems.append(f"{where}: {len(ours)} elements, English has {len(source)}")
    for number, (a, b) in enumerate(zip(source, ours, strict=False)):
        if _shape(a) != _shape(b):
            problems.append(f"{where}: element {number} ({b.tag.removeprefix(_SVG)}) differs "
                            "from English (only the labels' words and sizes may)")
            break
    for text in mine.iter(f"{_SVG}text"):
        label = "".join(text.itertext())
        for word in KEEP_LATIN:
            label = label.replace(word, " ")
        found = [c for c in label if c.isalpha()]
        if found and sum(1 for c in found if script.match(c)) < SCRIPT_SHARE * len(found):
            problems.append(f"{where}: label {' '.join(label.split())!r} is not in the "
                            "language's script")
    return problems


def compare(english: Services, translated: Services) -> tuple[list[str], list[str]]:
    """(problems, warnings) of one language's pictures and captions."""
    lang = translated.lang
    assert english.languages is not None
    script = english.languages.known[lang].letters
    problems: list[str] = []
    warnings: list[str] = []
    folder = english.settings.content_dir.parent / lang / "images"
    source_dir = english.settings.content_dir / "images"
    for path in sorted(folder.glob("*.svg")):
        problems += svg_problems(source_dir / path.name, path, script)
    for sid, page in translated.content.sections.items():
        ref, source = page.picture, english.content.sections[sid].picture
        if ref is None or source is None:
            continue
        where = f"{lang}/{sid}.md"
        if ref.english_caption:
            warnings.append(f"{where}: the picture's caption is not translated (the English is "
                            "shown, and says so)")
        elif numbers(ref.caption) != numbers(source.caption):
            problems.append(f"{where}: the picture caption's numbers differ from English")
        if ref.english_labels:
            warnings.append(f"{where}: {source.file.name} has no {lang} labels (the English "
                            "picture is shown, and the caption says so)")
        if not ref.english_caption and leftover_english(ref.caption):
            problems.append(f"{where}: the picture's caption is left in English")
    return problems, warnings
