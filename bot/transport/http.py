"""How the bot talks HTTP to the Bot API, and how many updates it works on at once.

Chosen on measurement with ``benchmarks/load.py`` (figures in the README, "Speed"):

* :class:`AiohttpRequest`, a python-telegram-bot ``BaseRequest`` on aiohttp's client. With
  python-telegram-bot's own ``HTTPXRequest``, httpcore's pool does bookkeeping over every pooled
  connection on every request, so the CPU per update grows with the number of updates in
  progress (2.8 ms at 16, 4.6 ms at 128, 9 ms at 128 with 50 ms round trips); on aiohttp it
  stays near 0.85 ms. Only the transport
  changes: python-telegram-bot still builds every request, parses every answer and raises its
  own errors (``TimedOut``, ``NetworkError``, ``RetryAfter``...).
* ``getUpdates`` goes through :class:`bot.transport.polling.LookAheadRequest`.
* In webhook mode a tap's ``answerCallbackQuery`` rides on the webhook's answer
  (:mod:`bot.transport.hookreply`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.transport import hookreply
from bot.transport.polling import LookAheadRequest

# Updates handled at once. Real Bot API round trips take 20-100 ms, so throughput is about
# this number divided by the time an update waits on Telegram.
CONCURRENT_UPDATES = 128
# Connections for API calls: one per update in progress (handlers call the API one call at a
# time), plus a few for error replies and calls made outside handlers.
SPARE_CONNECTIONS = 8


def api_request(concurrent_updates: int = CONCURRENT_UPDATES) -> BaseRequest:
    """The request object for every Bot API call except ``getUpdates``."""
    return AiohttpRequest(connection_pool_size=concurrent_updates + SPARE_CONNECTIONS)


def updates_request(hold: Callable[[], bool] = lambda: False) -> BaseRequest:
    """The request object for ``getUpdates`` (long polling); waits while ``hold()`` is true."""
    return LookAheadRequest(AiohttpRequest(connection_pool_size=2), hold)


_JSON = {"Content-Type": "application/json"}


class AiohttpRequest(BaseRequest):
    """Bot API calls over one ``aiohttp.ClientSession`` with a keep-alive connection pool.

    Timeouts mean what they mean for ``HTTPXRequest``: ``connect_timeout`` to open a connection,
    ``read_timeout`` between bytes of the answer, ``pool_timeout`` to wait for a free pooled
    connection. aiohttp has no separate write timeout; ``write_timeout`` bounds the whole call
    together with the read timeout.
    """

    __slots__ = ("_connect", "_limit", "_pool", "_read", "_session", "_write")

    def __init__(self, connection_pool_size: int = 256, *, read_timeout: float | None = 5.0,
                 write_timeout: float | None = 5.0, connect_timeout: float | None = 5.0,
                 pool_timeout: float | None = 1.0) -> None:
        self._limit = connection_pool_size
        self._read, self._write = read_timeout, write_timeout
        self._connect, self._pool = connect_timeout, pool_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout (python-telegram-bot adds it to long-poll timeouts)."""
        return self._read

    async def initialize(self) -> None:
        """Open the session (idempotent)."""
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._limit, limit_per_host=self._limit)
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self.USER_AGENT},
                auto_decompress=True, trust_env=False)

    async def shutdown(self) -> None:
        """Close the session and its connections (idempotent)."""
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send one request; return the HTTP status and the raw body.

        Each timeout is seconds, ``None`` for no limit, or ``DEFAULT_NONE`` for this object's.
        """
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        if (url.endswith(hookreply.RIDES) and (ride := hookreply.CURRENT.get()) is not None
                and request_data is not None and not request_data.contains_files
                and ride.offer(hookreply.RIDES[1:], request_data.parameters, partial(
                    self.do_request, url, method, request_data, read_timeout, write_timeout,
                    connect_timeout, pool_timeout))):
            return hookreply.ANSWERED  # rides on the webhook's answer (bot/transport/hookreply)
        read = _value(read_timeout, self._read)
        write = _value(write_timeout, self._write)
        connect = _value(connect_timeout, self._connect)
        pool = _value(pool_timeout, self._pool)
        timeout = aiohttp.ClientTimeout(
            total=None if read is None or write is None else read + write + (connect or 0)
            + (pool or 0),
            connect=None if connect is None or pool is None else connect + pool,
            sock_connect=connect, sock_read=read)
        kwargs: dict[str, object] = {}
        if request_data is not None and request_data.contains_files:
            form = aiohttp.FormData()
            for name, value in request_data.json_parameters.items():
                form.add_field(name, value)
            for name, (filename, content, mime) in request_data.multipart_data.items():
                form.add_field(name, content, filename=filename, content_type=mime)
            kwargs["data"] = form
        elif request_data is not None and (parameters := request_data.parameters):
            # One JSON body (the Bot API takes application/json) instead of percent-encoding
            # every message's HTML: cheaper by a tenth of the bot's CPU per update.
            kwargs["data"] = json.dumps(parameters).encode()
            kwargs["headers"] = _JSON
        try:
            async with self._session.request(method, url, timeout=timeout, **kwargs) as reply:
                return reply.status, await reply.read()
        except TimeoutError as err:
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{type(err).__name__}: {err}") from err


def _value(given: object, default: float | None) -> float | None:
    """A timeout the caller gave, or ours when it left the default marker."""
    if isinstance(given, int | float) or given is None:
        return given
    return default  # python-telegram-bot's DEFAULT_NONE: "not given"
