"""Flood control: a 429 pauses only the chat it concerns, and the call is retried after it."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from telegram.error import RetryAfter

from bot.transport.ratelimit import ChatRateLimiter


class FloodOnce:
    """A Bot API call that answers 429 (retry after 1 s) the first time for one chat."""

    def __init__(self, flooded_chat: int) -> None:
        self.flooded_chat = flooded_chat
        self.done: list[int] = []
        self.floods = 0

    async def __call__(self, chat_id: int) -> bool:
        if chat_id == self.flooded_chat and not self.floods:
            self.floods += 1
            raise RetryAfter(timedelta(seconds=1))
        self.done.append(chat_id)
        return True


async def _send(limiter: ChatRateLimiter, call: Any, chat_id: int) -> Any:
    return await limiter.process_request(call, (chat_id,), {}, "sendMessage",
                                         {"chat_id": chat_id}, None)


async def test_flood_in_one_chat_does_not_hold_up_others() -> None:
    limiter = ChatRateLimiter(max_retries=2)
    call = FloodOnce(flooded_chat=-100)
    flooded = asyncio.create_task(_send(limiter, call, -100))
    await asyncio.sleep(0.05)  # the 429 has come back; that group is now paused
    assert limiter.paused_chats() == 1
    for chat_id in (1, 2, 3):
        assert await _send(limiter, call, chat_id) is True
    assert call.done == [1, 2, 3]  # answered while the group was still waiting
    assert await flooded is True
    assert call.done == [1, 2, 3, -100]  # ...and the group got its answer after the wait
    assert limiter.paused_chats() == 0


async def test_gives_up_after_max_retries() -> None:
    limiter = ChatRateLimiter(max_retries=0)

    async def always_flooded(chat_id: int) -> bool:
        raise RetryAfter(timedelta(seconds=0))

    with pytest.raises(RetryAfter):
        await _send(limiter, always_flooded, 5)


async def test_calls_without_a_chat_pause_only_each_other() -> None:
    limiter = ChatRateLimiter(max_retries=1)
    call = FloodOnce(flooded_chat=0)

    async def answer_query() -> bool:
        return await call(0)

    waiting = asyncio.create_task(limiter.process_request(
        answer_query, (), {}, "answerCallbackQuery", {"callback_query_id": "1"}, None))
    await asyncio.sleep(0.05)
    assert await _send(limiter, call, 7) is True
    assert call.done == [7]
    assert await waiting is True
