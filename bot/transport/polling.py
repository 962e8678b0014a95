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

One bad update costs only itself. python-telegram-bot parses a batch as a whole: one update it
cannot read fails the batch (after logging all of it, see :class:`bot.logs.PrivacyFilter`),
and it asks again with the same offset, for the same batch, forever, or, with look-ahead,
after the early request has already confirmed it to Telegram, losing up to 100 updates. So
when the same offset is asked again, the batch is handed back update by update: those that
parse, with the ones that don't skipped (their ids logged) and never asked for again. This
needs nothing of python-telegram-bot but the request object it already lets us supply, and
costs nothing until a batch fails: the alternative, a ``Bot`` subclass re-implementing
``get_updates``, would replace the whole of ``ApplicationBuilder``'s wiring of the bot.

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

from telegram import Update
from telegram.request import BaseRequest, RequestData

from bot.transport.ptb_private import request_data as _request_data

log = logging.getLogger(__name__)
HOLD_CHECK = 0.05  # seconds between looks at the backlog while holding the next poll


class LookAheadRequest(BaseRequest):
    """Wraps the ``getUpdates`` request object; starts each next poll as early as possible."""

    __slots__ = ("_ahead", "_batch", "_hold", "_inner", "_skip_to")

    def __init__(self, inner: BaseRequest, hold: Callable[[], bool] = lambda: False) -> None:
        self._inner = inner
        self._hold = hold
        self._batch: tuple[Any, list[Any]] | None = None  # offset asked, updates answered
        self._skip_to: int | None = None  # updates below this failed to parse: never again
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
        polling = url.endswith("/getUpdates")
        if polling and self._batch is not None and params.get("offset") == self._batch[0]:
            return self._salvage()  # the same batch asked again: it failed to parse
        if polling and self._skip_to is not None and isinstance(params.get("offset"), int) \
                and params["offset"] < self._skip_to:
            params = dict(params) | {"offset": self._skip_to}
            request_data = _request_data(params)
        answer: tuple[int, bytes] | None = None
        if self._ahead is not None and self._ahead[:2] == (url, params):
            task = self._ahead[2]
            self._ahead = None
            with contextlib.suppress(Exception):  # a failed early request is simply retried
                answer = await task
        await self._abandon()
        if answer is None:
            if polling and params.get("timeout"):
                await self._wait_while_held()
            answer = await self._inner.do_request(url, method, request_data, *timeouts)
        if polling and method == "POST" and self._look_ahead(
                url, params, self._remember(params, answer), timeouts):
            await asyncio.sleep(0)  # let the early request go out before the updates are parsed
        return answer

    def _look_ahead(self, url: str, params: dict[str, Any], updates: list[Any] | None,
                    timeouts: tuple[Any, ...]) -> bool:
        """Start the call python-telegram-bot will make after reading ``updates``."""
        if updates is None or not params.get("timeout") or self._hold():
            return False  # after an error, a quick check (shutdown confirmation), or held
        try:
            offset = updates[-1]["update_id"] + 1 if updates else params.get("offset")
        except (LookupError, TypeError):
            return False  # python-telegram-bot will report what is wrong with this answer
        following = dict(params)
        if offset is not None:
            following["offset"] = offset
        data = _request_data(following)
        task = asyncio.create_task(self._inner.do_request(url, "POST", data, *timeouts))
        self._ahead = (url, following, task)
        return True

    def _remember(self, params: dict[str, Any],
                  answer: tuple[int, bytes]) -> list[Any] | None:
        """The updates of a 200 answer (None if it has none); kept until the next call shows
        whether python-telegram-bot could read them."""
        self._batch = None
        status, body = answer
        if status != 200:
            return None
        try:
            updates = json.loads(body)["result"]
        except (ValueError, LookupError, TypeError):
            return None  # python-telegram-bot will report what is wrong with this answer
        if not isinstance(updates, list):
            return None
        if updates:
            self._batch = (params.get("offset"), updates)
        return updates

    def _salvage(self) -> tuple[int, bytes]:
        """The last batch again, without the updates that cannot be parsed."""
        assert self._batch is not None
        updates, self._batch = self._batch[1], None
        good, bad = [], []
        for raw in updates:
            try:
                Update.de_json(raw, None)
            except Exception as exc:  # any shape python-telegram-bot cannot read
                bad.append((raw.get("update_id") if isinstance(raw, dict) else None, exc))
            else:
                good.append(raw)
        ids = [i for i, _ in bad if isinstance(i, int)] + [
            u["update_id"] for u in good if isinstance(u.get("update_id"), int)]
        if ids:
            self._skip_to = max(ids) + 1
        for update_id, exc in bad:
            log.error("update %s could not be read (%s) and is skipped; the %d others of its "
                      "batch are handled", update_id, type(exc).__name__, len(good))
        return 200, json.dumps({"ok": True, "result": good}).encode()

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
