"""Webhook delivery across workers, in Redis: each update handled once, each chat by one worker.

:class:`SharedDelivery` is :class:`bot.transport.delivery.Delivery` for several workers (see
:mod:`bot.transport.shared` for the keys, the chat tokens and the connection). Two round trips
per update at most: :meth:`SharedDelivery.claim` takes the update and its chat's lock in one Lua
script (and reads the flood pauses its first sends would ask for, :mod:`bot.transport.pauses`),
:meth:`SharedDelivery.done` marks it handled and releases the lock in another; under load the
claims (and the dones) of one turn of the event loop share one call
(:mod:`bot.transport.coalesce`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator

from redis.exceptions import RedisError

from bot.transport.coalesce import Coalescer
from bot.transport.delivery import BUSY, DONE, NEW
from bot.transport.pauses import CHAT_TRUST, NO_CHAT, NONE_TRUST
from bot.transport.shared import SharedState, text

log = logging.getLogger(__name__)

CLAIM_TTL = 60  # an update claim outlives any handling (the webhook answers within ~10 s)
DONE_TTL = 24 * 3600  # Telegram gives up on an update well within a day
LOCK_TTL_MS = 5000  # the per-chat lock: longer than any one update takes, short if one dies
LOCK_WAIT = 5.0  # after this long a worker handles the update anyway (order over silence)
LOCK_POLL = 0.02  # seconds at most between looks at a chat's lock another worker holds

# Claims (and below, dones) that arrive in one turn of the event loop go in one script call
# (bot.transport.coalesce), handled one after another as separate calls would have been.
# KEYS[1] is the pause of calls naming no chat; then, per claim, its update and, if its chat's
# lock is asked for, the lock and the chat's pause. ARGV: worker, claim TTL, heartbeat prefix,
# lock TTL; then, per claim, its number of keys (1 or 3) and its lock value. Each update is
# claimed for this worker unless done, or held by a worker still alive; then its chat's lock is
# tried ('locked'), and that chat's pause read. Returns the no-chat PTTL, then per claim its
# verdict and its chat's PTTL (-2 if not read), so the first sends need not ask (.pauses).
_CLAIM = """
local out = {redis.call('PTTL', KEYS[1])}
local k = 2
for a = 5, #ARGV, 2 do
  local n, verdict, pause = tonumber(ARGV[a]), 'new', -2
  local v = redis.call('GET', KEYS[k])
  if v == 'done' then verdict = 'done'
  elseif v and (v == ARGV[1] or redis.call('EXISTS', ARGV[3] .. v) == 1) then verdict = 'busy'
  else
    redis.call('SET', KEYS[k], ARGV[1], 'EX', ARGV[2])
    if n == 3 and redis.call('SET', KEYS[k + 1], ARGV[a + 1], 'NX', 'PX', ARGV[4]) then
      verdict, pause = 'locked', redis.call('PTTL', KEYS[k + 2])
    end
  end
  out[#out + 1] = verdict
  out[#out + 1] = pause
  k = k + n
end
return out
"""
# Per done: its update (marked done, ARGV[1] seconds) and, if it holds one, its chat's lock
# (released if still ours); ARGV then holds, per done, its number of keys (1 or 2) and lock value.
_DONE = """
local k = 1
for a = 2, #ARGV, 2 do
  redis.call('SET', KEYS[k], 'done', 'EX', ARGV[1])
  if ARGV[a] == '2' and redis.call('GET', KEYS[k + 1]) == ARGV[a + 1] then
    redis.call('DEL', KEYS[k + 1])
  end
  k = k + tonumber(ARGV[a])
end
return 1
"""
_UNLOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class SharedDelivery:
    """:class:`bot.transport.delivery.Delivery` in Redis, for several workers."""

    def __init__(self, state: SharedState) -> None:
        self.state = state
        self._claims = Coalescer(self._claim_all)
        self._dones = Coalescer(self._done_all)
        self._claim = state.redis.register_script(_CLAIM)
        self._done = state.redis.register_script(_DONE)
        self._unlock = state.redis.register_script(_UNLOCK)
        self._held: dict[int, tuple[str, str, str]] = {}  # update id -> (lock key, our value,
        # the chat's token if its pause was noted with the lock)
        self._mine: dict[str, asyncio.Event] = {}  # locks held here -> set when let go

    async def claim(self, update_id: int, chat: int | None = None) -> str:
        """Take the update unless it is done or a live worker has it (and, if it can, the
        ``chat``'s lock for it, which :meth:`done` releases); note the pauses it read."""
        token = "" if chat is None else await self.state.chat_token(chat)
        return await self._claims((update_id, token))

    async def _claim_all(self, claims: list[tuple[int, str]]) -> list[str]:
        """One script call for ``claims`` (update id, chat token or ""); their verdicts."""
        state = self.state
        keys, args = [state.key("pause", NO_CHAT)], [
            state.worker, CLAIM_TTL, state.key("alive", ""), LOCK_TTL_MS]
        values = [secrets.token_hex(8) for _ in claims]
        for (update_id, token), me in zip(claims, values, strict=True):
            keys.append(state.key("update", update_id))
            if token:
                keys += [state.key("lock", token), state.key("pause", token)]
            args += [3 if token else 1, me]
        reply = await self._claim(keys=keys, args=args)
        state.pauses.note(NO_CHAT, int(reply[0]), NONE_TRUST)
        verdicts = []
        for n, ((update_id, token), me) in enumerate(zip(claims, values, strict=True)):
            verdict = text(reply[1 + 2 * n])
            if verdict == "locked":
                name = state.key("lock", token)
                self._held[update_id] = (name, me, token)
                self._mine[name] = asyncio.Event()
                state.pauses.note(token, int(reply[2 + 2 * n]), CHAT_TRUST)
            verdicts.append({"done": DONE, "busy": BUSY}.get(verdict, NEW))
        return verdicts

    async def done(self, update_id: int) -> None:
        """Remember for a day that the update was handled; release its chat's lock."""
        name, me, token = self._held.pop(update_id, ("", "", ""))
        if token:
            self.state.pauses.forget(token)  # another worker may have the chat from now on
        try:
            await self._dones((update_id, name, me))
        finally:
            self._let_go(name)

    async def _done_all(self, dones: list[tuple[int, str, str]]) -> list[None]:
        """One script call for ``dones`` (update id, lock key or "", lock value)."""
        keys, args = [], [DONE_TTL]
        for update_id, name, me in dones:
            keys += [self.state.key("update", update_id)] + ([name] if name else [])
            args += [2 if name else 1, me]
        await self._done(keys=keys, args=args)
        return [None] * len(dones)

    def _let_go(self, name: str) -> None:
        """Wake this worker's updates waiting for the chat's lock ``name`` (now free)."""
        released = self._mine.pop(name, None)
        if released is not None:
            released.set()

    @contextlib.asynccontextmanager
    async def lock(self, chat: int | None, update_id: int | None = None) -> AsyncIterator[None]:
        """Hold the chat across workers for one update (at most ``LOCK_WAIT`` of waiting).

        With ``update_id`` the lock is the update's: taken by :meth:`claim` if it was free then
        (no wait here), and released by :meth:`done`, once the update's usage is written. If an
        update of this worker holds it, the wait ends the moment that one lets go; if another
        worker does, the lock is looked at again every few milliseconds (at most
        :data:`LOCK_POLL`).
        """
        if chat is None or (update_id is not None and update_id in self._held):
            yield
            return
        name = self.state.key("lock", await self.state.chat_token(chat))
        me = secrets.token_hex(8)
        loop = asyncio.get_running_loop()
        give_up = loop.time() + LOCK_WAIT
        delay = 0.005
        while not await self.state.redis.set(name, me, nx=True, px=LOCK_TTL_MS):
            if loop.time() > give_up:
                log.warning("per-chat lock still held after %.0f s; handling anyway", LOCK_WAIT)
                break
            released = self._mine.get(name)
            if released is None:  # another worker's
                await asyncio.sleep(delay)
                delay = min(delay * 2, LOCK_POLL)
                continue
            with contextlib.suppress(TimeoutError):  # ours: until it is let go
                async with asyncio.timeout(give_up - loop.time()):
                    await released.wait()
        self._mine.setdefault(name, asyncio.Event())
        if update_id is not None:
            self._held[update_id] = (name, me, "")
            yield
            return
        try:
            yield
        finally:
            with contextlib.suppress(RedisError, OSError):
                await self._unlock(keys=[name], args=[me])
            self._let_go(name)

    async def ready(self) -> bool:
        """Redis answers."""
        return await self.state.ready()
