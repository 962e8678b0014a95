"""The usage log on real SQLite files: what is stored, uniques, roll-up, faults, no losses."""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path

import pytest

from bot.usage.log import UsageLog
from bot.usage.sqlite import MIGRATIONS
from tests.usagekit import FakeClock, rows, total_dropped, total_events, write_locked


def event(log: UsageLog, kind: str = "command", section: str | None = "overview", *,
          chat_type: str = "private", language: str = "en", user_id: int | None = 1) -> None:
    log.record(kind, section, chat_type=chat_type, language=language, user_id=user_id)


async def test_counts_per_hour_and_combination(tmp_path: Path) -> None:
    clock = FakeClock()
    log = UsageLog(tmp_path / "usage.sqlite3", clock=clock)
    await log.start()
    event(log)
    event(log, user_id=2)
    event(log, "button", "breast", chat_type="supergroup", language="de")
    event(log, "unknown", None, user_id=None)
    clock.advance(hours=1)
    event(log)
    log.answer("breast", True)
    log.answer("breast", False)
    log.answer("breast", True)
    await log.close()
    path = tmp_path / "usage.sqlite3"
    assert rows(path, "SELECT * FROM events ORDER BY hour, kind") == [
        ("2026-03-04 10:00", "button", "breast", "supergroup", 1),
        ("2026-03-04 10:00", "command", "overview", "private", 2),
        ("2026-03-04 10:00", "unknown", "", "private", 1),
        ("2026-03-04 11:00", "command", "overview", "private", 1),
    ]
    # languages are counted apart from sections, per day only
    assert rows(path, "SELECT * FROM languages ORDER BY language") == [
        ("2026-03-04", "de", 1), ("2026-03-04", "en", 4)]
    assert rows(path, "SELECT * FROM daily_users") == [("2026-03-04", 2)]
    assert rows(path, "SELECT * FROM feedback") == [("breast", 2, 1)]
    assert rows(path, "SELECT * FROM dropped") == []


async def test_schema_wal_and_folder_created(tmp_path: Path) -> None:
    path = tmp_path / "data" / "deeper" / "usage.sqlite3"
    log = UsageLog(path)
    await log.start()
    assert path.is_file()
    assert rows(path, "PRAGMA journal_mode") == [("wal",)]
    assert rows(path, "PRAGMA user_version") == [(len(MIGRATIONS),)]
    await log.close()
    again = UsageLog(path)  # migrations are not applied twice
    await again.start()
    event(again)
    await again.close()
    assert total_events(path) == 1


