"""The characters the pictures and the ``/stats`` chart draw, and whether a shipped font has them.

DejaVu Sans (``bot/content/fonts``) draws Latin, Greek and Cyrillic, but no Chinese. Chinese
labels are drawn with a subset of Noto Sans CJK SC (SIL Open Font License 1.1, from Debian's
``fonts-noto-cjk``), cut down by fontTools to the characters the labels use: some 100 KB in the
wheel instead of 20 MB per weight. ``python -m bot fonts`` makes the subset again after a label
changed (it needs ``apt-get install fonts-noto-cjk``); ``python -m bot check`` fails when a label
has a character no shipped font has, which would be drawn as an empty box ("tofu").
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

from bot.content.pictures import FONT_DIR, FONT_FILES
from bot.context import Services
from bot.usage.chart import chart_svg, day_label, section_name
from bot.usage.stats import Report

NOTO_DIR = Path("/usr/share/fonts/opentype/noto")  # Debian: apt-get install fonts-noto-cjk
NOTO_FACE = "Noto Sans CJK SC"
WEIGHTS = ("Regular", "Bold")
SUBSET_NAME = "NotoSansCJKsc-{weight}-subset.otf"
_SVG = "{http://www.w3.org/2000/svg}"
_SPACE = re.compile(r"\s+")


def svg_labels(svg: str) -> str:
    """Every label of an SVG picture: the text of its ``<text>`` elements."""
    root = ET.fromstring(svg)
    return " ".join(_SPACE.sub(" ", "".join(t.itertext())) for t in root.iter(f"{_SVG}text"))


def drawn_text(services: Services) -> dict[str, str]:
    """What each picture and each language's chart may draw, by where it is drawn."""
    out: dict[str, str] = {}
    for bundle in (services, *services.translations.values()):
        for section in bundle.content.walk():
            ref = section.picture
            if ref is not None:
                out[str(ref.file)] = svg_labels(ref.file.read_text(encoding="utf-8"))
        out[f"[{bundle.lang}] /stats chart"] = _chart_text(bundle)
    return out


def _chart_text(bundle: Services) -> str:
    """The chart's wording (rendered for a few periods), every section name and month."""
    sections = tuple((sid, 10) for sid in bundle.content.sections)
    reports = (Report(date(2026, 1, 1), date(2026, 1, 7), total=70, per_day=(10,) * 7,
                      sections=sections),
               Report(date(2026, 1, 1), date(2026, 3, 1), total=60, per_day=(1,) * 60))
    labels = [svg_labels(chart_svg(bundle.renderer, r)) for r in reports]
    labels += [section_name(s.label) for s in bundle.content.sections.values()]
    labels += [day_label(date(2026, month, 28), bundle.lang) for month in range(1, 13)]
    return " ".join(labels)


def _cmap(path: str) -> set[int]:
    font = TTFont(path, lazy=True)
    try:
        return set(font.getBestCmap())
    finally:
        font.close()


def missing(text: str, fonts: tuple[str, ...] = FONT_FILES) -> list[str]:
    """The characters of ``text`` that none of ``fonts`` has (spaces aside)."""
    have: set[int] = set()
    for path in fonts:
        have |= _cmap(path)
    return sorted({c for c in text if not c.isspace() and ord(c) not in have})


def problems(services: Services) -> tuple[list[str], list[str]]:
    """(problems, warnings): a line per picture, or chart, with a character no shipped font has.

    A picture's label drawn as a box fails the check (readers see it); the admins' chart only
    warns, since a deployer's own section names may use characters the subset lacks.
    """
    found: tuple[list[str], list[str]] = ([], [])
    for where, text in drawn_text(services).items():
        lost = missing(text)
        if lost:
            found[where.endswith("/stats chart")].append(
                f"{where}: no shipped font has {''.join(lost[:20])!r}; they would be drawn as "
                "empty boxes (run python -m bot fonts)")
    return found


def make_subsets(services: Services, source_dir: Path = NOTO_DIR,
                 out_dir: Path = FONT_DIR) -> list[Path]:
    """Cut Noto Sans CJK SC down to the characters DejaVu lacks; the files written."""
    dejavu = tuple(p for p in FONT_FILES if "DejaVu" in p)
    wanted = "".join(missing(" ".join(drawn_text(services).values()), dejavu))
    written = []
    for weight in WEIGHTS:
        collection = TTCollection(str(source_dir / f"NotoSansCJK-{weight}.ttc"))
        font = next(f for f in collection.fonts if f["name"].getDebugName(1) == NOTO_FACE)
        options = subset.Options()
        options.name_IDs = ["*"]  # keep the copyright, licence and font names
        options.name_languages = ["*"]
        options.hinting = False  # rendered to PNG by resvg, no hinting needed
        subsetter = subset.Subsetter(options)
        subsetter.populate(text=wanted)
        subsetter.subset(font)
        font.recalcTimestamp = False  # the same labels make the same bytes
        path = out_dir / SUBSET_NAME.format(weight=weight)
        font.save(str(path))
        written.append(path)
    return written
