"""The real bot with other transport or concurrency settings, for measuring alternatives.

    python -m benchmarks.variant transport=httpx,concurrency=16,lookahead=0

Keys (anything left out is as in ``python -m bot run``): ``transport`` (``aiohttp`` or
``httpx``: python-telegram-bot's ``HTTPXRequest``), ``concurrency`` (updates at once), ``pool``
(connections; default concurrency + spare), ``lookahead`` (0: plain ``getUpdates``),
``uvloop`` (run on uvloop). Handlers, services and settings are the real bot's.
"""

from __future__ import annotations

import asyncio
import os
import sys

from telegram import Update
from telegram.request import BaseRequest, HTTPXRequest

from bot.app import build_application
from bot.config import Settings
from bot.logs import setup_logging
from bot.transport.http import CONCURRENT_UPDATES, SPARE_CONNECTIONS, AiohttpRequest
from bot.transport.polling import LookAheadRequest


def parse(spec: str) -> dict[str, str]:
    """``a=1,b`` → ``{"a": "1", "b": "1"}``."""
    pairs = (part.partition("=") for part in spec.split(",") if part)
    return {key.strip(): (value.strip() if sep else "1") for key, sep, value in pairs}


def make_request(transport: str, pool: int) -> BaseRequest:
    """A request object of the named transport with ``pool`` connections."""
    if transport == "httpx":
        return HTTPXRequest(connection_pool_size=pool)
    if transport == "aiohttp":
        return AiohttpRequest(connection_pool_size=pool)
    raise SystemExit(f"unknown transport {transport!r}")


def main(spec: str) -> None:
    """Run the bot with the settings in ``spec``."""
    options = parse(spec)
    concurrency = int(options.get("concurrency", CONCURRENT_UPDATES))
    pool = int(options.get("pool", concurrency + SPARE_CONNECTIONS))
    transport = options.get("transport", "aiohttp")
    if options.get("uvloop") == "1":
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    updates = make_request(transport, 2)
    if options.get("lookahead", "1") == "1":
        updates = LookAheadRequest(updates)
    settings = Settings.from_env(dict(os.environ))
    setup_logging(secrets=(settings.token,))
    app = build_application(settings, request=make_request(transport, pool),
                            get_updates_request=updates, concurrent_updates=concurrency)
    app.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "")
