"""A button tap's acknowledgement, carried by the webhook's answer instead of a call of its own.

A webhook may answer an update with one Bot API call, which Telegram then makes itself ("Making
requests when getting updates", core.telegram.org/bots/api); the bot never learns its result.
Only ``answerCallbackQuery`` (stopping a tapped button's spinner) is sent this way: its result
tells the bot nothing it would act on (a too-old query is no error for it either), while every
other call's errors matter (a 429 is waited out and the call retried, a failed edit is sent
anew). A tap then costs one Bot API request instead of two, on both sides, and the spinner stops
with the new screen instead of one round trip before it.

If the webhook has not answered within :data:`LATEST` seconds of the acknowledgement (a slow edit,
a group waiting out a flood pause), the acknowledgement goes as its own call after all, so a
spinner never turns much longer than it did before. Polling is unchanged: no :class:`Ride` is
set there, and :data:`CURRENT` is ``None``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

log = logging.getLogger(__name__)

RIDES = "/answerCallbackQuery"  # the one method that rides (see the module docstring)
LATEST = 0.5  # seconds an acknowledgement waits for the webhook's answer before going alone
ANSWERED = (200, b'{"ok":true,"result":true}')  # what the Bot API would have said

# The ride of the update being handled, per task (set by the webhook server for each update).
# A context variable holds no state of its own: each update's task sees only its own value.
CURRENT: ContextVar[Ride | None] = ContextVar("webhook_ride", default=None)


def acknowledgement(query_id: str) -> bytes:
    """The answer to a tap redelivered after it was handled: the first answer, which may have
    carried its acknowledgement, never reached Telegram (the worker died, or the connection
    broke). If the query was answered after all, Telegram's call fails, which only it sees."""
    return json.dumps({"method": "answerCallbackQuery", "callback_query_id": query_id}).encode()


class Ride:
    """The one call that may ride on one update's webhook answer."""

    __slots__ = ("_alone", "_background", "_body", "_open", "_timer")

    def __init__(self, background: set[asyncio.Task[None]]) -> None:
        self._background = background  # the server's: keeps acknowledgements sent alone alive
        self._open = True
        self._body: bytes | None = None
        self._alone: Callable[[], Awaitable[object]] | None = None
        self._timer: asyncio.TimerHandle | None = None

    def offer(self, method: str, parameters: dict[str, Any],
              alone: Callable[[], Awaitable[object]]) -> bool:
        """Carry this call on the webhook's answer; False if it must be made now (``alone``
        makes it, should the answer not come within :data:`LATEST` seconds)."""
        if not self._open or self._body is not None:
            return False
        self._body = json.dumps({**parameters, "method": method}).encode()
        self._alone = alone
        self._timer = asyncio.get_running_loop().call_later(LATEST, self._go_alone)
        return True

    def take(self) -> bytes | None:
        """The webhook answer's body if a call rides on it; nothing can ride after this."""
        self._open = False
        if self._timer is not None:
            self._timer.cancel()
        body, self._body = self._body, None
        return body

    def _go_alone(self) -> None:
        self._open = False
        if self._body is None or self._alone is None:
            return
        self._body = None
        task = asyncio.get_running_loop().create_task(_quietly(self._alone))
        self._background.add(task)
        task.add_done_callback(self._background.discard)


async def _quietly(call: Callable[[], Awaitable[object]]) -> None:
    """Make the call; a failure only means the spinner stops by itself (logged, not raised)."""
    try:
        await call()
    except Exception as exc:
        log.info("a tap's acknowledgement failed (%s)", type(exc).__name__)
