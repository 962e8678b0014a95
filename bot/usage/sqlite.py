"""The usage database: schema, numbered migrations and the SQL that writes and rolls up counts.

No table has a column that could hold a person, and no row is small enough to single one out.
The schema (schema version 2; any other store, e.g. PostgreSQL, keeps the same tables)::

    events    (hour TEXT 'YYYY-MM-DD HH:00' UTC, kind TEXT, section TEXT ('' = none),
               chat_type TEXT, n INTEGER)            PRIMARY KEY (hour, kind, section, chat_type)
    daily     (day TEXT 'YYYY-MM-DD', kind, section, chat_type, n)
                                                     PRIMARY KEY (day, kind, section, chat_type)
    languages (day TEXT, language TEXT, n)           PRIMARY KEY (day, language)
    daily_users (day TEXT PRIMARY KEY, n)            -- people first seen that day
    dropped     (day TEXT PRIMARY KEY, n)            -- events the queue could not hold
    feedback    (section TEXT PRIMARY KEY, helpful INTEGER, not_helpful INTEGER)

Rules every store follows:

- **Marginals, not cross-tabulations.** Section counts carry no language and language counts
  carry no section, kind or hour, so "one person reading ``ovarian`` at 14:00 in Farsi" is never
  a row. The language is folded into a fixed bucket (:data:`bot.usage.buckets.LANGUAGES`, else
  ``other``) when it is recorded.
- **Hours only for a week.** Hourly ``events`` rows older than ``BOT_RETENTION_DAYS`` (at most
  :data:`MAX_HOURLY_DAYS`) are added into ``daily`` and deleted.
- **Nothing left behind.** ``PRAGMA secure_delete`` zeroes deleted rows, and the write-ahead log
  (which otherwise keeps every increment in order) is checkpointed with ``TRUNCATE`` after each
  roll-up and at close. The file is created ``0600`` (an existing file is narrowed to that).
- Rows are in ``WITHOUT ROWID`` tables ordered by their key, so not even the order in which
  things happened (one person's path through the bot) is stored.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing, suppress
from datetime import date
from pathlib import Path
from typing import Any

import aiosqlite

from bot.usage.batch import Batch
from bot.usage.buckets import LANGUAGES, OTHER

MAX_HOURLY_DAYS = 7  # hourly rows are rolled up into days after at most this many days
FILE_MODE = 0o600
_KNOWN = ", ".join(f"'{code}'" for code in LANGUAGES)

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
    # 2: marginals. Language leaves the event tables for a per-day table of its own, folded
    # into the fixed buckets; the old cross-tabulated rows are summed and then gone.
    f"""
    CREATE TABLE languages (
        day TEXT NOT NULL,
        language TEXT NOT NULL,      -- one of LANGUAGES, or '{OTHER}'
        n INTEGER NOT NULL,
        PRIMARY KEY (day, language)
    ) WITHOUT ROWID;
    INSERT INTO languages (day, language, n)
    SELECT day, CASE WHEN language IN ({_KNOWN}) THEN language ELSE '{OTHER}' END, sum(n)
    FROM (SELECT substr(hour, 1, 10) AS day, language, n FROM events
          UNION ALL SELECT day, language, n FROM daily)
    GROUP BY 1, 2;
    CREATE TABLE events_v2 (
        hour TEXT NOT NULL, kind TEXT NOT NULL, section TEXT NOT NULL, chat_type TEXT NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (hour, kind, section, chat_type)
    ) WITHOUT ROWID;
    INSERT INTO events_v2 SELECT hour, kind, section, chat_type, sum(n) FROM events
    GROUP BY 1, 2, 3, 4;
    CREATE TABLE daily_v2 (
        day TEXT NOT NULL, kind TEXT NOT NULL, section TEXT NOT NULL, chat_type TEXT NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (day, kind, section, chat_type)
    ) WITHOUT ROWID;
    INSERT INTO daily_v2 SELECT day, kind, section, chat_type, sum(n) FROM daily
    GROUP BY 1, 2, 3, 4;
    DROP TABLE events;
    DROP TABLE daily;
    ALTER TABLE events_v2 RENAME TO events;
    ALTER TABLE daily_v2 RENAME TO daily
    """,
)

_ADD_EVENTS = """
    INSERT INTO events (hour, kind, section, chat_type, n) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT DO UPDATE SET n = n + excluded.n"""
_ADD_LANGUAGES = """
    INSERT INTO languages (day, language, n) VALUES (?, ?, ?)
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
    INSERT INTO daily (day, kind, section, chat_type, n)
    SELECT substr(hour, 1, 10), kind, section, chat_type, sum(n)
    FROM events WHERE hour < ? GROUP BY 1, 2, 3, 4
    ON CONFLICT DO UPDATE SET n = n + excluded.n"""


class SchemaError(Exception):
    """The file is a database this version of the bot cannot use."""


# What a broken, locked, missing or foreign database file raises; never a reason to stop.
FAULTS = (sqlite3.Error, OSError, ValueError, SchemaError)


def describe(exc: BaseException) -> str:
    """A fault as one line for the log."""
    return f"{type(exc).__name__}: {exc}"


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


def private_file(path: Path) -> None:
    """Create ``path`` readable by its owner only, or narrow an existing file to that.

    SQLite gives its ``-wal`` and ``-shm`` files the main file's mode, so they follow.
    """
    fd = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
    try:
        if os.fstat(fd).st_mode & 0o777 != FILE_MODE:
            os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)


async def checkpoint(db: aiosqlite.Connection) -> None:
    """Copy the write-ahead log into the file and cut it to zero bytes.

    The WAL holds each transaction's pages in the order they were written, a trail of
    increments; a truncating checkpoint removes that trail (a reader may keep it for a moment).
    """
    await db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


async def close(db: aiosqlite.Connection, *, truncate_wal: bool = False) -> None:
    """Close, after a truncating checkpoint if asked; a broken connection is gone either way."""
    with suppress(*FAULTS):
        if truncate_wal:
            await checkpoint(db)
    with suppress(*FAULTS):
        await db.close()


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


def _statements(batch: Batch) -> list[tuple[str, list[tuple[Any, ...]]]]:
    """The inserts that add a batch's counts (the empty ones left out: each is a round trip)."""
    found = [
        (_ADD_EVENTS, [(*key, n) for key, n in batch.events.items()]),
        (_ADD_LANGUAGES, [(*key, n) for key, n in batch.languages.items()]),
        (_ADD_USERS, list(batch.users.items())),
        (_ADD_DROPPED, list(batch.dropped.items())),
        (_ADD_FEEDBACK, [(section, n if helpful else 0, 0 if helpful else n)
                         for (section, helpful), n in batch.answers.items()])]
    return [(sql, rows) for sql, rows in found if rows]


async def write(db: aiosqlite.Connection, batch: Batch) -> None:
    """Add a batch's counts in one transaction; nothing is written if any part fails."""
    await db.execute("BEGIN IMMEDIATE")
    try:
        for sql, rows in _statements(batch):
            await db.executemany(sql, rows)
        await db.execute("COMMIT")
    except BaseException:
        await _rollback(db)
        raise


def write_now(path: Path, batch: Batch, *, busy_timeout: float) -> None:
    """:func:`write` without an event loop, for the last moment of a forced exit."""
    with closing(sqlite3.connect(path, timeout=busy_timeout, isolation_level=None)) as db:
        db.execute("BEGIN IMMEDIATE")
        for sql, rows in _statements(batch):
            db.executemany(sql, rows)
        db.execute("COMMIT")


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
    if removed:
        await checkpoint(db)
    return removed


async def _rollback(db: aiosqlite.Connection) -> None:
    # No transaction may be open, or the connection may be broken (file gone, disk error):
    # either way there is nothing left to undo.
    with suppress(sqlite3.Error, ValueError):
        await db.execute("ROLLBACK")
