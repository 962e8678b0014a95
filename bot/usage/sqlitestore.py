"""The usage counts in one SQLite file (WAL mode), for a bot that runs as one process."""

from __future__ import annotations

import logging
import sqlite3
from contextlib import suppress
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
        self._raw: sqlite3.Connection | None = None  # what ``_db``'s thread drives
        self._changes: int | None = None  # rows changed before the write now in progress
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
            db, raw = await connect(self.path, busy_timeout=self.busy_timeout)
            self._db, self._raw, self._file_id = db, raw, usagedb.file_id(self.path)

    async def close(self) -> None:
        """Close the file."""
        db, self._db, self._raw = self._db, None, None
        if db is not None:  # leave no trail of increments in the WAL
            await usagedb.close(db, truncate_wal=True)

    def must_reconnect(self, exc: BaseException) -> bool:
        """Locked by someone else: only wait. Anything else: a new start."""
        return not usagedb.is_busy(exc)

    async def write(self, batch: Batch) -> None:
        """One ``BEGIN IMMEDIATE`` transaction."""
        await self.open()
        assert self._db is not None
        assert self._raw is not None
        self._changes = self._raw.total_changes
        await usagedb.write(self._db, batch)
        self._changes = None

    def let_go(self) -> bool:
        """Roll back what the dead loop left open; whether the write in progress had committed
        (no transaction open, yet rows changed since it began)."""
        raw, changes, self._changes = self._raw, self._changes, None
        if raw is None:
            return False
        was_open = let_go(raw)
        return changes is not None and not was_open and raw.total_changes > changes

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


async def connect(path: Path, *, busy_timeout: float
                  ) -> tuple[aiosqlite.Connection, sqlite3.Connection]:
    """Open (creating the folder and a ``0600`` file if needed) and migrate; WAL mode. The
    connection, and the sqlite3 connection under it (see :func:`open_shared`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    usagedb.private_file(path)
    db, raw = await open_shared(path, busy_timeout=busy_timeout)
    try:
        await db.execute("PRAGMA secure_delete = ON")  # deleted rows are zeroed, not left
        async with db.execute("PRAGMA journal_mode = WAL") as cursor:
            row = await cursor.fetchone()
        if row is None or str(row[0]).lower() != "wal":
            raise usagedb.SchemaError(f"cannot switch {path} to WAL mode (got {row})")
        await db.execute("PRAGMA synchronous = NORMAL")  # safe with WAL; a crash loses no commit
        await usagedb.migrate(db)
    except BaseException:
        await db.close()
        raise
    return db, raw


async def open_shared(path: Path, *, busy_timeout: float
                      ) -> tuple[aiosqlite.Connection, sqlite3.Connection]:
    """An aiosqlite connection and the sqlite3 connection its thread drives, which this thread
    may use too (``check_same_thread=False``): a forced exit must undo what a dead event loop
    left half done in it (see :func:`let_go`)."""
    opened: list[sqlite3.Connection] = []

    def connector() -> sqlite3.Connection:
        opened.append(sqlite3.connect(path, timeout=busy_timeout, isolation_level=None,
                                      check_same_thread=False))
        return opened[0]

    db = await aiosqlite.Connection(connector, iter_chunk_size=64)
    return db, opened[0]


def let_go(raw: sqlite3.Connection) -> bool:
    """The event loop that drove ``raw`` is gone: undo the transaction it left open, if any, so
    that its write lock is released. Whether a transaction was open.

    ``raw`` is not closed here: aiosqlite's thread may be closing it at the same moment (when
    its connection object is collected), and two closes at once crash the process.

    Without this, a writer whose ``BEGIN IMMEDIATE`` won the lock just as a second signal
    stopped the loop holds the lock until the process ends, and the last write fails.
    """
    raw.interrupt()  # cut a statement aiosqlite's thread may be running short
    with suppress(sqlite3.Error):
        raw.execute("SELECT 1")  # waits until that statement has let go of the connection
    was_open = raw.in_transaction
    with suppress(sqlite3.Error):
        raw.rollback()
    return was_open
