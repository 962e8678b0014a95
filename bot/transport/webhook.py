"""Webhook mode: a small aiohttp server that checks Telegram's secret and queues updates.

python-telegram-bot's built-in webhook server answers malformed JSON with a 500, accepts bodies
up to 100 MB and logs the raw update (with names and texts) when it cannot parse it. This one:

- compares the secret header as bytes in constant time, whatever bytes it holds (403 if wrong),
  and counts rejected requests, logging a summary at most once a minute (no log flooding);
- once the secret matched, always answers 2xx: a body that is too large, not JSON, too deeply
  nested or not an update is dropped and counted (Telegram would otherwise resend it forever),
  and nothing of its content is ever logged;
- answers 503 with ``Retry-After`` while the bot's backlog is at its cap (see
  :mod:`bot.transport.processor`), so that Telegram keeps the update and sends it again later;
- listens on ``BOT_LISTEN_HOST`` (default ``127.0.0.1``, behind a reverse proxy), with a short
  keep-alive, a deadline for reading a body and request decompression off (no zip bombs).

Each step is a small function, so that another way of answering (e.g. after handling) can reuse
them.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import signal
import time
from collections import Counter
from collections.abc import Callable, Sequence

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot.config import Settings

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram"
HEALTH_PATH = "/healthz"
MAX_BODY = 1 << 20  # 1 MiB: real updates are a few kilobytes
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
BODY_DEADLINE = 10.0  # seconds to read a body; Telegram sends one in milliseconds
KEEP_ALIVE = 5.0  # seconds an idle connection stays open
RETRY_AFTER = 5  # seconds Telegram is asked to wait while the backlog is at its cap
SUMMARY_EVERY = 60.0  # seconds between summaries of rejected and dropped requests
STOP_GRACE = 20.0  # seconds updates in progress may take at shutdown (systemd waits 90)


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


def webhook_app(app: Application, secret: str,  # type: ignore[type-arg]
                overloaded: Callable[[], bool] = lambda: False,
                counts: WebhookCounts | None = None) -> web.Application:
    """The aiohttp application serving ``POST /telegram`` and ``GET /healthz``."""
    expected = secret.encode()
    counts = counts or WebhookCounts()

    async def receive(request: web.Request) -> web.Response:
        if not secret_matches(request, expected):
            counts.rejected += 1
            counts.count("requests rejected (missing or wrong secret)")
            return web.json_response({"ok": False, "error": "forbidden"}, status=403)
        if overloaded():
            counts.busy += 1
            counts.count("updates refused while the backlog was full (503)")
            return web.json_response({"ok": False, "error": "busy"}, status=503,
                                     headers={"Retry-After": str(RETRY_AFTER)})
        update = await read_update(request, app)
        if isinstance(update, str):
            counts.dropped[update] += 1
            counts.count(f"updates dropped ({update})")
            return web.json_response({"ok": True, "dropped": update})
        await app.update_queue.put(update)
        return web.json_response({"ok": True})

    async def health(_: web.Request) -> web.Response:
        return web.json_response({"ok": app.running})

    server = web.Application(client_max_size=MAX_BODY)
    server.router.add_post(WEBHOOK_PATH, receive)
    server.router.add_get(HEALTH_PATH, health)
    server.on_cleanup.append(lambda _: _flush(counts))
    return server


async def _flush(counts: WebhookCounts) -> None:
    counts.flush()


def runner_for(server: web.Application) -> web.AppRunner:
    """The runner: no access log, a short keep-alive, no request decompression."""
    return web.AppRunner(server, access_log=None, keepalive_timeout=KEEP_ALIVE,
                         auto_decompress=False, max_field_size=4096, lingering_time=2.0)


async def serve(app: Application, settings: Settings,  # type: ignore[type-arg]
                stop: asyncio.Event, allowed_updates: Sequence[str] | None = None) -> None:
    """Register the webhook with Telegram, serve until ``stop`` is set, then shut down cleanly."""
    assert settings.webhook_url is not None
    assert settings.webhook_secret is not None
    processor = app.update_processor  # the ChatOrderedProcessor knows the backlog

    def overloaded() -> bool:
        return bool(getattr(processor, "overloaded", False))

    runner = runner_for(webhook_app(app, settings.webhook_secret, overloaded))
    async with app:
        if app.post_init:
            await app.post_init(app)
        await app.bot.set_webhook(settings.webhook_url.rstrip("/") + WEBHOOK_PATH,
                                  secret_token=settings.webhook_secret,
                                  allowed_updates=allowed_updates)
        await app.start()
        await runner.setup()
        await web.TCPSite(runner, settings.listen_host, settings.port).start()
        log.info("webhook server listening on %s port %d", settings.listen_host, settings.port)
        try:
            await stop.wait()
        finally:
            await runner.cleanup()
            await stop_within(app, STOP_GRACE)
            if app.post_shutdown:
                await app.post_shutdown(app)


async def stop_within(app: Application, seconds: float) -> None:  # type: ignore[type-arg]
    """``app.stop()``, which waits for every update in progress, but for ``seconds`` at most.

    An update stuck past that (a call Telegram never answers) is abandoned, so that SIGTERM
    still writes the usage queue (``post_shutdown``) before a supervisor's SIGKILL.
    """
    try:
        await asyncio.wait_for(app.stop(), seconds)
    except TimeoutError:
        log.error("updates still in progress after %.0f s at shutdown were abandoned", seconds)


def run_webhook(app: Application, settings: Settings,  # type: ignore[type-arg]
                allowed_updates: Sequence[str] | None = None) -> None:
    """Run the webhook server until SIGINT or SIGTERM, asking only for ``allowed_updates``."""

    async def main() -> None:
        stop = asyncio.Event()

        def on_signal() -> None:
            if stop.is_set():  # the second: the caller writes the usage queue and exits
                raise SystemExit(1)
            stop.set()

        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, on_signal)
        await serve(app, settings, stop, allowed_updates)

    asyncio.run(main())
