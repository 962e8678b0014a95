"""Telegram's flood limits, where a ``429`` pauses only the chat it concerns.

python-telegram-bot's ``AIORateLimiter`` halts *every* request of the bot for ``retry_after``
seconds when any one request gets a 429. For a health bot that means a busy family group can
hold up a patient's answer in a private chat. This limiter paces messages to a group at 20 a
minute (core.telegram.org/bots/faq) with ``aiolimiter``, but on a 429 it pauses only that chat;
calls that name no chat (callback and inline answers) pause only other such calls. If the limit
really was bot-wide, every other chat gets its own 429 and pauses too, so nothing waits longer
than Telegram asked.

A 429 asking for more than :data:`MAX_WAIT` seconds (a bot-wide flood ban can last hours) is
not waited out while holding a processing slot and blocking shutdown: the call gives up at once
(logged once per pause), and so do that chat's calls until the pause is over.

There is no overall cap by default: Telegram's "about 30 messages a second" is advice for bulk
broadcasts, and this bot only replies; a 30/s cap held the whole bot to about 35 updates a
second in the load benchmark (README, "Speed"). ``overall_per_second`` turns one on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

JSON = bool | dict[str, Any] | list[dict[str, Any]]
MAX_TRACKED = 1024  # chats with a group limiter or a pause; idle ones are forgotten beyond this
MAX_WAIT = 30.0  # seconds a call may wait for flood control; longer, and it gives up


class ChatRateLimiter(BaseRateLimiter[int]):
    """Paces requests like Telegram asks and retries a 429 after ``retry_after``, per chat."""

    def __init__(self, *, max_retries: int = 3, overall_per_second: float | None = None,
                 group_per_minute: float = 20) -> None:
        self.max_retries = max_retries
        self._overall = AsyncLimiter(overall_per_second, 1) if overall_per_second else None
        self._group_per_minute = group_per_minute
        self._groups: dict[int | str, AsyncLimiter] = {}
        self._paused_until: dict[int | str | None, float] = {}

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSON]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSON:
        """Run one Bot API call within the limits, retrying it after a 429."""
        chat = _chat_key(data.get("chat_id"))
        retries = self.max_retries if rate_limit_args is None else rate_limit_args
        for attempt in range(retries + 1):
            await self._wait_while_paused(chat)
            try:
                if not self._limited(chat):  # private chats and answers: nothing to pace
                    return await callback(*args, **kwargs)
                async with self._limits(chat):
                    return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if attempt == retries:
                    log.warning("%s still flood-limited after %d retries; giving up", endpoint,
                                retries)
                    raise
                seconds = _seconds(exc) + 0.1
                self._pause(chat, seconds)
                if seconds > MAX_WAIT:
                    log.warning("flood control on %s: Telegram asks this chat to wait %.0f s; "
                                "its answers are given up until then", endpoint, seconds)
                    raise
                log.info("flood control on %s: this chat waits %.1f s", endpoint, seconds)
        raise AssertionError("unreachable")  # the loop returns or raises

    def paused_chats(self) -> int:
        """How many chats are waiting out a 429 right now (for tests and diagnostics)."""
        now = asyncio.get_running_loop().time()
        return sum(1 for until in self._paused_until.values() if until > now)

    def _limited(self, chat: int | str | None) -> bool:
        return chat is not None and (self._overall is not None or _is_group(chat))

    @contextlib.asynccontextmanager
    async def _limits(self, chat: int | str | None) -> Any:
        group = self._group(chat) if chat is not None and _is_group(chat) else None
        async with contextlib.AsyncExitStack() as stack:
            if group is not None:
                await stack.enter_async_context(group)
            if chat is not None and self._overall is not None:  # messages to chats only
                await stack.enter_async_context(self._overall)
            yield

    def _group(self, chat: int | str) -> AsyncLimiter:
        if chat not in self._groups:
            if len(self._groups) >= MAX_TRACKED:
                idle = [k for k, lim in self._groups.items() if lim.has_capacity(lim.max_rate)]
                for key in idle:
                    del self._groups[key]
            self._groups[chat] = AsyncLimiter(self._group_per_minute, 60)
        return self._groups[chat]

    def _pause(self, chat: int | str | None, seconds: float) -> None:
        now = asyncio.get_running_loop().time()
        if len(self._paused_until) >= MAX_TRACKED:
            self._paused_until = {k: t for k, t in self._paused_until.items() if t > now}
        self._paused_until[chat] = max(self._paused_until.get(chat, 0.0), now + seconds)

    async def _wait_while_paused(self, chat: int | str | None) -> None:
        loop = asyncio.get_running_loop()
        # Sleeps exactly until the pause ends, then looks again: another 429 may have moved it.
        while (wait := self._paused_until.get(chat, 0.0) - loop.time()) > 0:
            if wait > MAX_WAIT:  # a long ban: fail now rather than hold a slot for hours
                raise RetryAfter(timedelta(seconds=int(wait) + 1))
            await asyncio.sleep(wait)


def _chat_key(chat_id: object) -> int | str | None:
    if chat_id is None:
        return None
    with contextlib.suppress(TypeError, ValueError):
        return int(chat_id)  # type: ignore[call-overload]
    return str(chat_id)  # "@channelusername"


def _is_group(chat: int | str) -> bool:
    """Groups and channels have negative ids (or an @username); people have positive ids."""
    return isinstance(chat, str) or chat < 0


def _seconds(exc: RetryAfter) -> float:
    value: Any = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
