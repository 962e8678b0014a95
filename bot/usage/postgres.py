"""The usage counts in PostgreSQL (asyncpg), shared by several webhook workers.

The same tables with the same meaning and rules as the SQLite file (:mod:`bot.usage.sqlite`):
marginal counts (per UTC hour, kind, section and chat type; languages per day apart), hourly
rows rolled up into days after at most a week, people per day, drops, 👍/👎. Nothing that could
hold a person. Each worker adds its batches with ``INSERT … ON CONFLICT DO
UPDATE`` in one statement, rows in key order so that two workers never deadlock. Migrations
are numbered and applied under an advisory lock, so workers starting together apply each once;
the retention roll-up takes another advisory lock and is skipped by a worker that finds it
taken, so one worker at a time does it.
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import asyncpg

from bot.usage import stats
from bot.usage.batch import Batch
from bot.usage.sqlite import SchemaError

# Schema version 2 of bot/usage/sqlite.py (marginals: languages in a table of their own), the
# first and so far only migration here. Append new ones; never edit an applied one.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE events (
        hour TEXT NOT NULL, kind TEXT NOT NULL, section TEXT NOT NULL,
        chat_type TEXT NOT NULL, n BIGINT NOT NULL,
        PRIMARY KEY (hour, kind, section, chat_type));
    CREATE TABLE daily (
        day TEXT NOT NULL, kind TEXT NOT NULL, section TEXT NOT NULL,
        chat_type TEXT NOT NULL, n BIGINT NOT NULL,
        PRIMARY KEY (day, kind, section, chat_type));
    CREATE TABLE languages (day TEXT NOT NULL, language TEXT NOT NULL, n BIGINT NOT NULL,
                            PRIMARY KEY (day, language));
    CREATE TABLE daily_users (day TEXT PRIMARY KEY, n BIGINT NOT NULL);
    CREATE TABLE dropped (day TEXT PRIMARY KEY, n BIGINT NOT NULL);
    CREATE TABLE feedback (section TEXT PRIMARY KEY, helpful BIGINT NOT NULL,
                           not_helpful BIGINT NOT NULL);
    """,
)
MIGRATE_LOCK = 0x6C69_7665_7201  # advisory lock ids: "liver" + 1 / 2
ROLL_UP_LOCK = 0x6C69_7665_7202

# A batch in one statement, so one round trip and its own transaction: each table's rows from
# arrays in key order (so that two workers lock rows in one order and never deadlock).
_ADD = """
WITH events_added AS (
    INSERT INTO events (hour, kind, section, chat_type, n)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[])
    ON CONFLICT (hour, kind, section, chat_type) DO UPDATE SET n = events.n + excluded.n),
languages_added AS (
    INSERT INTO languages (day, language, n)
    SELECT * FROM unnest($6::text[], $7::text[], $8::bigint[])
    ON CONFLICT (day, language) DO UPDATE SET n = languages.n + excluded.n),
users_added AS (
    INSERT INTO daily_users (day, n) SELECT * FROM unnest($9::text[], $10::bigint[])
    ON CONFLICT (day) DO UPDATE SET n = daily_users.n + excluded.n),
dropped_added AS (
    INSERT INTO dropped (day, n) SELECT * FROM unnest($11::text[], $12::bigint[])
    ON CONFLICT (day) DO UPDATE SET n = dropped.n + excluded.n)
INSERT INTO feedback (section, helpful, not_helpful)
SELECT * FROM unnest($13::text[], $14::bigint[], $15::bigint[])
ON CONFLICT (section) DO UPDATE SET helpful = feedback.helpful + excluded.helpful,
    not_helpful = feedback.not_helpful + excluded.not_helpful"""
_SET_USERS = """INSERT INTO daily_users (day, n) VALUES ($1, $2)
    ON CONFLICT (day) DO UPDATE SET n = greatest(daily_users.n, excluded.n)"""
