"""Issue 15, item 7: counts that cannot single anyone out, and a file that keeps no trail.

Marginals only (no section next to a language), rare languages folded into ``other`` as they
are recorded, hours rolled up into days within a week, ``/stats`` rounded so that differencing
two periods cannot recover a count below 5, a truncated WAL, zeroed deletions, a ``0600`` file.
"""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
import stat
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app import build_application
from bot.config import Settings
from bot.context import Services
from bot.usage.log import UsageLog
from bot.usage.sqlite import MIGRATIONS
from tests.recording import RecordingRequest, chat, feed, message, user
from tests.usagekit import FakeClock, rows

ADMIN = 999


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def wal_size(path: Path) -> int:
    """Bytes in the database's write-ahead log (0 when there is none)."""
    wal = Path(f"{path}-wal")
    return wal.stat().st_size if wal.exists() else 0


async def test_file_is_private_and_wal_truncated_at_close(tmp_path: Path) -> None:
    path = tmp_path / "usage.sqlite3"
    log = UsageLog(path)
    await log.start()
    log.record("command", "ovarian", chat_type="private", language="en", user_id=1)
    assert await log.flush()
    assert mode(path) == 0o600
    assert mode(Path(f"{path}-wal")) == 0o600
    assert wal_size(path) > 0
    await log.close()
    assert wal_size(path) == 0
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("SELECT sum(n) FROM events").fetchone() == (1,)


async def test_an_existing_world_readable_file_is_narrowed(tmp_path: Path) -> None:
    path = tmp_path / "usage.sqlite3"
    path.touch(mode=0o644)
    path.chmod(0o644)
    log = UsageLog(path)
    await log.start()
    await log.close()
    assert mode(path) == 0o600


async def test_rare_languages_are_folded_when_recorded(tmp_path: Path) -> None:
    path = tmp_path / "usage.sqlite3"
    log = UsageLog(path)
    await log.start()
    for code in ("en", "EN-gb", "ru", "gd", "kl", "", "x"):
        log.record("command", "ovarian", chat_type="private", language=code, user_id=None)
    await log.close()
    assert rows(path, "SELECT language, sum(n) FROM languages GROUP BY 1 ORDER BY 1") == [
        ("en", 2), ("other", 4), ("ru", 1)]
    # the section count knows no language at all
    assert rows(path, "SELECT * FROM events")[0][1:] == ("command", "ovarian", "private", 7)
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (len(MIGRATIONS),)
        columns = {r[1] for t in ("events", "daily")
                   for r in db.execute(f"PRAGMA table_info({t})")}
    assert "language" not in columns


async def test_hours_are_rolled_up_within_a_week_whatever_the_retention(tmp_path: Path) -> None:
    clock = FakeClock()
    path = tmp_path / "usage.sqlite3"
    log = UsageLog(path, retention_days=90, clock=clock)
    await log.start()
    log.record("command", "ovarian", chat_type="private", language="fa", user_id=None)
    assert await log.flush()
    clock.advance(days=8)
    log.record("command", "lung", chat_type="private", language="en", user_id=None)
    try:
        assert await log.flush()  # the first write of a new day rolls old hours up
        assert rows(path, "SELECT hour FROM events") == [(clock.now.strftime("%Y-%m-%d %H:00"),)]
        assert rows(path, "SELECT day, section, n FROM daily") == [("2026-03-04", "ovarian", 1)]
        # the checkpoint after the roll-up left no trail of increments in the WAL
        assert wal_size(path) == 0
        db = log.store._db  # type: ignore[attr-defined]  # the SQLite store's connection
        assert db is not None
        assert list(await db.execute_fetchall("PRAGMA secure_delete")) == [(1,)]
    finally:
        await log.close()
    # the deleted hour is zeroed in the file, not left in a free page
    assert b"2026-03-04 10:00" not in path.read_bytes()


def test_version_1_files_are_migrated_to_marginals(tmp_path: Path) -> None:
    path = tmp_path / "usage.sqlite3"
    with closing(sqlite3.connect(path)) as db:
        db.executescript(MIGRATIONS[0] + "; PRAGMA user_version = 1;")
        db.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?)", [
            ("2026-03-04 10:00", "command", "ovarian", "private", "kl", 1),
            ("2026-03-04 10:00", "command", "ovarian", "private", "en", 2),
            ("2026-03-04 11:00", "button", "lung", "group", "en", 3)])
        db.execute("INSERT INTO daily VALUES ('2026-01-01', 'command', 'ovarian', 'private', "
                   "'kl', 4)")
        db.commit()

    async def open_and_close() -> None:
        log = UsageLog(path, clock=FakeClock(datetime(2026, 3, 5, 9, tzinfo=UTC)))
        await log.start()
        await log.close()

    asyncio.run(open_and_close())
    assert rows(path, "SELECT * FROM events ORDER BY hour") == [
        ("2026-03-04 10:00", "command", "ovarian", "private", 3),
        ("2026-03-04 11:00", "button", "lung", "group", 3)]
    assert rows(path, "SELECT * FROM daily") == [("2026-01-01", "command", "ovarian",
                                                  "private", 4)]
    assert rows(path, "SELECT * FROM languages ORDER BY day, language") == [
        ("2026-01-01", "other", 4), ("2026-03-04", "en", 5), ("2026-03-04", "other", 1)]
    assert b"kl" not in path.read_bytes()


async def stats_pair(settings: Settings, services: Services, yesterday: int) -> tuple[str, str]:
    """``/stats 1`` and ``/stats 2`` when 10 people read today and ``yesterday`` did before."""
    now = datetime.now(UTC)
    seeded = UsageLog(settings.db_path, clock=FakeClock(now - timedelta(days=1)))
    await seeded.start()
    for i in range(yesterday):
        seeded.record("command", "ovarian", chat_type="private", language="fa", user_id=i)
    await seeded.close()
    request_ = RecordingRequest()
    usage = UsageLog.from_settings(settings)
    app = build_application(settings, request=request_, services=dataclasses.replace(
        services, settings=settings, usage=usage))
    async with app:
        await app.post_init(app)  # type: ignore[misc]
        for i in range(10):
            usage.record("command", "colorectal", chat_type="private", language="en",
                         user_id=100 + i)
        for days in (1, 2):
            await feed(app, message(f"/stats {days}", chat_=chat(ADMIN),
                                    extra={"from": user(ADMIN)}))
        await app.post_shutdown(app)  # type: ignore[misc]
    one, two = (c.params["text"] for c in request_.sent("sendMessage"))
    return one, two


async def test_differencing_two_periods_cannot_recover_a_small_count(
        tmp_path: Path, services: Services) -> None:
    seen: dict[int, tuple[str, str]] = {}
    for yesterday in range(5):
        settings = Settings(token="1:x", db_path=tmp_path / f"{yesterday}.sqlite3",
                            admin_ids=frozenset({ADMIN}))
        seen[yesterday] = await stats_pair(settings, services, yesterday)
    assert "Interactions: <b>10</b>" in seen[0][1]
    assert "Interactions: <b>15</b>" in seen[4][1]  # the figures are real, only rounded...
    for yesterday in range(1, 5):  # ...and each small count looks exactly like another one
        twins = [other for other in range(5) if other != yesterday
                 and seen[other] == seen[yesterday]]
        assert twins, f"{yesterday} reader(s) yesterday can be told apart from every other count"
    for _, two in seen.values():
        assert "ovarian" not in two.lower()
        assert " fa " not in two
