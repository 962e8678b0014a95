"""Calls made in one turn of the event loop, sent to a store as one.

A webhook worker under load receives many updates in one turn of its event loop (one ``epoll``
wake-up reads every connection that has a request) and finishes many in one turn (every update
whose usage one write saved wakes at once). Each asked Redis on its own: a round trip, a socket
write and redis-py's per-command work, for what one script can do for all of them at once.

:class:`Coalescer` collects the items given to it until the loop's current turn is over (the
sending is scheduled with ``call_soon``, which runs after everything already due in this turn),
sends them in one call, and hands each caller its own result, or the call's exception. The items
are sent in the order they were given, so a script handling them one after another sees them as
it would have seen separate calls in that order, with nothing else in between.

A caller that is cancelled stops waiting; its item has still been sent (as a call of its own
could have been, the moment it was cancelled).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


class Coalescer(Generic[Item, Result]):
    """``await coalescer(item)``: ``send(items)`` once per turn of the loop, for every item."""

    def __init__(self, send: Callable[[list[Item]], Awaitable[Sequence[Result]]]) -> None:
        self._send = send
        self._items: list[Item] = []
        self._waiters: list[asyncio.Future[Result]] = []
        self._sending: set[asyncio.Task[None]] = set()  # (kept, so they are not collected)

    async def __call__(self, item: Item) -> Result:
        """``item``'s result, sent with the others of this turn of the loop."""
        loop = asyncio.get_running_loop()
        if not self._items:
            loop.call_soon(self._flush)
        waiter: asyncio.Future[Result] = loop.create_future()
        self._items.append(item)
        self._waiters.append(waiter)
        return await waiter

    def _flush(self) -> None:
        items, waiters = self._items, self._waiters
        self._items, self._waiters = [], []
        task = asyncio.get_running_loop().create_task(self._deliver(items, waiters))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _deliver(self, items: list[Item], waiters: list[asyncio.Future[Result]]) -> None:
        try:
            results = await self._send(items)
            if len(results) != len(items):
                raise ValueError(f"{len(results)} results for {len(items)} items")
        except Exception as exc:  # every caller gets the error it would have got alone
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_exception(exc)
            return
        except BaseException:  # cancelled (the loop is closing): nobody gets an answer
            for waiter in waiters:
                waiter.cancel()
            raise
        for waiter, result in zip(waiters, results, strict=True):
            if not waiter.done():  # (its caller was cancelled)
                waiter.set_result(result)
