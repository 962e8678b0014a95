"""Look-ahead long polling: the next getUpdates goes out before the last answer is parsed."""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import Callable
from typing import Any

import pytest
from telegram import Bot
from telegram.error import NetworkError
from telegram.request import BaseRequest, RequestData

from bot.app import build_application
from bot.config import Settings
from bot.context import Services
from bot.transport.polling import LookAheadRequest
from tests.recording import RecordingRequest, message

TOKEN = "123456:TEST-token-not-real_abcdefghijklmnop"


class ScriptedUpdates(BaseRequest):
    """Answers getUpdates from a script, then long-polls forever; records every request."""

    def __init__(self, *answers: list[dict[str, Any]] | Exception | int) -> None:
        self.answers: deque[list[dict[str, Any]] | Exception | int] = deque(answers)
        self.requests: list[dict[str, Any]] = []
        self.cancelled = 0
        self.seen: Callable[[], int] = lambda: 0  # how many updates the caller had queued
        self.queued_at_request: list[int] = []
        self.progress = asyncio.Event()

    @property
    def read_timeout(self) -> float | None:
        """No default read timeout."""
        return None

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        """The next scripted answer; an empty answer for a ``timeout=0`` poll."""
        params = dict(request_data.parameters) if request_data else {}
        self.requests.append(params)
        self.queued_at_request.append(self.seen())
        self.progress.set()
        if self.answers:
            answer = self.answers.popleft()
            if isinstance(answer, Exception):
                raise answer
            if isinstance(answer, int):
                return answer, b'{"ok":false,"error_code":502,"description":"Bad Gateway"}'
            return 200, json.dumps({"ok": True, "result": answer}).encode()
        if params.get("timeout") == 0:
            return 200, b'{"ok":true,"result":[]}'
        try:
            await asyncio.Event().wait()  # a long poll with nothing to hand out
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        raise AssertionError("unreachable")


def updates(*ids: int) -> list[dict[str, Any]]:
    """Message updates with these update ids."""
    return [message("/help") | {"update_id": update_id} for update_id in ids]


async def test_polling_asks_for_the_next_batch_before_reading_this_one(
        settings: Settings, services: Services) -> None:
    scripted = ScriptedUpdates(updates(1, 2, 3), updates(4, 5, 6))
    answers = RecordingRequest()
    app = build_application(settings, request=answers, services=services,
                            get_updates_request=LookAheadRequest(scripted))
    queued: list[object] = []
    put = app.update_queue.put

    async def counting_put(item: object) -> None:
        queued.append(item)
        scripted.progress.set()
        await put(item)

    app.update_queue.put = counting_put  # type: ignore[method-assign]
    scripted.seen = lambda: len(queued)
    async with app:
        await app.updater.start_polling(timeout=10)
        await app.start()
        async with asyncio.timeout(10):  # only keeps a broken build from hanging
            while len(queued) < 6 or len(scripted.requests) < 3:
                scripted.progress.clear()
                await scripted.progress.wait()
        await app.updater.stop()
        await app.stop()
    offsets = [(r.get("offset"), r.get("timeout")) for r in scripted.requests]
    # One request per call python-telegram-bot made: the early ones were used, not repeated;
    # the last early poll was abandoned at shutdown and the final confirmation sent as asked.
    assert offsets == [(0, 10), (4, 10), (7, 10), (7, 0)]
    assert scripted.queued_at_request[:3] == [0, 0, 3]  # sent before the batch was queued
    assert scripted.cancelled == 1
    assert len(answers.sent("sendMessage")) == 6  # every update handled exactly once


async def bot_with(scripted: ScriptedUpdates) -> Bot:
    """An initialised Bot whose getUpdates goes through look-ahead to ``scripted``."""
    bot = Bot(TOKEN, request=RecordingRequest(), get_updates_request=LookAheadRequest(scripted))
    await bot.initialize()
    return bot


async def test_a_different_next_call_abandons_the_early_request() -> None:
    scripted = ScriptedUpdates(updates(1, 2))
    bot = await bot_with(scripted)
    first = await bot.get_updates(offset=0, timeout=10)
    await asyncio.sleep(0)
    confirm = await bot.get_updates(offset=3, timeout=0, limit=1)
    await bot.shutdown()
    assert [u.update_id for u in first] == [1, 2]
    assert confirm == ()
    assert [(r.get("offset"), r.get("timeout")) for r in scripted.requests] == [
        (0, 10), (3, 10), (3, 0)]
    assert scripted.cancelled == 1


async def test_a_failed_early_request_is_simply_sent_again() -> None:
    scripted = ScriptedUpdates(updates(1), NetworkError("connection reset"), updates(2))
    bot = await bot_with(scripted)
    await bot.get_updates(offset=0, timeout=5)
    again = await bot.get_updates(offset=2, timeout=5)
    await bot.shutdown()
    assert [u.update_id for u in again] == [2]
    assert [r.get("offset") for r in scripted.requests][:3] == [0, 2, 2]


async def test_no_look_ahead_after_an_error_answer() -> None:
    scripted = ScriptedUpdates(502, updates(1))
    bot = await bot_with(scripted)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.get_updates(offset=0, timeout=5)
    assert len(scripted.requests) == 1  # nothing was sent early after the failure
    assert [u.update_id for u in await bot.get_updates(offset=0, timeout=5)] == [1]
    await bot.shutdown()


async def test_shutdown_abandons_a_waiting_early_request() -> None:
    scripted = ScriptedUpdates(updates(1))
    bot = await bot_with(scripted)
    await bot.get_updates(offset=0, timeout=5)
    await asyncio.sleep(0)
    assert len(scripted.requests) == 2  # the early poll for offset 2 is waiting
    await bot.shutdown()
    assert scripted.cancelled == 1
