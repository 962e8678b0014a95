"""The producer side of the usage log: handlers queue events without waiting or raising.

Unique users are counted in memory (:mod:`bot.usage.uniques`); only "one more person today" is
queued. The writer that drains the queue is :class:`bot.usage.log.UsageLog`.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, deque
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import partial

from bot.usage.batch import Answer, Event
from bot.usage.buckets import language_bucket
from bot.usage.shareduniques import SharedUniques
from bot.usage.uniques import DailyUniques

log = logging.getLogger(__name__)
UTC_NOW: Callable[[], datetime] = partial(datetime.now, UTC)


class EventQueue:
    """A bounded in-memory queue of usage events; what does not fit is counted as dropped."""

    def __init__(self, *, queue_size: int, clock: Callable[[], datetime]) -> None:
        self.queue_size = queue_size
        self.clock = clock
        self.uniques: DailyUniques | SharedUniques = DailyUniques()
        self.closed = False
        self.queued = 0  # queue items ever queued
        self._queue: deque[Event | Answer] = deque()
        self._unsaved_drops: Counter[str] = Counter()  # day -> dropped, not yet in the file
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._hour: tuple[date, int, str] | None = None  # the current hour bucket, formatted

    @property
    def unsaved_drops(self) -> int:
        """Events dropped and not yet counted in the database."""
        return sum(self._unsaved_drops.values())

    def record(self, kind: str, section: str | None, *, chat_type: str, language: str,
               user_id: int | None) -> None:
        """Queue one event (language folded into its bucket); the user id only counts uniques."""
        try:
            now = self.clock()
            if self._full(now):
                return
            new_user = user_id is not None and self.uniques.is_new(user_id, now.date())
            self._put(Event(self._hour_of(now), kind, section or "", chat_type,
                            language_bucket(language), new_user))
        except Exception:  # recording must never break an answer
            log.exception("usage event not recorded")

    def answer(self, section: str, helpful: bool) -> None:
        """Queue one 👍 (``helpful``) or 👎 for a section."""
        try:
            if not self._full(self.clock()):
                self._put(Answer(section, helpful))
        except Exception:
            log.exception("feedback answer not recorded")

    def _hour_of(self, now: datetime) -> str:
        """The hour bucket, formatted once an hour rather than once an event."""
        if self._hour is None or self._hour[:2] != (now.date(), now.hour):
            self._hour = (now.date(), now.hour, now.strftime("%Y-%m-%d %H:00"))
        return self._hour[2]

    def _full(self, now: datetime) -> bool:
        if self.closed or len(self._queue) >= self.queue_size:
            self._unsaved_drops[now.date().isoformat()] += 1
            self._idle.clear()
            return True
        return False

    def _put(self, item: Event | Answer) -> None:
        self.queued += 1
        self._queue.append(item)
        self._idle.clear()
        self._wake.set()
