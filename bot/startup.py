"""Start-up of ``run``: wait for Telegram, say in one line what is wrong, never print the token.

Before the Application starts, one ``getMe`` checks the token and the way to Telegram:

* a token Telegram rejects → :data:`REJECTED` on stderr, exit code 2 (retrying cannot help);
* Telegram unreachable (connection refused, DNS, time-outs, a proxy's 5xx) → one log line naming
  the host and the cause, then the bot tries again with back-off (1 s doubling to 60 s), for as
  long as it takes; SIGTERM or SIGINT while it waits ends it with exit code 0;
* the same failures while the Application starts (``setMyCommands``, ``setWebhook``), or a
  webhook port still taken, go back to waiting the same way, with a new Application.

No exception text is printed as it is: python-telegram-bot puts the token in ``InvalidToken``,
and aiohttp puts the request URL (``…/bot<TOKEN>/getMe``) in its errors.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import errno
import logging
import random
import signal
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlsplit

import aiohttp
from telegram import Bot
from telegram.error import InvalidToken, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application

from bot.app import build_application, build_services
from bot.config import Settings
from bot.logs import redact
from bot.transport.http import AiohttpRequest
from bot.usage.log import UsageLog

log = logging.getLogger(__name__)

REJECTED = ("Telegram rejected BOT_TOKEN (401 Unauthorized): copy the token from @BotFather "
            "again")
NOT_FOUND = ("Telegram answered 404 Not Found at {url}: check BOT_API_BASE_URL "
             "(it must end in /bot)")
FIRST_DELAY, MAX_DELAY = 1.0, 60.0

Runner = Callable[[Application, Settings], None]  # type: ignore[type-arg]


class StartupFailed(Exception):
    """Start-up cannot succeed by retrying; the message is the one line to print."""


class Stopped(Exception):
    """A stop signal arrived while waiting for Telegram."""


def run_until_stopped(settings: Settings, runner: Runner) -> None:
    """Wait for Telegram, then ``runner(app, settings)``; start again after network failures.

    Raises :class:`StartupFailed` for a rejected token and :class:`Stopped` for a stop signal
    that arrived while waiting; returns when ``runner`` returns (the bot was stopped).
    """
    services = build_services(settings)
    delay, pause = FIRST_DELAY, 0.0
    while True:
        delay = asyncio.run(wait_for_telegram(settings, delay, pause))
        app = build_application(settings, services=dataclasses.replace(
            services, usage=UsageLog.from_settings(settings)))
        # asyncio.run() above left no current loop; run_polling() of python-telegram-bot 22.0
        # (found by the floor run in .ci/run) needs one, later releases make their own.
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            runner(app, settings)
        except (NetworkError, TimedOut) as exc:  # InvalidToken is neither: see below
            pause, delay = delay, min(delay * 2, MAX_DELAY)
            log.warning("lost %s while starting (%s); starting again in %.0f s",
                        host_of(settings), describe(exc), pause)
        except InvalidToken as exc:
            raise StartupFailed(_rejected(exc, settings)) from None
        except OSError as exc:  # webhook mode: BOT_PORT taken (e.g. by the old instance)
            if not settings.webhook_url:
                raise
            pause, delay = delay, min(delay * 2, MAX_DELAY)
            log.warning("the webhook server cannot listen on port %d (%s); starting again in "
                        "%.0f s", settings.port, describe(exc), pause)
        else:
            return
        finally:
            loop.close()
            asyncio.set_event_loop(None)


async def wait_for_telegram(settings: Settings, delay: float = FIRST_DELAY,
                            pause: float = 0.0) -> float:
    """After ``pause`` seconds, call ``getMe`` until it succeeds; return the back-off delay
    reached (doubled on each failure), for the next failure while starting.

    Raises :class:`StartupFailed` or :class:`Stopped` (see :func:`run_until_stopped`).
    """
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await _sleep(stop, pause)
        while True:
            failed = await _probe(settings, stop)
            if failed is None:
                return delay
            problem, wait = failed
            if wait is None:
                wait, delay = delay, min(delay * 2, MAX_DELAY)
            log.warning("%s; trying again in %.0f s", problem, wait)
            await _sleep(stop, wait)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.remove_signal_handler(sig)


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    """Wait ``seconds`` (plus up to 10 % jitter); raise :class:`Stopped` on a stop signal."""
    if seconds > 0:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds * (1 + random.random() / 10))
    if stop.is_set():
        raise Stopped


async def _probe(settings: Settings, stop: asyncio.Event) -> tuple[str, float | None] | None:
    """One ``getMe``: ``None`` if it worked, else what failed and how long Telegram asks to
    wait (``None``: the back-off's turn)."""
    requests = (AiohttpRequest(2), AiohttpRequest(1))
    bot = Bot(settings.token, base_url=settings.api_base_url, request=requests[0],
              get_updates_request=requests[1])
    call = asyncio.ensure_future(bot.initialize())  # opens the sessions, then getMe
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait((call, stopped), return_when=asyncio.FIRST_COMPLETED)
        if stop.is_set():
            raise Stopped
        call.result()
    except InvalidToken as exc:
        raise StartupFailed(_rejected(exc, settings)) from None
    except RetryAfter as exc:
        wait = exc.retry_after
        seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
        return f"{host_of(settings)} asks to wait (429 Too Many Requests)", seconds
    except (NetworkError, TimedOut) as exc:
        return f"cannot reach Telegram at {host_of(settings)} ({describe(exc)})", None
    except TelegramError as exc:
        raise StartupFailed(f"Telegram refused getMe at {host_of(settings)}: "
                            f"{redact(exc.message)}") from None
    finally:
        for task in (call, stopped):
            task.cancel()
        await asyncio.gather(call, stopped, return_exceptions=True)
        for request in requests:  # bot.shutdown() of python-telegram-bot 22.0 skips them
            await request.shutdown()  # after a failed getMe
    return None


def host_of(settings: Settings) -> str:
    """The Bot API's host (and port, if not the default) from ``BOT_API_BASE_URL``."""
    return urlsplit(settings.api_base_url).netloc


def _rejected(exc: InvalidToken, settings: Settings) -> str:
    cause = exc.__cause__ if isinstance(exc.__cause__, TelegramError) else exc
    if "not found" in cause.message.lower():
        base = urlsplit(settings.api_base_url)
        return NOT_FOUND.format(url=f"{base.scheme}://{base.netloc}{base.path}")
    return REJECTED


def describe(exc: BaseException) -> str:
    """A short, token-free cause: "connection refused", "timed out", "HTTP 502: Bad Gateway"."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(chain) < 10:
        chain.append(current)
        current = current.__cause__ or current.__context__
    for item in chain:
        if isinstance(item, aiohttp.ClientConnectorDNSError):
            return "the host name does not resolve"
        if isinstance(item, aiohttp.ClientConnectorCertificateError | aiohttp.ClientSSLError):
            return "TLS certificate problem"
        if isinstance(item, aiohttp.ClientConnectorError) and item.os_error.errno:
            return _errno_text(item.os_error.errno)
        if isinstance(item, OSError) and item.errno:
            return _errno_text(item.errno)
        if isinstance(item, TimedOut | TimeoutError | aiohttp.ServerTimeoutError):
            return "timed out"
        if isinstance(item, aiohttp.ServerDisconnectedError | aiohttp.ClientOSError):
            return "the connection was closed"
    message = exc.message if isinstance(exc, TelegramError) else str(exc)
    return redact(message.removeprefix("aiohttp.")) or type(exc).__name__


def _errno_text(number: int) -> str:
    name = errno.errorcode.get(number, "")
    text = {"ECONNREFUSED": "connection refused", "ENETUNREACH": "network unreachable",
            "EHOSTUNREACH": "host unreachable", "ETIMEDOUT": "timed out",
            "ECONNRESET": "connection reset", "EADDRINUSE": "address already in use"}.get(name)
    return text or (name.lower() or f"error {number}")
