"""The anonymous usage log: handlers enqueue events, one background task writes them out.

The database is SQLite (:mod:`bot.usage.sqlitestore`) or PostgreSQL (:mod:`bot.usage.postgres`)
behind :class:`bot.usage.store.Store`.

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
from collections import Counter
from collections.abc import Callable
from contextlib import suppress
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.config import Settings
from bot.usage import sqlite as usagedb
from bot.usage import stats
from bot.usage.batch import Batch
from bot.usage.queue import UTC_NOW, EventQueue
from bot.usage.shareduniques import SharedUniques
from bot.usage.sqlitestore import SqliteStore
from bot.usage.store import Store

log = logging.getLogger(__name__)
MIN_BACKOFF = 0.05


class UsageLog(EventQueue):
    """The bot's :class:`~bot.usage.recorder.Recorder`: a queue and a writer for one database."""

    def __init__(self, path: Path | Store, *, retention_days: int = 7, queue_size: int = 10_000,
                 batch_size: int = 1000, busy_timeout: float = 1.0, max_backoff: float = 30.0,
                 linger: float = 0.25, shutdown_grace: float = 5.0, report_wait: float = 2.0,
                 clock: Callable[[], datetime] = UTC_NOW) -> None:
        super().__init__(queue_size=queue_size, clock=clock)
        self.written = 0  # queue items written, for settle()
        self.store: Store = SqliteStore(path, busy_timeout=busy_timeout) if isinstance(
            path, Path) else path
        self.path = self.store.describe()
        self.retention_days = min(retention_days, usagedb.MAX_HOURLY_DAYS)  # hours kept
        self.batch_size = batch_size
        self.max_backoff = max_backoff
        self.linger = linger  # how long the writer lets events gather into one transaction
        self._uniques_now = False  # a flush or the close: share the people counted at once
        self.shutdown_grace = shutdown_grace
        self.report_wait = report_wait  # how long /stats waits for queued events to be written
        self._progress = asyncio.Event()  # replaced after each write; waiters hold the old one
        self._pending: Batch | None = None  # taken from the queue, not yet written
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._hurry = asyncio.Event()  # flush or close: write now, don't linger
        self._lock = asyncio.Lock()  # one transaction or report query at a time
        self._delay, self._failing, self._deadline = MIN_BACKOFF, False, 0.0
        self._rolled_up: date | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> UsageLog:
        """The log in ``BOT_DATABASE_URL`` (or the file ``BOT_DB_PATH``), with retention."""
        if settings.database_url:
            from bot.usage.postgres import PostgresStore

            return cls(PostgresStore(settings.database_url),
                       retention_days=settings.retention_days)
        return cls(settings.db_path, retention_days=settings.retention_days)

    async def start(self) -> None:
        """Open the database and start the writer; an unusable database is logged, not raised."""
        if self._task is not None:
            return
        try:
            await self.store.open()
        except self.store.faults as exc:
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
        self._uniques_now = True
        self._deadline = asyncio.get_running_loop().time() + self.shutdown_grace
        self._stopping.set()
        self._hurry.set()
        self._wake.set()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)  # a crash is logged already
        await self.store.close()

    async def ready(self) -> bool:
        """The database answers (for ``/readyz``)."""
        try:
            return not self._failing and await self.store.ready()
        except self.store.faults:
            return False

    async def flush(self, timeout: float = 5.0) -> bool:  # noqa: ASYNC109
        """Wait until everything queued so far is written; False if that took too long."""
        if self._task is None:
            return not (self._queue or self._unsaved_drops)
        if not self._task.done():  # idle again once the people counted so far are shared too
            self._uniques_now = True
            self._idle.clear()
        self._hurry.set()
        self._wake.set()
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True

    async def settle(self, timeout: float = 5.0) -> bool:  # noqa: ASYNC109
        """Wait until the events queued so far (not later ones) are written; False: too long.

        A webhook worker calls this before answering Telegram, so an update it has answered is
        counted even if the worker dies a moment later.
        """
        target = self.queued
        try:
            async with asyncio.timeout(timeout):  # (not wait_for: no task per update)
                while (self.written < target and not self._failing and self._task is not None
                       and not self._task.done()):  # a failing database: answer, don't wait
                    progress = self._progress
                    self._hurry.set()
                    self._wake.set()
                    await progress.wait()
        except TimeoutError:
            return False
        return self.written >= target

    @property
    def waiting(self) -> int:
        """Events queued or being written."""
        return len(self._queue) + (self._pending.items if self._pending else 0)

    def write_left_behind(self) -> int:
        """Write what is still queued without the event loop (a second signal stopped it)."""
        saved = self.store.let_go()  # the batch being written may have gone in after all
        pending, self._pending = self._pending or Batch(), None
        if saved:
            self._unsaved_drops -= pending.dropped
        batch = Batch() if saved else pending
        while self._queue:
            batch.add(self._queue.popleft())
        batch.dropped, self._unsaved_drops = self._unsaved_drops, Counter()
        if batch.items or batch.dropped:
            self.store.write_now(batch)  # raises the store's faults
        return batch.items

    async def report(self, days: int) -> stats.Report:
        """Figures for the last ``days`` days (UTC), including what is still in memory."""
        await self.flush(timeout=self.report_wait)
        first, today = stats.period(days, self.clock().date())
        report = None
        if self.store.connected:
            try:
                async with self._lock:
                    report = await self.store.collect(first, today)
            except self.store.faults as exc:
                log.warning("usage report failed: %s", usagedb.describe(exc))
        report = report or stats.unavailable(first, today)
        if isinstance(self.uniques, SharedUniques):
            with suppress(Exception):  # the days still counted in Redis, if it answers
                open_days = await self.uniques.open_counts(first, today)
                report = replace(report, people=tuple(
                    max(n, open_days.get(d.isoformat(), 0))
                    for d, n in zip(report.dates, report.people or [0] * report.days,
                                    strict=True)))
        return replace(report, dropped=report.dropped + self.unsaved_drops, waiting=self.waiting)

    async def _run(self) -> None:
        while True:
            if not (self._queue or self._pending or self._unsaved_drops):
                if self._uniques_now:
                    self._uniques_now = False
                    await self._share_uniques(self.clock().date(), due=True)
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
                await self.store.write(batch)
        except self.store.faults as exc:
            self._fault(exc)
            if self.store.must_reconnect(exc):  # locked: only wait; anything else: a new start
                await self.store.close()
            return False
        self._unsaved_drops.subtract(batch.dropped)
        self._unsaved_drops = +self._unsaved_drops
        self.written += batch.items
        self._progress.set()
        self._progress = asyncio.Event()
        if self._failing:
            self._failing = False
            log.info("usage log: writing to %s again", self.path)
        self._delay = MIN_BACKOFF
        await self._daily_work()
        return True

    async def _daily_work(self) -> None:
        """Rotate the unique-user key at midnight; roll old hours up into days, once a day."""
        today = self.clock().date()
        self.uniques.rotate(today)
        await self._share_uniques(today)
        if self._rolled_up == today or not self.store.connected:
            return
        try:
            async with self._lock:
                removed = await self.store.roll_up(today - timedelta(days=self.retention_days))
        except self.store.faults as exc:
            self._fault(exc)
            return
        self._rolled_up = today
        if removed:
            log.info("usage log: rolled %d hourly rows up into daily totals", removed)

    async def _share_uniques(self, today: date, *, due: bool = False) -> None:
        if isinstance(self.uniques, SharedUniques):
            try:
                await self.uniques.sync(today, self.store, due=due)
            except Exception as exc:  # Redis or the database: counted again on the next write
                log.warning("usage log: shared unique count not updated (%s)",
                            usagedb.describe(exc))

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
