"""Retry policy for Bot API calls: transient failures are retried, with bounded back-off.

Policy (what is retried, and why):

* ``429 Too Many Requests`` is *not* handled here: python-telegram-bot raises ``RetryAfter`` and
  :class:`bot.transport.ratelimit.ChatRateLimiter` pauses that chat for ``retry_after`` and
  retries.
* ``getUpdates`` is never retried here: the polling loop of python-telegram-bot already backs off
  on network errors (1 s, growing 1.5x to 30 s) and resumes by itself.
* The request never reached Telegram (connection refused, connect or pool time-out): always
  retried; nothing can be duplicated.
* ``5xx`` answers (a gateway in front of the Bot API, or the Bot API itself, failed before
  handling the call): retried for every method. For ``sendMessage`` this could in rare cases
  deliver an answer twice; a patient would rather read an answer twice than not at all.
* The connection broke *after* the request was sent (read time-out, server disconnected):
  retried only for calls that are safe to repeat (edits, callback answers, reads and settings);
  a ``send*`` call is not retried, because it may already have been delivered. The error reaches
  the error handler, which logs it.
* ``4xx`` answers are never retried.

At most :attr:`RetryingRequest.attempts` tries per call, waiting ``base_delay * 2**n`` seconds
(plus up to 25 % jitter) between them, so a call gives up after a few seconds.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from typing import Any

import aiohttp
import httpx
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

log = logging.getLogger(__name__)

# Exceptions raised before any byte of the request could have reached Telegram (aiohttp is the
# bot's transport, see bot/transport.py; httpx is python-telegram-bot's default one).
_NOT_SENT = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError, httpx.ConnectError,
             httpx.ConnectTimeout, httpx.PoolTimeout)
# Calls that do the same thing when repeated (no new message in a chat).
_REPEATABLE_PREFIXES = ("edit", "answer", "get", "set", "delete", "close", "logOut")


class RetryingRequest(BaseRequest):
    """Wraps another :class:`BaseRequest` (e.g. ``HTTPXRequest``) and retries per the policy."""

    def __init__(self, inner: BaseRequest, *, attempts: int = 4, base_delay: float = 0.5,
                 on_status: Callable[[int], None] | None = None) -> None:
        self.inner = inner
        self.attempts = attempts
        self.base_delay = base_delay
        self.on_status = on_status  # sees every answer's HTTP status (for /metrics)

    @property
    def read_timeout(self) -> float | None:
        """The wrapped request's default read time-out."""
        return self.inner.read_timeout

    async def initialize(self) -> None:
        """Open the wrapped request's connections."""
        await self.inner.initialize()

    async def shutdown(self) -> None:
        """Close the wrapped request's connections."""
        await self.inner.shutdown()

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        """Send the call, retrying transient failures (see the module docstring)."""
        name = url.rsplit("/", 1)[-1]
        attempt = 0
        while True:
            attempt += 1
            last = attempt >= self.attempts or name == "getUpdates"
            try:
                code, payload = await self.inner.do_request(url, method, request_data,
                                                            *args, **kwargs)
            except (NetworkError, TimedOut) as exc:
                if last or not _may_retry_error(name, exc):
                    raise
                reason = type(exc.__cause__ or exc).__name__
            else:
                if self.on_status is not None:
                    self.on_status(code)
                if code < 500 or last:
                    return code, payload
                reason = f"HTTP {code}"
            delay = self.base_delay * 2 ** (attempt - 1) * (1 + random.random() / 4)
            log.warning("%s failed (%s); retry %d of %d in %.1f s", name, reason, attempt,
                        self.attempts - 1, delay)
            await asyncio.sleep(delay)


def _may_retry_error(method: str, exc: Exception) -> bool:
    if isinstance(exc.__cause__, _NOT_SENT):
        return True
    return method.startswith(_REPEATABLE_PREFIXES)