_ROLL_UP = """
    INSERT INTO daily (day, kind, section, chat_type, n)
    SELECT substr(hour, 1, 10), kind, section, chat_type, sum(n)
    FROM events WHERE hour < $1 GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (day, kind, section, chat_type) DO UPDATE SET n = daily.n + excluded.n"""


class PostgresStore:
    """:class:`bot.usage.store.Store` in the database at ``url`` (``postgresql://…``)."""

    faults = (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError,
              SchemaError)

    def __init__(self, url: str, *, timeout: float = 5.0) -> None:
        self._url = url  # may hold a password: never logged
        self.timeout = timeout
        self._pool: asyncpg.Pool | None = None

    @property
    def connected(self) -> bool:
        """The pool is open."""
        return self._pool is not None

    def describe(self) -> str:
        """``PostgreSQL (BOT_DATABASE_URL)``: the URL may hold a password."""
        return "PostgreSQL (BOT_DATABASE_URL)"

    async def open(self) -> None:
        """Open a small pool and apply the migrations not applied yet."""
        if self._pool is not None:
            return
        pool = await asyncpg.create_pool(self._url, min_size=1, max_size=2,
                                         timeout=self.timeout, command_timeout=30,
                                         reset=_nothing_to_reset)
        try:
            async with pool.acquire() as conn:
                await migrate(conn)
        except BaseException:
            await pool.close()
            raise
        self._pool = pool

    async def close(self) -> None:
        """Close the pool."""
        pool, self._pool = self._pool, None
        if pool is not None:
            try:
                await pool.close()
            except self.faults:
                pool.terminate()

    def must_reconnect(self, exc: BaseException) -> bool:
        """A lost connection: start again. A failed statement leaves the pool usable."""
        return not isinstance(exc, asyncpg.PostgresError)

    def _need(self) -> asyncpg.Pool:
        if self._pool is None:
            raise SchemaError("not connected")
        return self._pool

    async def write(self, batch: Batch) -> None:
        """Add a batch's counts in one statement, rows sorted so workers lock in one order."""
        await self.open()
        columns = [*_columns(sorted((*key, n) for key, n in batch.events.items()), 5),
                   *_columns(sorted((*key, n) for key, n in batch.languages.items()), 3),
                   *_columns(sorted(batch.users.items()), 2),
                   *_columns(sorted(batch.dropped.items()), 2),
                   *_columns(_feedback_rows(batch), 3)]
        async with self._need().acquire() as conn:
            await conn.execute(_ADD, *columns)

    def let_go(self) -> bool:
        """Drop the pool's connections at once. A write is one statement, which the server
        commits or not on its own; whether it did is unknown here, so it is written again
        (counted twice rather than lost)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.terminate()
        return False

    def write_now(self, batch: Batch) -> None:
        """The batch through a connection of its own in an event loop of its own (the bot's is
        gone after a second signal), in at most :attr:`timeout` seconds."""

        async def write() -> None:
            store = PostgresStore(self._url, timeout=self.timeout)
            try:
                await asyncio.wait_for(store.write(batch), self.timeout)
            finally:
                await store.close()

        asyncio.run(write())

    async def set_people(self, day: date, n: int) -> None:
        """A day's unique count from the shared HyperLogLog (never lowers a stored count)."""
        await self.open()
        async with self._need().acquire() as conn:
            await conn.execute(_SET_USERS, day.isoformat(), n)

    async def roll_up(self, before: date) -> int:
        """Roll old hours up into days, unless another worker is doing it right now."""
        async with self._need().acquire() as conn, conn.transaction():
            if not await conn.fetchval("SELECT pg_try_advisory_xact_lock($1)", ROLL_UP_LOCK):
                return 0
            cutoff = before.isoformat()
            await conn.execute(_ROLL_UP, cutoff)
            status = await conn.execute("DELETE FROM events WHERE hour < $1", cutoff)
        removed = int(status.rsplit(" ", 1)[-1])
        if removed:  # the deleted hourly rows are gone from the table files, not only hidden
            async with self._need().acquire() as conn:
                await conn.execute("VACUUM events")
        return removed

    async def collect(self, first: date, last: date) -> stats.Report:
        """The same figures as from SQLite (:func:`bot.usage.stats.build`)."""
        start, end = first.isoformat(), (last + timedelta(days=1)).isoformat()
        sql = stats.EVENTS_SQL.replace("?", "$%d") % (1, 2, 1, 2)
        languages_sql = stats.LANGUAGES_SQL.replace("?", "$%d") % (1, 2)
        async with self._need().acquire() as conn:
            events = [tuple(row) for row in await conn.fetch(sql, start, end)]
            languages = {r[0]: int(r[1]) for r in await conn.fetch(languages_sql, start, end)}
            people = {row[0]: int(row[1]) for row in await conn.fetch(
                "SELECT day, n FROM daily_users WHERE day >= $1 AND day < $2", start, end)}
            dropped = await conn.fetchval(
                "SELECT coalesce(sum(n), 0) FROM dropped WHERE day >= $1 AND day < $2",
                start, end)
            feedback = tuple((r[0], int(r[1]), int(r[2])) for r in await conn.fetch(
                "SELECT section, helpful, not_helpful FROM feedback "
                "ORDER BY helpful + not_helpful DESC, section COLLATE \"C\""))
        events = [(*row[:4], int(row[4])) for row in events]
        return stats.build(first, last, events, languages, people, int(dropped), feedback)

    async def ready(self) -> bool:
        """A query answers."""
        async with self._need().acquire() as conn:
            return bool(await conn.fetchval("SELECT true"))


