"""The usage database: schema, numbered migrations and the SQL that writes and rolls up counts.

No table has a column that could hold a person: events are counts per UTC hour, kind, section,
chat type and language bucket, kept in ``WITHOUT ROWID`` tables ordered by those values, so not
even the order in which things happened (one person's path through the bot) is stored.
"""

from __future__ import annotations

import os
import sqlite3
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import aiosqlite

# Each entry is one migration; PRAGMA user_version holds how many have been applied.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE events (            -- raw counts, one row per hour and combination
        hour TEXT NOT NULL,          -- UTC, 'YYYY-MM-DD HH:00'
        kind TEXT NOT NULL,
        section TEXT NOT NULL,       -- '' when the event is about no section
        chat_type TEXT NOT NULL,
        language TEXT NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (hour, kind, section, chat_type, language)
    ) WITHOUT ROWID;
    CREATE TABLE daily (             -- raw counts older than the retention period, per day
        day TEXT NOT NULL,           -- UTC, 'YYYY-MM-DD'
        kind TEXT NOT NULL,
        section TEXT NOT NULL,
        chat_type TEXT NOT NULL,
        language TEXT NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (day, kind, section, chat_type, language)
    ) WITHOUT ROWID;
    CREATE TABLE daily_users (day TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
    CREATE TABLE dropped (day TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
    CREATE TABLE feedback (
        section TEXT PRIMARY KEY,
        helpful INTEGER NOT NULL,
        not_helpful INTEGER NOT NULL
    ) WITHOUT ROWID;
    """,
)

_ADD_EVENTS = """
    INSERT INTO events (hour, kind, section, chat_type, language, n) VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT DO UPDATE SET n = n + excluded.n"""
_ADD_USERS = """
    INSERT INTO daily_users (day, n) VALUES (?, ?) ON CONFLICT DO UPDATE SET n = n + excluded.n"""
_ADD_DROPPED = """
    INSERT INTO dropped (day, n) VALUES (?, ?) ON CONFLICT DO UPDATE SET n = n + excluded.n"""
_ADD_FEEDBACK = """
    INSERT INTO feedback (section, helpful, not_helpful) VALUES (?, ?, ?)
    ON CONFLICT DO UPDATE SET helpful = helpful + excluded.helpful,
                              not_helpful = not_helpful + excluded.not_helpful"""
_ROLL_UP = """
    INSERT INTO daily (day, kind, section, chat_type, language, n)
    SELECT substr(hour, 1, 10), kind, section, chat_type, language, sum(n)
    FROM events WHERE hour < ? GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT DO UPDATE SET n = n + excluded.n"""


class SchemaError(Exception):
    """The file is a database this version of the bot cannot use."""


# What a broken, locked, missing or foreign database file raises; never a reason to stop.
FAULTS = (sqlite3.Error, OSError, ValueError, SchemaError)


def is_busy(exc: BaseException) -> bool:
    """The file is locked by someone else: waiting is enough, the connection is fine."""
    return getattr(exc, "sqlite_errorname", "") in ("SQLITE_BUSY", "SQLITE_LOCKED")


def file_id(path: Path) -> tuple[int, int] | None:
    """Which file is at ``path`` now (device, inode), to notice it was removed or replaced."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


EventKey = tuple[str, str, str, str, str]  # hour, kind, section, chat_type, language


@dataclass(frozen=True, slots=True)
class Event:
    """One interaction, as queued: nothing about who."""

    hour: str  # UTC, 'YYYY-MM-DD HH:00'
    kind: str
    section: str
    chat_type: str
    language: str
    new_user: bool  # the first event of this person today


@dataclass(frozen=True, slots=True)
class Answer:
    """One 👍 (helpful) or 👎 under a section."""

    section: str
    helpful: bool


@dataclass
class Batch:
    """Counts gathered from the queue, written in one transaction."""

    events: Counter[EventKey] = field(default_factory=Counter)
    users: Counter[str] = field(default_factory=Counter)  # day -> people first seen that day
    dropped: Counter[str] = field(default_factory=Counter)  # day -> events dropped
    answers: Counter[tuple[str, bool]] = field(default_factory=Counter)  # (section, helpful)
    items: int = 0  # queue items in this batch (events and answers)

    def add(self, item: Event | Answer) -> None:
        """Count one queued item."""
        self.items += 1
        if isinstance(item, Answer):
            self.answers[(item.section, item.helpful)] += 1
            return
        self.events[(item.hour, item.kind, item.section, item.chat_type, item.language)] += 1
        if item.new_user:
            self.users[item.hour[:10]] += 1


async def connect(path: Path, *, busy_timeout: float) -> aiosqlite.Connection:
    """Open (creating the folder and file if needed) and migrate the database; WAL mode."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = await aiosqlite.connect(path, timeout=busy_timeout, isolation_level=None)
    try:
        async with db.execute("PRAGMA journal_mode = WAL") as cursor:
            row = await cursor.fetchone()
        if row is None or str(row[0]).lower() != "wal":
            raise SchemaError(f"cannot switch {path} to WAL mode (got {row})")
        await db.execute("PRAGMA synchronous = NORMAL")  # safe with WAL; a crash loses no commit
        await migrate(db)
    except BaseException:
        await db.close()
        raise
    return db


# Each migration as one script: executescript() commits anything pending before it runs, so the
# transaction and the version bump must be inside the same script. Built once from constants.
_STEPS = tuple(f"BEGIN IMMEDIATE; {script}; PRAGMA user_version = {number}; COMMIT;"
               for number, script in enumerate(MIGRATIONS, start=1))


async def migrate(db: aiosqlite.Connection) -> int:
    """Apply the migrations not applied yet, each in its own transaction; the new version."""
    version = await schema_version(db)
    if version > len(MIGRATIONS):
        raise SchemaError(f"the database has schema version {version}, newer than this bot "
                          f"knows ({len(MIGRATIONS)}); upgrade the bot")
    for number in range(version + 1, len(MIGRATIONS) + 1):
        try:
            await db.executescript(_STEPS[number - 1])
        except BaseException:
            await _rollback(db)
            raise
    return len(MIGRATIONS)


async def schema_version(db: aiosqlite.Connection) -> int:
    """``PRAGMA user_version``: how many migrations the file has."""
    async with db.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def write(db: aiosqlite.Connection, batch: Batch) -> None:
    """Add a batch's counts in one transaction; nothing is written if any part fails."""
    await db.execute("BEGIN IMMEDIATE")
    try:
        # (each call is a round trip to the connection's thread: skip the empty ones)
        if batch.events:
            await db.executemany(_ADD_EVENTS, [(*key, n) for key, n in batch.events.items()])
        if batch.users:
            await db.executemany(_ADD_USERS, batch.users.items())
        if batch.dropped:
            await db.executemany(_ADD_DROPPED, batch.dropped.items())
        if batch.answers:
            await db.executemany(_ADD_FEEDBACK, [
                (section, n if helpful else 0, 0 if helpful else n)
                for (section, helpful), n in batch.answers.items()])
        await db.execute("COMMIT")
    except BaseException:
        await _rollback(db)
        raise


async def roll_up(db: aiosqlite.Connection, before: date) -> int:
    """Merge hourly counts of days before ``before`` into daily totals; rows rolled up."""
    cutoff = before.isoformat()
    await db.execute("BEGIN IMMEDIATE")
    try:
        await db.execute(_ROLL_UP, (cutoff,))
        cursor = await db.execute("DELETE FROM events WHERE hour < ?", (cutoff,))
        removed = cursor.rowcount
        await db.execute("COMMIT")
    except BaseException:
        await _rollback(db)
        raise
    return removed


async def _rollback(db: aiosqlite.Connection) -> None:
    # No transaction may be open, or the connection may be broken (file gone, disk error):
    # either way there is nothing left to undo.
    with suppress(sqlite3.Error, ValueError):
        await db.execute("ROLLBACK")
