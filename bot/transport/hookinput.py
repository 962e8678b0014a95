"""Checks on what arrives at the webhook: Telegram's secret and a usable update.

- The secret header is compared as bytes in constant time, whatever bytes it holds (403 if
  wrong); rejected requests are counted and summed up in the log at most once a minute.
- Once the secret matched, a body that is too large, too slow, not JSON, too deeply nested or
  not an update is dropped, counted and answered 2xx (Telegram would otherwise resend it
  forever); nothing of its content is ever logged.

python-telegram-bot's built-in webhook server answers malformed JSON with a 500, accepts bodies
up to 100 MB and logs the raw update (with names and texts) when it cannot parse it.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import time
from collections import Counter
from collections.abc import Callable

from aiohttp import web
from telegram import Update
from telegram.ext import Application

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
BODY_DEADLINE = 10.0  # seconds to read a body; Telegram sends one in milliseconds
SUMMARY_EVERY = 60.0  # seconds between summaries of rejected and dropped requests


class WebhookCounts:
    """Rejected and dropped requests, summed up in the log at most once a minute."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.rejected = 0  # wrong or missing secret, since start
        self.dropped: Counter[str] = Counter()  # right secret, unusable body: reason -> count
        self.busy = 0  # answered 503 because the backlog was at its cap
        self._unlogged: Counter[str] = Counter()
        self._last = -SUMMARY_EVERY

    def count(self, what: str) -> None:
        """One more request of this kind; log the summary if a minute has passed."""
        self._unlogged[what] += 1
        now = self.clock()
        if now - self._last >= SUMMARY_EVERY:
            self.flush(now)

    def flush(self, now: float | None = None) -> None:
        """Log what was counted since the last summary (at shutdown, or once a minute)."""
        if self._unlogged:
            log.warning("webhook: %s since the last summary", ", ".join(
                f"{n} {what}" for what, n in sorted(self._unlogged.items())))
        self._unlogged.clear()
        self._last = self.clock() if now is None else now


def secret_matches(request: web.Request, secret: bytes) -> bool:
    """The secret header equals ``secret``, compared as bytes in constant time."""
    given = request.headers.get(SECRET_HEADER, "")
    # aiohttp decodes header bytes that are not UTF-8 as surrogates: encode them back as bytes.
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), secret)


async def read_update(request: web.Request, app: Application) -> Update | str:  # type: ignore[type-arg]
    """The update in the body, or why it cannot be used (a word, never its content)."""
    try:
        async with asyncio.timeout(BODY_DEADLINE):
            body = await request.read()
    except web.HTTPRequestEntityTooLarge:
        return "too large"
    except TimeoutError:
        return "too slow"
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return "not JSON"
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        return "not an update"
    try:
        return Update.de_json(data, app.bot)
    except Exception:  # any field of the wrong shape: KeyError, TypeError, AttributeError, …
        return "unreadable update"
