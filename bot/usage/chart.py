"""The ``/stats`` chart: interactions per day and the most-read sections, as a small PNG.

The geometry is worked out here and drawn by ``templates/stats_chart.svg.j2``; the SVG is
rendered with the same renderer as the content's pictures. The small-count rule is the text's:
every number drawn is :func:`bot.usage.stats.shown` of the count, and a bar is drawn as tall as
the number it is labelled with (rounded to 5), so a count of 0 to 4 looks exactly like 5 ("<5"),
and, as in the text, no section read fewer than 5 times is named.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from babel import Locale
from babel.dates import format_skeleton

from bot.content.pictures import render_svg
from bot.content.render import Renderer
from bot.usage.stats import Report, days_per_block, listed, shown

WIDTH, HEIGHT = 1000, 760
TOP_SECTIONS = 8
_DAYS_BOX = (70, 130, 900, 260)  # x, y, width, height of the per-day bars
_SECTIONS_BOX = (330, 470, 580, 240)  # the most-read bars (names to their left)
_LABELLED_BARS = 16  # up to this many day bars, each carries its number


@dataclass(frozen=True)
class Bar:
    """One bar: where it is drawn and the (suppressed) number it shows."""

    x: float
    y: float
    width: float
    height: float
    label: str  # as the text would show it: "<5" for 1 to 4
    name: str = ""  # the day(s) or the section it stands for


def drawn(n: int) -> tuple[int, str]:
    """The value a bar is drawn at and its label, both from the text's rule (``shown``)."""
    label = shown(n)
    return int(re.sub(r"\D", "", label) or 0), label


def day_label(day: date, lang: str = "en") -> str:
    """A day as the chart names it: "01 Dec" in English, "1 дек." and "12月1日" (CLDR's)."""
    if lang == "en":
        return day.strftime("%d %b")
    return format_skeleton("MMMd", day, locale=Locale.parse(lang, sep="-"))


def day_bars(report: Report, lang: str = "en") -> list[Bar]:
    """A bar per day, or per few days for long periods (as the text's sparkline)."""
    step = days_per_block(report.days)
    sums = [sum(report.per_day[i:i + step]) for i in range(0, len(report.per_day), step)]
    dates = report.dates[::step]
    x0, y0, width, height = _DAYS_BOX
    values = [drawn(n) for n in sums]
    top = max((v for v, _ in values), default=0) or 1
    slot = width / max(len(values), 1)
    return [Bar(x0 + i * slot + slot * 0.1, y0 + height - height * v / top, slot * 0.8,
                height * v / top, label, day_label(dates[i], lang))
            for i, (v, label) in enumerate(values)]


def section_bars(report: Report, names: dict[str, str]) -> list[Bar]:
    """A bar per most-read section, longest first."""
    x0, y0, width, height = _SECTIONS_BOX
    ranked = listed(report.sections)[:TOP_SECTIONS]  # a named "<5" would single people out
    values = [drawn(n) for _, n in ranked]
    top = max((v for v, _ in values), default=0) or 1
    slot = height / TOP_SECTIONS
    return [Bar(x0, y0 + i * slot + slot * 0.15, width * v / top, slot * 0.7, label,
                names.get(section_id, section_id))
            for i, ((section_id, _), (v, label)) in enumerate(zip(ranked, values, strict=True))]


def section_name(label: str) -> str:
    """A section's button label without a leading emoji: the chart's fonts may not have it."""
    return re.sub(r"^[^\w(]+", "", label)


def chart_svg(renderer: Renderer, report: Report) -> str:
    """The chart as SVG markup (``templates/stats_chart.svg.j2``)."""
    names = {s.id: section_name(s.label) for s in renderer.content.sections.values()}
    days = day_bars(report, renderer.lang)
    return renderer.env.get_template("stats_chart.svg.j2").render(
        report=report, width=WIDTH, height=HEIGHT, days=days, days_box=_DAYS_BOX,
        label_days=len(days) <= _LABELLED_BARS, per_block=days_per_block(report.days),
        sections=section_bars(report, names), sections_box=_SECTIONS_BOX,
        total=shown(report.total))


def chart_png(renderer: Renderer, report: Report) -> bytes:
    """The chart as a PNG, ``WIDTH`` pixels wide."""
    return render_svg(chart_svg(renderer, report), WIDTH)
