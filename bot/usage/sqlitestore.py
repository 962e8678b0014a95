"""The usage counts in one SQLite file (WAL mode), for a bot that runs as one process."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import aiosqlite

from bot.usage import sqlite as usagedb
from bot.usage import stats
from bot.usage.batch import Batch

log = logging.getLogger(__name__)


class SqliteStore:
    """:class:`bot.usage.store.Store` on the file at ``path``."""

    faults = usagedb.FAULTS

    def __init__(self, path: Path, *, busy_timeout: float = 1.0) -> None:
        self.path = path
        self.busy_timeout = busy_timeout
        self._db: aiosqlite.Connection | None = None
        self._file_id: tuple[int, int] | None = None

    @property
    def connected(self) -> bool:
        """A connection is open."""
        return self._db is not None

    def describe(self) -> str:
        """The file's path."""
        return str(self.path)

    async def open(self) -> None:
        """Open the file (again, if it was removed or replaced) and migrate it."""
        if self._db is not None and self._file_id != usagedb.file_id(self.path):
            log.warning("usage log: %s was removed or replaced; starting a new file", self.path)
            await self.close()
        if self._db is None:
            db = await usagedb.connect(self.path, busy_timeout=self.busy_timeout)
            self._db, self._file_id = db, usagedb.file_id(self.path)

    async def close(self) -> None:
        """Close the file."""
        db, self._db = self._db, None
        if db is not None:  # leave no trail of increments in the WAL
            await usagedb.close(db, truncate_wal=True)

    def must_reconnect(self, exc: BaseException) -> bool:
        """Locked by someone else: only wait. Anything else: a new start."""
        return not usagedb.is_busy(exc)

    async def write(self, batch: Batch) -> None:
        """One ``BEGIN IMMEDIATE`` transaction."""
        await self.open()
        assert self._db is not None
        await usagedb.write(self._db, batch)

    def write_now(self, batch: Batch) -> None:
        """One transaction through a connection of its own, without the event loop."""
        usagedb.write_now(self.path, batch, busy_timeout=self.busy_timeout)

    async def set_people(self, day: date, n: int) -> None:
        """A day's count of different people from the shared sketch (never lowered)."""
        await self.open()
        assert self._db is not None
        await self._db.execute(
            "INSERT INTO daily_users (day, n) VALUES (?, ?) "
            "ON CONFLICT DO UPDATE SET n = max(n, excluded.n)", (day.isoformat(), n))

    async def roll_up(self, before: date) -> int:
        """Roll old hours up into days."""
        if self._db is None:
            raise usagedb.SchemaError("not connected")
        return await usagedb.roll_up(self._db, before)

    async def collect(self, first: date, last: date) -> stats.Report:
        """Read the figures."""
        if self._db is None:
            raise usagedb.SchemaError("not connected")
        return await stats.collect(self._db, first, last)

    async def ready(self) -> bool:
        """The file is open."""
        return self._db is not None
