"""Webhook delivery bookkeeping: which updates were handled, and one update per chat at a time.

Telegram redelivers an update when a webhook request times out or its worker dies, so a worker
asks :meth:`Delivery.claim` before handling one: ``NEW`` (handle it), ``DONE`` (already handled
here or by another worker: answer 200 and do nothing), ``BUSY`` (another worker, still alive,
is handling it now: answer 503 so Telegram tries again later). :meth:`Delivery.lock` holds a
chat for the short gap Telegram leaves (a tap and a message of one chat sit in different
delivery queues). :class:`LocalDelivery` does this in memory for a single process;
:class:`bot.transport.shareddelivery.SharedDelivery` does it in Redis for several workers.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from collections.abc import AsyncIterator
from typing import Protocol

NEW, DONE, BUSY = "new", "done", "busy"
REMEMBERED = 10_000  # update ids a single process remembers as handled


class Delivery(Protocol):
    """What the webhook server needs to hand each update to the bot exactly once."""

    async def claim(self, update_id: int, chat: int | None = None) -> str:
        """``NEW``, ``DONE`` or ``BUSY`` (see the module docstring); ``chat`` is the update's,
        whose lock may be taken at once."""

    async def done(self, update_id: int) -> None:
        """The update has been handled: a redelivery is answered without handling it again (and
        the chat's lock taken for it is released)."""

    def lock(self, chat: int | None,
             update_id: int | None = None) -> contextlib.AbstractAsyncContextManager[None]:
        """Hold ``chat`` (None: nothing to hold) while one update of it is handled; with
        ``update_id``, until :meth:`done` for it (at the latest)."""

    async def ready(self) -> bool:
        """Whether the shared store (if any) answers."""


class LocalDelivery:
    """One process: handled update ids in a bounded memory, a per-chat :class:`asyncio.Lock`."""

    def __init__(self, remembered: int = REMEMBERED) -> None:
        self.remembered = remembered
        self._seen: OrderedDict[int, bool] = OrderedDict()  # update id -> finished
        self._locks: dict[int, tuple[asyncio.Lock, list[int]]] = {}  # lock, [holders+waiters]

    async def claim(self, update_id: int, chat: int | None = None) -> str:
        """``NEW`` the first time an update id is seen; ``DONE`` or ``BUSY`` afterwards."""
        state = self._seen.get(update_id)
        if state is not None:
            return DONE if state else BUSY
        self._seen[update_id] = False
        while len(self._seen) > self.remembered:
            self._seen.popitem(last=False)
        return NEW

    async def done(self, update_id: int) -> None:
        """Mark the update handled."""
        self._seen[update_id] = True

    @contextlib.asynccontextmanager
    async def lock(self, chat: int | None, update_id: int | None = None) -> AsyncIterator[None]:
        """In one process the chat's updates already queue on an asyncio lock."""
        if chat is None:
            yield
            return
        lock, users = self._locks.setdefault(chat, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            async with lock:
                yield
        finally:
            users[0] -= 1
            if not users[0]:
                del self._locks[chat]  # nobody holds or waits: forget the chat id at once

    async def ready(self) -> bool:
        """Nothing shared to reach."""
        return True