def _feedback_rows(batch: Batch) -> list[tuple[str, int, int]]:
    """(section, 👍, 👎) once per section: a 👍 and a 👎 of one section in one batch are one
    row, as ``ON CONFLICT DO UPDATE`` may touch each row only once per statement (two rows
    failed the whole batch, and every retry of it)."""
    rows: dict[str, tuple[int, int]] = {}
    for (section, helpful), n in batch.answers.items():
        up, down = rows.get(section, (0, 0))
        rows[section] = (up + n, down) if helpful else (up, down + n)
    return [(section, up, down) for section, (up, down) in sorted(rows.items())]


def _columns(rows: list[tuple[object, ...]], width: int) -> list[list[object]]:
    """Rows as ``width`` columns (the arrays that ``unnest`` turns back into rows)."""
    return [list(column) for column in zip(*rows, strict=True)] if rows else [[]] * width


async def _nothing_to_reset(_: asyncpg.Connection) -> None:
    """A released connection needs no reset query (a round trip per write): the store sets,
    listens to and declares nothing, and takes only transaction-level advisory locks; asyncpg
    still rolls back a transaction left open before this is called."""


def read_report(url: str, days: int) -> stats.Report:
    """``python -m bot stats`` with ``BOT_DATABASE_URL``: the report for the last ``days``."""
    import asyncio
    from datetime import UTC, datetime

    async def read() -> stats.Report:
        store = PostgresStore(url)
        try:
            await store.open()
            return await store.collect(*stats.period(days, datetime.now(UTC).date()))
        finally:
            await store.close()

    try:
        return asyncio.run(read())
    except PostgresStore.faults as exc:
        raise stats.StatsError(f"cannot read the PostgreSQL database (BOT_DATABASE_URL): "
                               f"{type(exc).__name__}: {exc}") from exc


async def migrate(conn: asyncpg.Connection) -> int:
    """Apply the numbered migrations not applied yet (one transaction, one worker at a time)."""
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATE_LOCK)
        await conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        version = await conn.fetchval("SELECT max(version) FROM schema_version") or 0
        if version > len(MIGRATIONS):
            raise SchemaError(f"the database has schema version {version}, newer than this "
                              f"bot knows ({len(MIGRATIONS)}); upgrade the bot")
        for number in range(version + 1, len(MIGRATIONS) + 1):
            await conn.execute(MIGRATIONS[number - 1])
            await conn.execute("INSERT INTO schema_version (version) VALUES ($1)", number)
    return len(MIGRATIONS)
