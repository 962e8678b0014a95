"""Concurrent update processing that keeps the order of updates within one chat.

python-telegram-bot hands every update to :meth:`BaseUpdateProcessor.process_update` in the order
Telegram delivered them, each in its own task, and holds one of ``max_concurrent_updates`` slots
while :meth:`ChatOrderedProcessor.do_process_update` runs. Here, the first update of a chat runs
at once; an update whose chat is still busy is queued behind it and run by the task of the busy
chat as soon as the earlier ones are done. So two quick taps in one chat are handled in order,
different chats never wait for each other, and a busy chat holds at most one slot however many
updates it has waiting (a group slowed by Telegram's per-group limit cannot starve the others).

The chat key is the effective chat's id, or the user's id for updates without a chat (inline
queries, chosen inline results, taps under messages sent through inline mode). Keys live in
memory only while that chat has updates in flight; they are never logged or stored.

Order between updates of one chat relies on the slots being granted first come, first served,
which :class:`asyncio.Semaphore` does from Python 3.11.1 on.

Backpressure: at most ``per_chat`` updates wait behind a busy chat; the excess of that one chat
is dropped and counted (one group member sending 5 commands a second would otherwise grow its
backlog by ~280 updates a minute). :attr:`overloaded` says when the whole backlog (updates
accepted and not finished) reaches ``total``: the webhook then answers 503 with
``Retry-After`` so that Telegram keeps the updates, and polling holds its next ``getUpdates``
(which would confirm the updates received) until the backlog is below the cap again.

Each update gets at most :data:`DEADLINE` seconds (flood waits are capped at 30 s, retries at a
few seconds), so ``Application.stop()``, which waits for every update in progress, is bounded
and SIGTERM gets to write the usage queue.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

log = logging.getLogger(__name__)

PER_CHAT = 20  # updates waiting behind one chat: a minute of answers at a group's pace
TOTAL = 2000  # updates accepted and not finished, in all: beyond this, Telegram keeps them
DEADLINE = 60.0  # seconds one update may take; beyond, it is abandoned (and logged)


def chat_key(update: object) -> int | None:
    """The id whose updates must be handled one after another, or None if any order will do."""
    if not isinstance(update, Update):
        return None
    chat = update.effective_chat
    if chat is not None:
        return chat.id
    user = update.effective_user
    return user.id if user is not None else None


class ChatOrderedProcessor(BaseUpdateProcessor):
    """Up to ``max_concurrent_updates`` chats at once; one update at a time within a chat."""

    __slots__ = ("_queued", "_running", "_waiting", "deadline", "dropped", "per_chat", "total")

    def __init__(self, max_concurrent_updates: int, *, per_chat: int = PER_CHAT,
                 total: int = TOTAL) -> None:
        super().__init__(max_concurrent_updates)
        self.per_chat, self.total = per_chat, total
        self.deadline = DEADLINE
        self.dropped = 0  # updates of one chat over its cap, dropped since start
        self._running = 0  # updates handed to process_update and not returned
        self._queued = 0  # updates waiting behind their chat
        # For every chat with an update in progress: the updates queued behind it, in order.
        self._waiting: dict[int, deque[Awaitable[Any]]] = {}

    @property
    def backlog(self) -> int:
        """Updates accepted and not finished: waiting for a slot, running or queued."""
        return self._running + self._queued

    @property
    def overloaded(self) -> bool:
        """The backlog has reached ``total``: accept no more until it shrinks."""
        return self.backlog >= self.total

    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Count the update in the backlog while it waits for a slot and runs."""
        self._running += 1
        try:
            await super().process_update(update, coroutine)
        finally:
            self._running -= 1

    @property
    def busy_chats(self) -> int:
        """How many chats have an update in progress right now."""
        return len(self._waiting)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run ``coroutine`` now, or queue it behind the updates of its chat still in progress."""
        key = chat_key(update)
        if key is None:
            await _within_deadline(coroutine, self.deadline)
            return
        queue = self._waiting.get(key)
        if queue is not None and len(queue) >= self.per_chat:
            self.dropped += 1  # this chat is flooding: its excess is dropped, the others wait
            _discard(coroutine)
            if self.dropped == 1 or self.dropped % 100 == 0:
                log.warning("a chat sent more updates than it can be answered; %d dropped so "
                            "far (at most %d wait per chat)", self.dropped, self.per_chat)
            return
        if queue is not None:
            queue.append(coroutine)  # the chat's running task will get to it, in order
            self._queued += 1
            return
        queue = self._waiting[key] = deque()
        try:
            error: Exception | None = None
            try:
                await _within_deadline(coroutine, self.deadline)
            except Exception as exc:  # the updates queued behind it must still run
                error = exc
            while queue:
                self._queued -= 1
                await _run_queued(queue.popleft(), self.deadline)
            if error is not None:
                raise error
        finally:
            del self._waiting[key]
            self._queued -= len(queue)
            for left in queue:  # only when cancelled at shutdown
                _discard(left)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Drop updates still queued (the application has already waited for running ones)."""
        for queue in self._waiting.values():
            while queue:
                self._queued -= 1
                _discard(queue.popleft())


async def _within_deadline(coroutine: Awaitable[Any], seconds: float) -> None:
    """Run one update for ``seconds`` at most."""
    deadline = asyncio.timeout(seconds)
    try:
        async with deadline:
            await coroutine
    except TimeoutError:
        if not deadline.expired():
            raise
        log.error("an update took longer than %g s and was abandoned", seconds)


async def _run_queued(coroutine: Awaitable[Any], seconds: float) -> None:
    """Run one queued update; its errors went to the error handler, so only log leftovers."""
    try:
        await _within_deadline(coroutine, seconds)
    except Exception as exc:
        log.error("error while processing a queued update: %s", type(exc).__name__,
                  exc_info=exc)


def _discard(coroutine: Awaitable[Any]) -> None:
    """Close a queued update that will never run, so Python does not warn it was not awaited."""
    if isinstance(coroutine, Coroutine):
        coroutine.close()
