"""Through the real Application: a failing database never costs an answer, and drops are shown.

Also: handlers running concurrently record thousands of events and none is lost.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from telegram import Update
from telegram.ext import Application

from bot.app import build_application
from bot.config import Settings
from bot.content.keyboards import encode
from bot.context import BotContext, Services
from bot.handlers.track import track
from bot.usage.log import UsageLog
from tests.recording import RecordingRequest, callback, chat, feed, message, user
from tests.usagekit import total_dropped, total_events, write_locked

ADMIN = 999


@asynccontextmanager
async def bot_with(settings: Settings, services: Services, usage: UsageLog,
                   request_: RecordingRequest) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    """The real Application with ``usage`` as its log, started and shut down as when running."""
    app = build_application(settings, request=request_, services=dataclasses.replace(
        services, settings=settings, usage=usage))
    async with app:
        await app.post_init(app)  # type: ignore[misc]
        try:
            yield app
        finally:
            await app.post_shutdown(app)  # type: ignore[misc]


def mixed_updates(count: int) -> list[dict[str, Any]]:
    sections = ["overview", "colorectal", "breast", "lung", "symptoms"]
    updates = []
    for i in range(count):
        section = sections[i % len(sections)]
        updates.append(callback(encode("s", section)) if i % 2 else message(f"/{section}"))
    return updates


def answers(request_: RecordingRequest) -> int:
    return len(request_.sent("sendMessage")) + len(request_.sent("editMessageText"))


def dropped_on_stats(request_: RecordingRequest) -> int:
    text = request_.sent("sendMessage")[-1].params["text"]
    found = re.search(r"Events dropped: <b>(\d+)</b>", text)
    assert found, text
    return int(found.group(1))


async def test_concurrent_updates_lose_no_events(settings: Settings, services: Services,
                                                 request_: RecordingRequest) -> None:
    usage = UsageLog(settings.db_path, batch_size=10)
    async with bot_with(settings, services, usage, request_) as app:
        # (the bot's rate limiter lets ~30 API calls a second through: keep this one small)
        await asyncio.gather(*(feed(app, raw) for raw in mixed_updates(60)))
    assert answers(request_) == 60
    assert total_events(settings.db_path) == 60


async def test_thousands_of_concurrent_track_calls_lose_none(
        settings: Settings, services: Services, request_: RecordingRequest) -> None:
    usage = UsageLog(settings.db_path, batch_size=100)
    async with bot_with(settings, services, usage, request_) as app:
        updates = [Update.de_json(raw, app.bot) for raw in mixed_updates(40)]

        async def handler(update: Update) -> None:
            context = BotContext.from_update(update, app)
            for i in range(100):
                track(update, context, "button", f"section{i % 9}")  # the hook handlers call
                await asyncio.sleep(0)

        await asyncio.gather(*(handler(u) for u in updates))
    assert total_events(settings.db_path) == 4000
    assert total_dropped(settings.db_path) == 0


async def test_unwritable_path(tmp_path: Path, settings: Settings, services: Services,
                               request_: RecordingRequest,
                               caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "not-a-folder").write_text("")
    usage = UsageLog(tmp_path / "not-a-folder" / "usage.sqlite3", queue_size=4,
                     shutdown_grace=0.2, report_wait=0.1)
    async with bot_with(settings, services, usage, request_) as app:
        for raw in mixed_updates(10):
            await feed(app, raw)
        assert answers(request_) == 10
        await feed(app, message("/stats", chat_=chat(ADMIN), extra={"from": user(ADMIN)}))
        report = request_.sent("sendMessage")[-1].params["text"]
        assert "cannot be read right now" in report
        # (how many the writer holds besides the queue depends on timing; the sum does not)
        found = re.search(r"waiting to be written: (\d+)", report)
        assert found, report
        waiting = int(found.group(1))
        assert dropped_on_stats(request_) == 10 - waiting
        assert 4 <= waiting < 10
    assert len([r for r in caplog.records if "usage log unavailable" in r.getMessage()]) == 1


async def test_locked_database(settings: Settings, services: Services,
                               request_: RecordingRequest) -> None:
    usage = UsageLog(settings.db_path, queue_size=5, busy_timeout=0.05, report_wait=0.1)
    async with bot_with(settings, services, usage, request_) as app:
        with write_locked(settings.db_path):
            for raw in mixed_updates(20):
                await feed(app, raw)
            assert answers(request_) == 20
            await feed(app, message("/stats", chat_=chat(ADMIN), extra={"from": user(ADMIN)}))
            dropped = dropped_on_stats(request_)
            assert dropped >= 5  # at most the queue (5) and one batch (5) wait in memory
    # Once the lock is gone, everything still queued is written and the drops are on file.
    assert total_dropped(settings.db_path) == dropped
    assert total_events(settings.db_path) == 20 - dropped


async def test_file_removed_while_running(settings: Settings, services: Services,
                                          request_: RecordingRequest) -> None:
    usage = UsageLog(settings.db_path)
    async with bot_with(settings, services, usage, request_) as app:
        for raw in mixed_updates(6):
            await feed(app, raw)
        assert await usage.flush()
        remove(settings.db_path)
        for raw in mixed_updates(8):
            await feed(app, raw)
        assert answers(request_) == 14
        await feed(app, message("/stats", chat_=chat(ADMIN), extra={"from": user(ADMIN)}))
        text = request_.sent("sendMessage")[-1].params["text"]
        assert "Interactions: <b>10</b>" in text  # the 8 of the new file, rounded to 5
        assert dropped_on_stats(request_) == 0
    assert total_events(settings.db_path) == 8


def remove(path: Path) -> None:
    """What ``rm usage.sqlite3*`` does."""
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        os.remove(name)
