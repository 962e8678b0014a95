"""Shared fixtures: settings on temporary paths, services built once, a wired Application."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from bot.app import build_services
from bot.config import Settings
from bot.context import Services
from tests.botproc import BotProcess, running_bot
from tests.fakeapi import FakeBotAPI
from tests.recording import RecordingRequest
from tests.recording import application as wired

TOKEN = "123456:TEST-token-not-real_abcdefghijklmnop"
# As ``python -m bot`` does: durations as timedelta, not a deprecation warning (an error here).
os.environ.setdefault("PTB_TIMEDELTA", "true")

# Property tests: the same examples on every CI run (a submission cannot pass or fail by luck),
# fresh ones locally to keep exploring. Either way a failure prints its example and the blob
# to replay it with ``@reproduce_failure``.
hypothesis_settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
hypothesis_settings.register_profile("explore", print_blob=True)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "explore")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with a fake token and the database in a temporary folder."""
    return Settings(token=TOKEN, db_path=tmp_path / "usage.sqlite3", admin_ids=frozenset({999}))


@pytest.fixture(scope="session")
def services() -> Services:
    """The real content, rendered once for the whole test session (no usage log: see ``app``)."""
    return dataclasses.replace(build_services(Settings(token=TOKEN)), usage=None)


@pytest.fixture
def request_() -> RecordingRequest:
    """Records every Bot API call."""
    return RecordingRequest()


@pytest.fixture
async def app(
    settings: Settings, services: Services, request_: RecordingRequest
) -> AsyncIterator[object]:
    """The real Application, initialised (getMe done), talking to the recording request.

    It records usage into a real SQLite file in ``tmp_path``, opened by ``post_init`` and
    flushed and closed by ``post_shutdown``, as when the bot runs.
    """
    application = wired(settings, services, request_)
    async with application:
        await application.post_init(application)  # type: ignore[misc]
        try:
            yield application
        finally:
            await application.post_shutdown(application)  # type: ignore[misc]


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotAPI]:
    """A fake Bot API server on 127.0.0.1."""
    async with FakeBotAPI(bot_username="MetLiverTestBot") as server:
        yield server


@pytest.fixture
async def bot(fake: FakeBotAPI, tmp_path: Path) -> AsyncIterator[BotProcess]:
    """The real bot (``python -m bot run``) as a subprocess, polling the fake server."""
    async with running_bot(fake, tmp_path) as process:
        yield process