async def test_newer_schema_is_refused_and_the_events_counted(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "usage.sqlite3"
    rows(path, "PRAGMA user_version = 99")
    log = UsageLog(path, shutdown_grace=0.2, report_wait=0.1)
    await log.start()
    assert "newer than this bot knows" in caplog.text
    assert "the bot answers anyway" in caplog.text
    event(log)
    assert not await log.flush(timeout=0.3)
    report = await log.report(7)
    assert (report.available, report.waiting) == (False, 1)
    await log.close()
    assert "1 records (events and feedback answers) could not be written" in caplog.text
    assert rows(path, "PRAGMA user_version") == [(99,)]  # the file was left alone


async def test_daily_uniques_with_a_key_replaced_each_day(tmp_path: Path) -> None:
    clock = FakeClock()
    log = UsageLog(tmp_path / "usage.sqlite3", clock=clock)
    await log.start()
    for user_id in (11, 11, 12, 11, None):
        event(log, user_id=user_id)
    first_key = log.uniques.key
    clock.advance(days=1)
    event(log, user_id=11)
    event(log, user_id=11)
    assert log.uniques.key != first_key
    assert len(log.uniques.key) == 32
    await log.close()
    assert rows(tmp_path / "usage.sqlite3", "SELECT * FROM daily_users ORDER BY day") == [
        ("2026-03-04", 2), ("2026-03-05", 1)]


async def test_old_hours_are_rolled_up_into_daily_totals(tmp_path: Path) -> None:
    clock = FakeClock()
    path = tmp_path / "usage.sqlite3"
    log = UsageLog(path, retention_days=30, clock=clock)
    await log.start()
    for _ in range(3):
        event(log)
    clock.advance(hours=5)
    event(log, "button")
    assert await log.flush()
    clock.advance(days=40)
    event(log, "deep_link", "lung")  # the first write of a new day rolls old hours up
    await log.close()
    assert rows(path, "SELECT hour, kind FROM events") == [("2026-04-13 15:00", "deep_link")]
    assert rows(path, "SELECT * FROM daily ORDER BY kind") == [
        ("2026-03-04", "button", "overview", "private", 1),
        ("2026-03-04", "command", "overview", "private", 3),
    ]
    restarted = UsageLog(path, retention_days=30, clock=clock)
    await restarted.start()
    report = await restarted.report(60)
    await restarted.close()
    assert report.total == 5
    assert report.per_day[-1] == 1
    assert sum(report.per_day) == 5


async def test_roll_up_at_start_up(tmp_path: Path) -> None:
    clock = FakeClock()
    path = tmp_path / "usage.sqlite3"
    log = UsageLog(path, retention_days=1, clock=clock)
    await log.start()
    event(log)
    await log.close()
    clock.advance(days=3)
    later = UsageLog(path, retention_days=1, clock=clock)
    await later.start()
    await later.close()
    assert rows(path, "SELECT count(*) FROM events") == [(0,)]
    assert total_events(path) == 1


async def test_close_writes_everything_still_queued(tmp_path: Path) -> None:
    log = UsageLog(tmp_path / "usage.sqlite3", batch_size=7)
    await log.start()
    for i in range(500):
        event(log, "button", f"s{i % 13}", user_id=i)
    assert log.waiting > 0  # nothing awaited yet: all of it is still in memory
    await log.close()
    assert total_events(tmp_path / "usage.sqlite3") == 500
    assert rows(tmp_path / "usage.sqlite3", "SELECT n FROM daily_users") == [(500,)]


async def test_concurrent_recorders_lose_nothing(tmp_path: Path) -> None:
    log = UsageLog(tmp_path / "usage.sqlite3", batch_size=50)
    await log.start()

    async def handler(worker: int) -> None:
        for i in range(200):
            event(log, "button", f"section{i % 7}", user_id=worker)
            await asyncio.sleep(0)  # let the writer and other handlers run in between

    await asyncio.gather(*(handler(w) for w in range(25)))
    await log.close()
    path = tmp_path / "usage.sqlite3"
    assert total_events(path) == 5000
    assert total_dropped(path) == 0
    assert rows(path, "SELECT n FROM daily_users") == [(25,)]


async def test_record_never_raises(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    def broken_clock() -> object:
        raise RuntimeError("clock broke")

    log = UsageLog(tmp_path / "usage.sqlite3", clock=broken_clock)  # type: ignore[arg-type]
    event(log)
    log.answer("overview", True)
    assert "usage event not recorded" in caplog.text
    assert "feedback answer not recorded" in caplog.text


async def test_unwritable_path_is_logged_once_and_drops_counted(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "file").write_text("not a folder")
    log = UsageLog(tmp_path / "file" / "usage.sqlite3", queue_size=3, shutdown_grace=0.2,
                   report_wait=0.1)
    with caplog.at_level(logging.WARNING, logger="bot.usage.log"):
        await log.start()
        for _ in range(10):
            event(log)
        assert not await log.flush(timeout=0.3)
        report = await log.report(1)
        await log.close()
    assert (report.available, report.waiting, report.dropped) == (False, 3, 7)
    unavailable = [r for r in caplog.records if "usage log unavailable" in r.getMessage()]
    assert len(unavailable) == 1
    assert "file/usage.sqlite3" in unavailable[0].getMessage()
    assert "cannot write" not in caplog.text  # retries are quiet after the first clear line
    assert "10 records (events and feedback answers) could not be written" in caplog.text


async def test_locked_database_drops_what_does_not_fit_and_writes_the_rest(
        tmp_path: Path) -> None:
    path = tmp_path / "usage.sqlite3"
    log = UsageLog(path, queue_size=5, busy_timeout=0.05, report_wait=0.2)
    await log.start()
    event(log)
    assert await log.flush()
    with write_locked(path):
        for _ in range(12):
            event(log)
        assert not await log.flush(timeout=0.5)
        report = await log.report(1)
        assert report.available  # readers are not blocked by a writer in WAL mode
        assert (report.total, report.dropped, report.waiting) == (1, 7, 5)
    await log.close()
    assert total_events(path) == 6
    assert total_dropped(path) == 7


@pytest.mark.parametrize("with_wal", [True, False])
async def test_file_removed_while_running_is_recreated(
        tmp_path: Path, caplog: pytest.LogCaptureFixture, with_wal: bool) -> None:
    path = tmp_path / "usage.sqlite3"
    log = UsageLog(path)
    await log.start()
    for _ in range(3):
        event(log)
    assert await log.flush()
    os.remove(path)
    if with_wal:
        for suffix in ("-wal", "-shm"):
            os.remove(f"{path}{suffix}")
    for _ in range(4):
        event(log, "button")
    assert await log.flush()
    await log.close()
    assert "was removed or replaced; starting a new file" in caplog.text
    assert rows(path, "SELECT kind, n FROM events") == [("button", 4)]
    assert rows(path, "PRAGMA user_version") == [(len(MIGRATIONS),)]


async def test_events_before_start_and_after_close(tmp_path: Path) -> None:
    path = tmp_path / "usage.sqlite3"
    log = UsageLog(path)
    event(log)  # the bot may get an update before post_init has opened the file
    await log.start()
    await log.close()
    event(log)  # too late: counted, not lost silently
    assert log.unsaved_drops == 1
    assert total_events(path) == 1
