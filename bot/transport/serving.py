"""Running one webhook worker: register the webhook, serve, and drain on SIGTERM.

On SIGTERM or SIGINT the worker stops taking updates (``503`` with ``Retry-After``, and
``/readyz`` says 503 so a balancer sends them elsewhere), finishes the ones in hand within
:data:`DRAIN_SECONDS`, writes its queued usage events, and exits 0. A second signal during that
raises :class:`SystemExit` (the caller writes the usage queue without the event loop and exits).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Sequence

from aiohttp import web
from telegram.ext import Application

from bot.config import Settings
from bot.transport.webhook import WEBHOOK_PATH, WebhookServer

log = logging.getLogger(__name__)

DRAIN_SECONDS = 20.0


async def serve(app: Application, settings: Settings,  # type: ignore[type-arg]
                server: WebhookServer, stop: asyncio.Event,
                allowed_updates: Sequence[str] | None = None, *, reuse_port: bool = False) -> None:
    """Register the webhook with Telegram, serve until ``stop`` is set, then drain and stop."""
    assert settings.webhook_url is not None
    assert settings.webhook_secret is not None
    runner = server.runner()
    async with app:
        if app.post_init:
            await app.post_init(app)
        try:  # post_shutdown closes the usage log even if start-up fails below
            await app.bot.set_webhook(settings.webhook_url.rstrip("/") + WEBHOOK_PATH,
                                      secret_token=settings.webhook_secret,
                                      allowed_updates=allowed_updates)
            await app.start()
            try:
                await runner.setup()
                await web.TCPSite(runner, settings.listen_host, settings.port,
                                  reuse_port=reuse_port).start()
                log.info("webhook server listening on %s port %d", settings.listen_host,
                         settings.port)
                await stop.wait()
                log.info("stopping: refusing new updates, finishing %d in hand",
                         server.in_flight)
                if not await server.drain(DRAIN_SECONDS):
                    log.warning("stopped with %d updates unfinished; Telegram will redeliver "
                                "them", server.in_flight)
            finally:
                await runner.cleanup()
                await stop_within(app, DRAIN_SECONDS)
        finally:
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
                server: WebhookServer, allowed_updates: Sequence[str] | None = None, *,
                reuse_port: bool = False) -> None:
    """Run the webhook worker until SIGINT or SIGTERM, asking only for ``allowed_updates``."""

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
        await serve(app, settings, server, stop, allowed_updates, reuse_port=reuse_port)

    asyncio.run(main())
