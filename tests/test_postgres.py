"""The usage log in real PostgreSQL: same figures as SQLite, batched upserts from two workers."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from pathlib import Path

import asyncpg
import pytest

from bot.usage import stats
from bot.usage.log import UsageLog
from bot.usage.postgres import MIGRATIONS, PostgresStore
from tests.servicekit import database_url, postgres_server
from tests.usagekit import FakeClock

__all__ = ["database_url", "postgres_server"]
pytestmark = pytest.mark.services

KINDS = ("command", "button", "search", "inline_query", "feedback", "unknown")
SECTIONS = ("overview", "breast", "colorectal", None)
CHATS = ("private", "group", "supergroup", "inline")


def feed(log: UsageLog, clock: FakeClock) -> int:
    """The same mixed events, over 40 days (so the roll-up has work), into ``log``."""
    n = 0
    for day in range(40):
        for i in range(day % 7 + 3):
            log.record(KINDS[(day + i) % len(KINDS)], SECTIONS[i % len(SECTIONS)],
                       chat_type=CHATS[(i * 3 + day) % len(CHATS)],
                       language=("en", "de", "other")[i % 3], user_id=1000 + (i % 4))
            n += 1
        log.answer(SECTIONS[day % 3] or "overview", helpful=day % 3 != 0)
        clock.advance(hours=23)
    return n


async def run_log(make: Callable[[FakeClock], UsageLog]) -> tuple[stats.Report, int]:
    """Two sessions of the bot: the second one's start rolls the first one's old days up."""
    clock, n = FakeClock(), 0
    for _ in range(2):
        log = make(clock)
        await log.start()
        n += feed(log, clock)
        await log.close()
    log = make(clock)
    await log.start()
    report = await log.report(90)
    await log.close()
    return report, n


async def test_postgres_and_sqlite_give_identical_stats(database_url: str,
                                                        tmp_path: Path) -> None:
    pg, pg_n = await run_log(lambda clock: UsageLog(
        PostgresStore(database_url), retention_days=30, clock=clock))
    lite, lite_n = await run_log(lambda clock: UsageLog(
        tmp_path / "usage.sqlite3", retention_days=30, clock=clock))
    assert pg_n == lite_n
    assert pg.total == lite.total > 0
    assert stats.csv_rows(pg) == stats.csv_rows(lite)
    assert pg == lite
    conn = await asyncpg.connect(database_url)
    try:  # the roll-up ran: old hours are daily totals now, and migrations are recorded
        assert await conn.fetchval("SELECT count(*) FROM daily") > 0
        assert await conn.fetchval("SELECT max(version) FROM schema_version") == len(MIGRATIONS)
    finally:
        await conn.close()


async def test_two_workers_add_up_without_losing_a_count(database_url: str) -> None:
    clock = FakeClock()
    workers = [UsageLog(PostgresStore(database_url), clock=clock, linger=0, batch_size=50)
               for _ in range(2)]
    await asyncio.gather(*(w.start() for w in workers))  # both migrate at once: applied once

    async def burst(log: UsageLog) -> None:
        for i in range(2000):
            log.record("command", ("overview", "breast")[i % 2], chat_type="private",
                       language="en", user_id=None)
            if i % 100 == 0:
                await asyncio.sleep(0)

    await asyncio.gather(*(burst(w) for w in workers))
    await asyncio.gather(*(w.close() for w in workers))
    conn = await asyncpg.connect(database_url)
    try:
        assert await conn.fetchval("SELECT sum(n) FROM events") == 4000
        assert await conn.fetchval("SELECT count(*) FROM schema_version") == len(MIGRATIONS)
    finally:
        await conn.close()


async def test_a_thumbs_up_and_down_of_one_section_in_one_batch(database_url: str) -> None:
    log = UsageLog(PostgresStore(database_url), linger=0, batch_size=50)
    for helpful in (True, False, True):  # queued before the writer starts: one batch
        log.answer("breast", helpful=helpful)
    log.answer("overview", helpful=False)
    await log.start()
    await log.close()
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch("SELECT section, helpful, not_helpful FROM feedback "
                                "ORDER BY section")
        assert [tuple(r) for r in rows] == [("breast", 2, 1), ("overview", 0, 1)]
    finally:
        await conn.close()


async def test_cli_stats_reads_postgres(database_url: str, tmp_path: Path) -> None:
    log = UsageLog(PostgresStore(database_url))
    await log.start()
    for _ in range(10):
        log.record("command", "breast", chat_type="private", language="en", user_id=None)
    await log.close()
    env = {"BOT_DATABASE_URL": database_url, "PATH": "/usr/bin:/bin",
           "PYTHONPATH": str(Path(__file__).parent.parent)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "stats", "--csv", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE)
    out = (await proc.communicate())[0].decode()
    assert proc.returncode == 0
    assert "section,breast,10" in out


def test_a_second_signal_writes_the_queue_to_postgres_too(database_url: str) -> None:
    """The event loop is gone (a second signal cut the shutdown short): the queued events still
    reach PostgreSQL, through a connection and a loop of their own."""
    log = UsageLog(PostgresStore(database_url), linger=3600, queue_size=7)  # (waits an hour)

    async def session() -> None:
        await log.start()
        for i in range(8):  # the eighth does not fit in the queue: counted as dropped
            log.record("command", "breast", chat_type="private", language="en", user_id=i)
        await log.store.close()  # its connections go with the loop

    asyncio.run(session())  # ends without the log's close(), as a forced exit does
    assert log.write_left_behind() == 7

    async def stored() -> tuple[int, int]:
        conn = await asyncpg.connect(database_url)
        try:
            return (await conn.fetchval("SELECT sum(n) FROM events WHERE section = 'breast'"),
                    await conn.fetchval("SELECT coalesce(sum(n), 0) FROM dropped"))
        finally:
            await conn.close()

    assert asyncio.run(stored()) == (7, 1)
