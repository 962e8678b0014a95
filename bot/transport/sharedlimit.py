"""Flood control shared by several workers, in Redis (the same rules as :mod:`.ratelimit`).

A ``429`` pauses only the chat it concerns, for every worker: ``pause:{chat}`` is set with the
``retry_after`` as its time to live (a longer pause is never shortened), and each worker waits
it out before calling the Bot API for that chat (it looks before each call, unless the claim of
the update it handles has just read the pause: :mod:`bot.transport.pauses`). A group's 20
messages a minute are counted across workers in ``group:{chat}``, a sorted set of the last
minute's sends kept by one Lua script on Redis's clock, so two workers can never both take the
20th slot. Chats are named by their day token, never their id; a pause or a minute that runs
past midnight is written under the next day's token too. If Redis fails, the call goes ahead
(Telegram's own 429 is the backstop).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable, Coroutine
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from redis.exceptions import RedisError
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.transport.pauses import NO_CHAT
from bot.transport.ratelimit import JSON, _chat_key, _is_group, _seconds
from bot.transport.shared import SharedState

log = logging.getLogger(__name__)

SLOT_WINDOW = 60  # seconds: a group's 20 messages a minute
# KEYS[1] the chat's pause, KEYS[2] the group's set (KEYS[3] tomorrow's, near midnight); ARGV:
# window seconds, limit, a unique member. Returns 0 (a slot taken), or the seconds to wait: the
# pause's, or until the oldest of the minute's sends leaves it. One round trip for both checks.
_SLOT = """
local paused = redis.call('PTTL', KEYS[1])
if paused > 0 then return tostring(paused / 1000) end
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
if redis.call('ZCARD', KEYS[2]) < tonumber(ARGV[2]) then
  for i = 2, #KEYS do
    redis.call('ZADD', KEYS[i], now, ARGV[3])
    redis.call('EXPIRE', KEYS[i], math.ceil(window) + 1)
  end
  return '0'
end
local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')[2]
return tostring(tonumber(oldest) + window - now)
"""
# KEYS the pause (today's, and tomorrow's if it lasts past midnight); ARGV[1] milliseconds.
# Only ever lengthens a pause.
_PAUSE = """
for _, key in ipairs(KEYS) do
  if redis.call('PTTL', key) < tonumber(ARGV[1]) then
    redis.call('SET', key, '1', 'PX', ARGV[1])
  end
end
return 1
"""


class SharedRateLimiter(BaseRateLimiter[int]):
    """Per-chat pauses and group pacing that hold across every worker."""

    def __init__(self, state: SharedState, *, max_retries: int = 3,
                 group_per_minute: int = 20, on_flood: Callable[[], None] | None = None) -> None:
        self.state = state
        self.max_retries = max_retries
        self.group_per_minute = group_per_minute
        self.on_flood = on_flood
        self._slot = state.redis.register_script(_SLOT)
        self._pause_script = state.redis.register_script(_PAUSE)

    async def initialize(self) -> None:
        """Nothing to set up (the connection is the shared state's)."""

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
        """Run one Bot API call within the shared limits, retrying it after a 429."""
        chat = _chat_key(data.get("chat_id"))
        token = NO_CHAT if chat is None else await self._token(chat)
        retries = self.max_retries if rate_limit_args is None else rate_limit_args
        for attempt in range(retries + 1):
            if chat is not None and _is_group(chat):  # the pause and a slot, in one trip
                await self._wait_for_slot(token, await self._tokens(chat, token, SLOT_WINDOW))
            else:
                await self._wait_while_paused(token)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if self.on_flood is not None:
                    self.on_flood()
                if attempt == retries:
                    log.warning("%s still flood-limited after %d retries; giving up", endpoint,
                                retries)
                    raise
                seconds = _seconds(exc) + 0.1
                log.info("flood control on %s: this chat waits %.1f s (all workers)", endpoint,
                         seconds)
                self.state.pauses.forget(token)  # from now on ask Redis
                await self._pause(await self._tokens(chat, token, seconds), seconds)
        raise AssertionError("unreachable")  # the loop returns or raises

    async def _token(self, chat: int | str, day: date | None = None) -> str:
        try:
            return await self.state.chat_token(chat, day)
        except (RedisError, OSError):
            return NO_CHAT

    async def _tokens(self, chat: int | str | None, token: str, seconds: float) -> list[str]:
        """``token``, and the chat's token of tomorrow if ``seconds`` from now is past midnight
        (the day's key names chats differently then; a pause must not be forgotten)."""
        now = self.state.clock()
        midnight = datetime.combine(now.date() + timedelta(days=1), time(0), UTC)
        if chat is None or token == NO_CHAT or now + timedelta(seconds=seconds) < midnight:
            return [token]
        tomorrow = await self._token(chat, midnight.date())
        return [token] if tomorrow == NO_CHAT else [token, tomorrow]

    async def _pause(self, tokens: list[str], seconds: float) -> None:
        try:
            await self._pause_script(keys=[self.state.key("pause", t) for t in tokens],
                                     args=[int(seconds * 1000)])
        except (RedisError, OSError) as exc:
            log.warning("could not share a flood pause (%s); waiting here only",
                        type(exc).__name__)
            await asyncio.sleep(seconds)

    async def _wait_while_paused(self, token: str) -> None:
        known = self.state.pauses.wait(token)  # as this update's claim read it, still true
        if known == 0:
            return
        if known is not None:  # paused: wait that out, then ask (another 429 may move it)
            await asyncio.sleep(known)
            self.state.pauses.forget(token)
        name = self.state.key("pause", token)
        while True:
            try:
                wait_ms = await self.state.redis.pttl(name)
            except (RedisError, OSError):
                return
            if wait_ms <= 0:
                return
            await asyncio.sleep(wait_ms / 1000)

    async def _wait_for_slot(self, token: str, tokens: list[str]) -> None:
        names = [self.state.key("pause", token)] + [self.state.key("group", t) for t in tokens]
        while True:
            try:
                wait = float(await self._slot(keys=names, args=[
                    SLOT_WINDOW, self.group_per_minute, secrets.token_hex(6)]))
            except (RedisError, OSError, ValueError):
                return
            if wait <= 0:
                return
            await asyncio.sleep(wait)
