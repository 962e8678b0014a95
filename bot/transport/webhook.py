"""Webhook mode: a small aiohttp server that checks Telegram's secret and queues updates.

python-telegram-bot's built-in webhook server answers malformed JSON with a 500, accepts bodies
up to 100 MB and logs the raw update (with names and texts) when it cannot parse it. This one
rejects a wrong or missing secret with 403, anything that is not an update with 400, bodies over
1 MiB with 413, and never logs a request's content.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import signal
from collections.abc import Sequence

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot.config import Settings

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram"
HEALTH_PATH = "/healthz"
MAX_BODY = 1 << 20  # 1 MiB: real updates are a few kilobytes
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def webhook_app(app: Application, secret: str) -> web.Application:  # type: ignore[type-arg]
    """The aiohttp application serving ``POST /telegram`` and ``GET /healthz``."""

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            log.warning("webhook request rejected: missing or wrong secret token")
            return web.json_response({"ok": False, "error": "forbidden"}, status=403)
        try:
            data = json.loads(await request.read())
        except web.HTTPRequestEntityTooLarge:
            return web.json_response({"ok": False, "error": "too large"}, status=413)
        except (ValueError, UnicodeDecodeError):
            return web.json_response({"ok": False, "error": "invalid JSON"}, status=400)
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return web.json_response({"ok": False, "error": "not an update"}, status=400)
        try:
            update = Update.de_json(data, app.bot)
        except (KeyError, TypeError, ValueError):
            log.warning("webhook request rejected: update could not be read")
            return web.json_response({"ok": False, "error": "bad update"}, status=400)
        await app.update_queue.put(update)
        return web.json_response({"ok": True})

    async def health(_: web.Request) -> web.Response:
        return web.json_response({"ok": app.running})

    server = web.Application(client_max_size=MAX_BODY)
    server.router.add_post(WEBHOOK_PATH, receive)
    server.router.add_get(HEALTH_PATH, health)
    return server


async def serve(app: Application, settings: Settings,  # type: ignore[type-arg]
                stop: asyncio.Event, allowed_updates: Sequence[str] | None = None) -> None:
    """Register the webhook with Telegram, serve until ``stop`` is set, then shut down cleanly."""
    assert settings.webhook_url is not None
    assert settings.webhook_secret is not None
    runner = web.AppRunner(webhook_app(app, settings.webhook_secret), access_log=None)
    async with app:
        if app.post_init:
            await app.post_init(app)
        await app.bot.set_webhook(settings.webhook_url.rstrip("/") + WEBHOOK_PATH,
                                  secret_token=settings.webhook_secret,
                                  allowed_updates=allowed_updates)
        await app.start()
        await runner.setup()
        await web.TCPSite(runner, "0.0.0.0", settings.port).start()
        log.info("webhook server listening on port %d", settings.port)
        try:
            await stop.wait()
        finally:
            await runner.cleanup()
            await app.stop()
            if app.post_shutdown:
                await app.post_shutdown(app)


def run_webhook(app: Application, settings: Settings,  # type: ignore[type-arg]
                allowed_updates: Sequence[str] | None = None) -> None:
    """Run the webhook server until SIGINT or SIGTERM, asking only for ``allowed_updates``."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        await serve(app, settings, stop, allowed_updates)

    asyncio.run(main())
