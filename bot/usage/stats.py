"""Usage figures for a period: the queries behind ``/stats`` and ``python -m bot stats``.

Every count is shown rounded to the nearest multiple of :data:`SMALL` and anything below it as
``<5`` (chat, terminal, CSV, sparkline), so that no figure singles anyone out, and neither does
subtracting one period's figure from another's (``/stats 8`` minus ``/stats 7`` leaves a
difference of 0 or 5, never the 1 to 4 people of one day). A breakdown names only entries from
:data:`SMALL` up: a named "<5" would itself say that someone read that section. A helpful-rate is
shown only from five answers up, rounded to 10 %.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import aiosqlite

from bot.content.markdown import visible_text
from bot.content.render import Renderer

SMALL = 5
BLOCKS = "▁▂▃▄▅▆▇█"
SPARK_WIDTH = 31  # blocks that fit on a phone's line in monospace
NOT_READING = frozenset({"feedback", "unknown"})  # kinds that don't count as reading a section

Counts = tuple[tuple[str, int], ...]

EVENTS_SQL = """
    SELECT substr(hour, 1, 10), kind, section, chat_type, sum(n) FROM events
    WHERE hour >= ? AND hour < ? GROUP BY 1, 2, 3, 4
    UNION ALL
    SELECT day, kind, section, chat_type, n FROM daily WHERE day >= ? AND day < ?"""
LANGUAGES_SQL = "SELECT language, sum(n) FROM languages WHERE day >= ? AND day < ? GROUP BY 1"


class StatsError(Exception):
    """The database file cannot be read (one line for the operator)."""


@dataclass(frozen=True)
class Report:
    """Everything ``/stats`` shows for the days ``first`` to ``last`` (UTC, inclusive)."""

    first: date
    last: date
    total: int = 0
    per_day: tuple[int, ...] = ()  # interactions each day, first to last
    people: tuple[int, ...] = ()  # different people each day
    sections: Counts = ()  # most read first
    kinds: Counts = ()
    chat_types: Counts = ()
    languages: Counts = ()
    feedback: tuple[tuple[str, int, int], ...] = ()  # section, 👍, 👎 (all time), most first
    dropped: int = 0
    waiting: int = 0  # queued in memory, not yet written
    available: bool = True

    @property
    def days(self) -> int:
        """Length of the period in days."""
        return (self.last - self.first).days + 1

    @property
    def dates(self) -> list[date]:
        """Each day of the period."""
        return [self.first + timedelta(days=i) for i in range(self.days)]


def period(days: int, today: date) -> tuple[date, date]:
    """The first and last day of the ``days`` days that end ``today``."""
    return today - timedelta(days=days - 1), today


def unavailable(first: date, last: date) -> Report:
    """The report when the database cannot be read: only what is in memory."""
    return Report(first, last, per_day=(0,) * ((last - first).days + 1), available=False)


async def collect(db: aiosqlite.Connection, first: date, last: date) -> Report:
    """Read the figures for ``first``..``last`` from hourly counts and daily roll-ups."""
    start, end = first.isoformat(), (last + timedelta(days=1)).isoformat()
    async with db.execute(EVENTS_SQL, (start, end, start, end)) as cursor:
        events = [tuple(row) async for row in cursor]
    async with db.execute(LANGUAGES_SQL, (start, end)) as cursor:
        languages = {language: n async for language, n in cursor}
    async with db.execute("SELECT day, n FROM daily_users WHERE day >= ? AND day < ?",
                          (start, end)) as cursor:
        people = {day: n async for day, n in cursor}
    async with db.execute("SELECT coalesce(sum(n), 0) FROM dropped WHERE day >= ? AND day < ?",
                          (start, end)) as cursor:
        row = await cursor.fetchone()
    async with db.execute("SELECT section, helpful, not_helpful FROM feedback "
                          "ORDER BY helpful + not_helpful DESC, section") as cursor:
        feedback = tuple([(s, y, n) async for s, y, n in cursor])
    return build(first, last, events, languages, people, int(row[0]) if row else 0, feedback)


def build(first: date, last: date, events: list[tuple[Any, ...]], languages: dict[str, int],
          people: dict[str, int], dropped: int,
          feedback: tuple[tuple[str, int, int], ...]) -> Report:
    """The report from the rows any store gives: (day, kind, section, chat type, n) events,
    languages and people per day, events dropped, and (section, 👍, 👎) answers."""
    per_day: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    sections: Counter[str] = Counter()
    chat_types: Counter[str] = Counter()
    for day, kind, section, chat_type, n in events:
        per_day[day] += n
        kinds[kind] += n
        chat_types[chat_type] += n
        if section and kind not in NOT_READING:
            sections[section] += n
    report = Report(first, last)
    days = [d.isoformat() for d in report.dates]
    return Report(
        first, last, total=sum(per_day.values()),
        per_day=tuple(per_day[d] for d in days), people=tuple(people.get(d, 0) for d in days),
        sections=_ranked(sections), kinds=_ranked(kinds), chat_types=_ranked(chat_types),
        languages=_ranked(Counter(languages)), feedback=feedback, dropped=dropped)


def read_file(path: Path, days: int) -> Report:
    """The report for the last ``days`` days straight from the file, opened read-only."""
    if not path.is_file():
        raise StatsError(f"no usage database at {path} (BOT_DB_PATH); the bot creates it when "
                         "it first runs")
    try:
        return asyncio.run(_read(f"{path.resolve().as_uri()}?mode=ro", days))
    except sqlite3.Error as exc:
        raise StatsError(f"cannot read {path}: {exc}") from exc


async def _read(uri: str, days: int) -> Report:
    async with aiosqlite.connect(uri, uri=True) as db:
        return await collect(db, *period(days, datetime.now(UTC).date()))


def _ranked(counts: Counter[str]) -> Counts:
    return tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def rounded(n: int) -> int:
    """``n`` to the nearest multiple of :data:`SMALL` (halves up); 0 below :data:`SMALL`."""
    return 0 if n < SMALL else SMALL * ((n + SMALL // 2) // SMALL)


def shown(n: int) -> str:
    """A count as it may be shown: ``<5`` below 5 (none included), else rounded to 5."""
    return f"<{SMALL}" if n < SMALL else str(rounded(n))


def listed(counts: Counts) -> Counts:
    """The entries of a breakdown that may be named: those from :data:`SMALL` up."""
    return tuple((key, n) for key, n in counts if n >= SMALL)


def percent(part: int, whole: int) -> int:
    """``part`` of ``whole`` in percent, to the nearest 10."""
    return 10 * ((100 * part + 5 * whole) // (10 * whole)) if whole else 0


def days_per_block(days: int) -> int:
    """How many days one sparkline block stands for, so the line fits a phone."""
    return -(-days // SPARK_WIDTH)


def sparkline(values: tuple[int, ...]) -> str:
    """Unicode blocks, one per day (or per few days); ▁ means fewer than 5, from rounded sums."""
    step = days_per_block(len(values))
    sums = [rounded(sum(values[i:i + step])) for i in range(0, len(values), step)]
    top = max(sums, default=0)
    if top == 0:
        return BLOCKS[0] * len(sums)
    return "".join(BLOCKS[-(-v * (len(BLOCKS) - 1) // top)] for v in sums)


def render(renderer: Renderer, report: Report) -> str:
    """The report as one Telegram-HTML message (``templates/stats.html.j2``)."""
    people = report.people
    report = replace(report, sections=listed(report.sections), kinds=listed(report.kinds),
                     chat_types=listed(report.chat_types), languages=listed(report.languages),
                     feedback=tuple(f for f in report.feedback if f[1] + f[2] >= SMALL))
    return renderer.render(
        "stats", report=report, count=shown, percent=percent, spark=sparkline(report.per_day),
        per_block=days_per_block(report.days), small=SMALL,
        people_avg=round(sum(people) / len(people)) if people else 0,
        people_max=max(people, default=0))


def csv_rows(report: Report) -> list[tuple[str, str, str]]:
    """The same figures as rows of (metric, key, value), small counts suppressed."""
    rows = [("period", f"{report.first}..{report.last}", str(report.days)),
            ("total", "", shown(report.total))]
    rows += [("day", d.isoformat(), shown(n)) for d, n in zip(report.dates, report.per_day,
                                                              strict=False)]
    rows += [("people", d.isoformat(), shown(n)) for d, n in zip(report.dates, report.people,
                                                                 strict=False)]
    for metric, counts in (("section", report.sections), ("kind", report.kinds),
                           ("chat_type", report.chat_types), ("language", report.languages)):
        rows += [(metric, key, shown(n)) for key, n in listed(counts)]
    for section, yes, no in (f for f in report.feedback if f[1] + f[2] >= SMALL):
        rows += [("helpful", section, shown(yes)), ("not_helpful", section, shown(no))]
    rows += [("dropped", "", str(report.dropped)), ("waiting", "", str(report.waiting))]
    return rows


def plain_text(html: str) -> str:
    """Telegram HTML as the text a reader sees (for the terminal)."""
    return visible_text(html)
