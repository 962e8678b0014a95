"""A Telegram-like webhook sender, for the scale-out tests and the webhook load benchmark.

:class:`TelegramSender` delivers updates the way the Bot API server does (``WebhookActor.cpp``):
each update belongs to a queue (a message to its chat, a button tap or an inline query to its
sender); at most one update per queue is in flight; up to ``max_connections`` queues at once;
a non-2xx answer or a time-out is retried at once, then after 2, 4, 8 … seconds (scaled here by
``delay_scale``), honouring ``Retry-After``, until the update is answered. A 2xx answer that
carries a Bot API call (``{"method": …}``) has that call made, as Telegram makes it: given to
``on_reply`` (e.g. :meth:`tests.fakeapi.FakeBotAPI.webhook_reply`), else kept in ``replies``.

Give it a list (:meth:`TelegramSender.deliver`), or feed it over time: inside
``async with sender.open():`` call :meth:`TelegramSender.put` as updates arrive and
``await sender.drained()`` for every queue to empty.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from tests.leanhttp import Pool, RequestFailed

SECRET = "scale-test-secret_0123456789abcdefghijkl"  # 40 characters
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

Queue = tuple[str, int]


def queue_key(update: dict[str, Any]) -> Queue:
    """The delivery queue: messages by chat, taps and inline queries by their sender."""
    for kind in ("message", "edited_message", "channel_post", "my_chat_member"):
        if kind in update:
            return "chat", int(update[kind]["chat"]["id"])
    for kind in ("callback_query", "inline_query", "chosen_inline_result"):
        if kind in update:
            return "user", int(update[kind]["from"]["id"])
    return "other", 0


@dataclass
class TelegramSender:
    """Delivers updates to ``url`` like Telegram does (see the module docstring)."""

    url: str
    max_connections: int = 40
    timeout: float = 15.0
    delay_scale: float = 0.25  # 2, 4, 8 s become 0.5, 1, 2 s; Retry-After is honoured as is
    secret: str = SECRET
    on_reply: Callable[[dict[str, Any]], object] | None = None  # makes answers' calls
    statuses: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    replies: list[dict[str, Any]] = field(default_factory=list)  # such calls, without on_reply
    _queues: dict[Queue, deque[tuple[int, bytes]]] = field(default_factory=dict)
    _runners: dict[Queue, asyncio.Task[None]] = field(default_factory=dict)
    _pool: Pool | None = None
    _slots: asyncio.Semaphore | None = None

    async def deliver(self, updates: list[dict[str, Any]]) -> None:
        """Send every update, each queue in order, until each one got a 2xx."""
        async with self.open():
            for update in updates:
                self.put(update)
            await self.drained()

    @asynccontextmanager
    async def open(self) -> AsyncIterator[TelegramSender]:
        """A session for :meth:`put`; queues still running at the end are cancelled."""
        self._slots = asyncio.Semaphore(self.max_connections)
        self._pool = Pool(self.url, self.timeout)
        try:
            yield self
        finally:
            for task in self._runners.values():
                task.cancel()
            await asyncio.gather(*self._runners.values(), return_exceptions=True)
            self._pool.close()
            self._pool = None

    def put(self, update: dict[str, Any], body: bytes | None = None) -> None:
        """Queue one update (``body``: its JSON, if already encoded) behind its queue's others."""
        key = queue_key(update)
        queue = self._queues.setdefault(key, deque())
        queue.append((int(update["update_id"]), body or json.dumps(update).encode()))
        if key not in self._runners:
            self._runners[key] = asyncio.create_task(self._run(key, queue))

    async def drained(self) -> None:
        """Wait until every queue is empty and every update answered with a 2xx."""
        while self._runners:
            await asyncio.gather(*list(self._runners.values()))

    async def _run(self, key: Queue, queue: deque[tuple[int, bytes]]) -> None:
        assert self._slots is not None
        try:
            while queue:
                update_id, body = queue.popleft()
                async with self._slots:
                    await self._send(update_id, body)
        finally:
            del self._runners[key]
            if not queue:
                del self._queues[key]

    async def _send(self, update_id: int, body: bytes) -> None:
        assert self._pool is not None
        headers = {"Content-Type": "application/json", SECRET_HEADER: self.secret}
        failures = 0
        while True:
            retry_after: float | None = None
            try:
                answer = await self._pool.post(body, headers)
            except RequestFailed:
                self.statuses[update_id].append(0)
            else:
                self.statuses[update_id].append(answer.status)
                if 200 <= answer.status < 300:
                    if b'"method"' in answer.body:
                        self._reply(answer.body)
                    return
                if "retry-after" in answer.headers:
                    retry_after = float(answer.headers["retry-after"])
            failures += 1
            if retry_after is None:
                retry_after = 0 if failures == 1 else 2 ** (failures - 1) * self.delay_scale
            await asyncio.sleep(retry_after)

    def _reply(self, body: bytes) -> None:
        """Make the Bot API call a webhook answered with (its result is never reported)."""
        call = json.loads(body)
        if self.on_reply is None:
            self.replies.append(call)
        else:
            self.on_reply(call)
