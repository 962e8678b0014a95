"""The anonymous usage log: handlers enqueue events, one background task writes them to SQLite.

Recording never waits or raises: :meth:`UsageLog.record` appends to a bounded in-memory queue;
the writer drains it in batches, one transaction each. If the database fails (locked, read-only,
disk full, deleted) the bot keeps answering, the writer retries with bounded back-off, and events
that don't fit in the queue are counted as dropped. On shutdown everything queued is written.
Uniques are counted in memory (:mod:`bot.usage.uniques`); only "one more person today" is stored.
What may be stored, and for how long, is in :mod:`bot.usage.sqlite`.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, deque
from collections.abc import Callable
from contextlib import suppress
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path

import aiosqlite

from bot.config import Settings
from bot.usage import sqlite as usagedb
from bot.usage import stats
from bot.usage.batch import Answer, Batch, Event
from bot.usage.buckets import language_bucket
from bot.usage.uniques import DailyUniques

log = logging.getLogger(__name__)
UTC_NOW: Callable[[], datetime] = partial(datetime.now, UTC)
MIN_BACKOFF = 0.05


class UsageLog:
    """The bot's :class:`~bot.usage.recorder.Recorder`: a queue and a writer for one file."""

    def __init__(self, path: Path, *, retention_days: int = 7, queue_size: int = 10_000,
                 batch_size: int = 1000, busy_timeout: float = 1.0, max_backoff: float = 30.0,
                 linger: float = 0.25, shutdown_grace: float = 5.0, report_wait: float = 2.0,
                 clock: Callable[[], datetime] = UTC_NOW) -> None:
        self.path = path
        self.retention_days = min(retention_days, usagedb.MAX_HOURLY_DAYS)  # hours kept
        self.queue_size, self.batch_size = queue_size, batch_size
        self.busy_timeout, self.max_backoff = busy_timeout, max_backoff
        self.linger = linger  # how long the writer lets events gather into one transaction
        self.shutdown_grace, self.clock = shutdown_grace, clock
        self.report_wait = report_wait  # how long /stats waits for queued events to be written
        self.uniques, self.closed = DailyUniques(), False
        self._queue: deque[Event | Answer] = deque()
        self._pending: Batch | None = None  # taken from the queue, not yet written
        self._unsaved_drops: Counter[str] = Counter()  # day -> dropped, not yet in the file
        self._db: aiosqlite.Connection | None = None
        self._file_id: tuple[int, int] | None = None
        self._task: asyncio.Task[None] | None = None
        self._wake, self._idle, self._stopping, self._hurry = (asyncio.Event() for _ in range(4))
        self._lock = asyncio.Lock()  # one transaction or report query at a time
        self._delay, self._failing, self._deadline = MIN_BACKOFF, False, 0.0
        self._rolled_up: date | None = None
        self._hour: tuple[date, int, str] | None = None  # the current hour bucket, formatted

    @classmethod
    def from_settings(cls, settings: Settings) -> UsageLog:
        """The log at ``BOT_DB_PATH`` with ``BOT_RETENTION_DAYS``."""
        return cls(settings.db_path, retention_days=settings.retention_days)

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
        self._queue.append(item)
        self._idle.clear()
        self._wake.set()

    async def start(self) -> None:
        """Open the database and start the writer; an unusable database is logged, not raised."""
        if self._task is not None:
            return
        try:
            await self._open()
        except usagedb.FAULTS as exc:
            self._failing = True
            log.error("usage log unavailable: cannot open %s (%s); the bot answers anyway and "
                      "keeps retrying in the background", self.path, usagedb.describe(exc))
        await self._daily_work()
        self._task = asyncio.create_task(self._run(), name="usage-writer")
        self._task.add_done_callback(_report_crash)

    async def close(self) -> None:
        """Write everything queued (within ``shutdown_grace`` seconds), then close the file."""
        if self.closed:
            return
        if self._task is None and (self._queue or self._unsaved_drops):
            await self.start()
        self.closed = True
        self._deadline = asyncio.get_running_loop().time() + self.shutdown_grace
        self._stopping.set()
        self._hurry.set()
        self._wake.set()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)  # a crash is logged already
        await self._disconnect(truncate_wal=True)  # leave no trail of increments in the WAL

    async def flush(self, timeout: float = 5.0) -> bool:  # noqa: ASYNC109
        """Wait until everything queued so far is written; False if that took too long."""
        if self._task is None:
            return not (self._queue or self._unsaved_drops)
        self._hurry.set()
        self._wake.set()
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True

    @property
    def waiting(self) -> int:
        """Events queued or being written."""
        return len(self._queue) + (self._pending.items if self._pending else 0)

    def write_left_behind(self) -> int:
        """Write what is still queued without the event loop (a second signal stopped it)."""
        batch, self._pending = self._pending or Batch(), None
        while self._queue:
            batch.add(self._queue.popleft())
        batch.dropped, self._unsaved_drops = self._unsaved_drops, Counter()
        if batch.items or batch.dropped:
            usagedb.write_now(self.path, batch, busy_timeout=self.busy_timeout)
        return batch.items

    @property
    def unsaved_drops(self) -> int:
        """Events dropped and not yet counted in the file."""
        return sum(self._unsaved_drops.values())

    async def report(self, days: int) -> stats.Report:
        """Figures for the last ``days`` days (UTC), including what is still in memory."""
        await self.flush(timeout=self.report_wait)
        first, today = stats.period(days, self.clock().date())
        report = None
        if self._db is not None:
            try:
                async with self._lock:
                    report = await stats.collect(self._db, first, today)
            except usagedb.FAULTS as exc:
                log.warning("usage report failed: %s", usagedb.describe(exc))
        report = report or stats.unavailable(first, today)
        return replace(report, dropped=report.dropped + self.unsaved_drops, waiting=self.waiting)

    async def _run(self) -> None:
        while True:
            if not (self._queue or self._pending or self._unsaved_drops):
                self._idle.set()
                self._hurry.clear()
                if self._stopping.is_set():
                    return
                await self._sleep()
                continue
            if self._pending is None:
                await self._linger()
                self._pending = self._take()
            if await self._write(self._pending):
                self._pending = None
            elif self._stopping.is_set() and asyncio.get_running_loop().time() > self._deadline:
                log.error("usage log: %d records (events and feedback answers) could not be "
                          "written to %s before exit",
                          self.waiting + self.unsaved_drops, self.path)
                return
            else:
                await self._back_off()

    def _take(self) -> Batch:
        batch = Batch()
        while self._queue and batch.items < self.batch_size:
            batch.add(self._queue.popleft())
        return batch

    async def _write(self, batch: Batch) -> bool:
        batch.dropped = Counter(self._unsaved_drops)
        try:
            async with self._lock:
                await usagedb.write(await self._connection(), batch)
        except usagedb.FAULTS as exc:
            self._fault(exc)
            if not usagedb.is_busy(exc):  # locked: only wait; anything else: a new start
                await self._disconnect()
            return False
        self._unsaved_drops.subtract(batch.dropped)
        self._unsaved_drops = +self._unsaved_drops
        if self._failing:
            self._failing = False
            log.info("usage log: writing to %s again", self.path)
        self._delay = MIN_BACKOFF
        await self._daily_work()
        return True

    async def _connection(self) -> aiosqlite.Connection:
        if self._db is not None and self._file_id != usagedb.file_id(self.path):
            log.warning("usage log: %s was removed or replaced; starting a new file", self.path)
            await self._disconnect()
        if self._db is None:
            await self._open()
        assert self._db is not None
        return self._db

    async def _open(self) -> None:
        db = await usagedb.connect(self.path, busy_timeout=self.busy_timeout)
        self._db, self._file_id = db, usagedb.file_id(self.path)

    async def _disconnect(self, *, truncate_wal: bool = False) -> None:
        db, self._db = self._db, None
        if db is not None:
            await usagedb.close(db, truncate_wal=truncate_wal)

    async def _daily_work(self) -> None:
        """Rotate the unique-user key at midnight; roll old hours up into days, once a day."""
        today = self.clock().date()
        self.uniques.rotate(today)
        if self._rolled_up == today or self._db is None:
            return
        try:
            async with self._lock:
                removed = await usagedb.roll_up(
                    self._db, today - timedelta(days=self.retention_days))
        except usagedb.FAULTS as exc:
            self._fault(exc)
            return
        self._rolled_up = today
        if removed:
            log.info("usage log: rolled %d hourly rows up into daily totals", removed)

    async def _linger(self) -> None:
        """Let a burst of events gather, so that they share one transaction."""
        if self.linger > 0 and not self._hurry.is_set() and len(self._queue) < self.batch_size:
            with suppress(TimeoutError):
                await asyncio.wait_for(self._hurry.wait(), self.linger)

    async def _sleep(self) -> None:
        """Until an event arrives, the log closes, or the next UTC midnight."""
        self._wake.clear()
        now = self.clock()
        midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC)
        try:
            await asyncio.wait_for(self._wake.wait(), (midnight - now).total_seconds() + 1)
        except TimeoutError:
            await self._daily_work()

    async def _back_off(self) -> None:
        delay, self._delay = self._delay, min(self._delay * 2, self.max_backoff)
        if self._stopping.is_set():
            await asyncio.sleep(min(delay, 0.25))
            return
        with suppress(TimeoutError):  # a stop request cuts the wait short
            await asyncio.wait_for(self._stopping.wait(), delay)

    def _fault(self, exc: BaseException) -> None:
        if not self._failing:
            log.warning("usage log: cannot write to %s (%s); retrying with back-off, events "
                        "that do not fit in the queue are counted as dropped", self.path,
                        usagedb.describe(exc))
        self._failing = True


def _report_crash(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("usage log: the writer stopped; events are no longer written",
                  exc_info=task.exception())
