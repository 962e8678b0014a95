"""Long polling that asks Telegram for the next updates while the bot reads the last ones.

python-telegram-bot polls one ``getUpdates`` at a time: it waits for the answer, turns up to 100
updates into objects, queues them, and only then asks again. Under load the next round trip to
Telegram therefore starts tens of milliseconds late, every time; with 50 ms round trips this
capped the bot near 700 updates/s with a third of its CPU idle (``benchmarks/load.py``).

:class:`LookAheadRequest` is the request object python-telegram-bot uses for ``getUpdates``. As
soon as an answer arrives it sends the request python-telegram-bot will make next — same
parameters, ``offset`` just past the last update received — and hands that answer over when the
call comes. Nothing else changes: the offset confirms exactly the updates python-telegram-bot
confirms with its next call anyway (a few milliseconds later), and only one ``getUpdates`` is
ever waiting at Telegram. If the next call differs (at shutdown python-telegram-bot confirms
with ``timeout=0``), the early request is cancelled and the call is sent as it is; updates an
abandoned request may have fetched were not confirmed, so Telegram hands them out again.

Backpressure: while ``hold()`` is true (the bot's backlog is at its cap, see
:mod:`bot.transport.processor`) no early request is started and the next long poll waits, so
Telegram keeps the updates not yet confirmed instead of the bot piling them up in memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from typing import Any

from telegram.request import BaseRequest, RequestData

from bot.transport.ptb_private import request_data

log = logging.getLogger(__name__)
HOLD_CHECK = 0.05  # seconds between looks at the backlog while holding the next poll


class LookAheadRequest(BaseRequest):
    """Wraps the ``getUpdates`` request object; starts each next poll as early as possible."""

    __slots__ = ("_ahead", "_hold", "_inner")

    def __init__(self, inner: BaseRequest, hold: Callable[[], bool] = lambda: False) -> None:
        self._inner = inner
        self._hold = hold
        self._ahead: tuple[str, dict[str, Any], asyncio.Task[tuple[int, bytes]]] | None = None

    @property
    def read_timeout(self) -> float | None:
        """The wrapped request's default read timeout."""
        return self._inner.read_timeout

    async def initialize(self) -> None:
        """Initialise the wrapped request."""
        await self._inner.initialize()

    async def shutdown(self) -> None:
        """Abandon any early request, then shut the wrapped request down."""
        await self._abandon()
        await self._inner.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Answer from the early request if it asked exactly this; else ask now."""
        timeouts = (read_timeout, write_timeout, connect_timeout, pool_timeout)
        params = request_data.parameters if request_data is not None else {}
        answer: tuple[int, bytes] | None = None
        if self._ahead is not None and self._ahead[:2] == (url, params):
            task = self._ahead[2]
            self._ahead = None
            with contextlib.suppress(Exception):  # a failed early request is simply retried
                answer = await task
        await self._abandon()
        if answer is None:
            if url.endswith("/getUpdates") and params.get("timeout"):
                await self._wait_while_held()
            answer = await self._inner.do_request(url, method, request_data, *timeouts)
        if url.endswith("/getUpdates") and method == "POST" and self._look_ahead(
                url, params, answer, timeouts):
            await asyncio.sleep(0)  # let the early request go out before the updates are parsed
        return answer

    def _look_ahead(self, url: str, params: dict[str, Any], answer: tuple[int, bytes],
                    timeouts: tuple[Any, ...]) -> bool:
        """Start the call python-telegram-bot will make after reading ``answer``."""
        status, body = answer
        if status != 200 or not params.get("timeout") or self._hold():
            return False  # after an error, a quick check (shutdown confirmation), or held
        try:
            updates = json.loads(body)["result"]
            offset = updates[-1]["update_id"] + 1 if updates else params.get("offset")
        except (ValueError, LookupError, TypeError):
            return False  # python-telegram-bot will report what is wrong with this answer
        following = dict(params)
        if offset is not None:
            following["offset"] = offset
        data = request_data(following)
        task = asyncio.create_task(self._inner.do_request(url, "POST", data, *timeouts))
        self._ahead = (url, following, task)
        return True

    async def _wait_while_held(self) -> None:
        """Until the backlog is below its cap: the next poll would confirm what was received."""
        if not self._hold():
            return
        log.warning("backlog at its cap: holding the next getUpdates until it shrinks")
        while self._hold():  # noqa: ASYNC110 -- a count owned elsewhere, looked at only while held
            await asyncio.sleep(HOLD_CHECK)

    async def _abandon(self) -> None:
        """Cancel an early request nobody will use (Telegram ends it with a 409, harmlessly)."""
        if self._ahead is None:
            return
        task = self._ahead[2]
        self._ahead = None
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
