"""A lean HTTP/1.1 client for the Telegram-like sender: keep-alive POSTs, nothing else.

The sender runs on the same cores as the workers it measures (:mod:`benchmarks.hookbench`), so
every millisecond it spends is taken from them; aiohttp's client cost it about half a
millisecond per update on the 2-core machine, more than the rest of the fake Bot API. This
client does only what the sender needs, as a real HTTP/1.1 peer: ``POST`` with a body, answers
with ``Content-Length`` or chunked bodies (or read to the end of the connection), connections
kept alive and reused unless either side says ``close``, a total time-out per request.

Any failure (refused, reset, closed before the whole answer, time-out) raises
:class:`RequestFailed`; the connection is then dropped, never reused. An idle connection that
the server closed (its keep-alive ran out) is noticed when the server's FIN arrives and not
reused, so a request is not lost to a stale connection.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit


class RequestFailed(Exception):
    """No complete answer came back (what Telegram counts as a failed delivery)."""


@dataclass(frozen=True)
class Answer:
    """A complete HTTP answer: status, headers (lower-case names) and body."""

    status: int
    headers: dict[str, str]
    body: bytes


class _Connection(asyncio.Protocol):
    """One keep-alive connection: one request at a time, its answer parsed as bytes arrive."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self._buffer = bytearray()
        self._waiter: asyncio.Future[Answer] | None = None
        self._head: tuple[int, dict[str, str]] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._waiter is not None and not self._waiter.done():
            if self._head is not None and not self._chunked() and self._length() is None:
                self._complete(bytes(self._buffer))  # a body read to the end of the connection
            else:
                self._waiter.set_exception(RequestFailed("connection closed before the answer"))

    def eof_received(self) -> bool | None:
        self.closed = True  # the server closed its side: never reuse this connection
        return None

    def send(self, request: bytes) -> asyncio.Future[Answer]:
        assert self.transport is not None
        assert self._waiter is None
        self._waiter = asyncio.get_running_loop().create_future()
        self._head = None
        self._buffer.clear()
        self.transport.write(request)
        return self._waiter

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        if self._waiter is None or self._waiter.done():
            return
        if self._head is None:
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            lines = bytes(self._buffer[:end]).decode("latin-1").split("\r\n")
            del self._buffer[:end + 4]
            try:
                status = int(lines[0].split(" ", 2)[1])
            except (IndexError, ValueError):
                self._fail("not an HTTP answer")
                return
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            self._head = (status, headers)
        length = self._length()
        if length is not None and len(self._buffer) >= length:
            self._complete(bytes(self._buffer[:length]))
        elif self._chunked():
            body = _dechunk(self._buffer)
            if body is not None:
                self._complete(body)

    def _length(self) -> int | None:
        assert self._head is not None
        value = self._head[1].get("content-length")
        return int(value) if value is not None else None

    def _chunked(self) -> bool:
        assert self._head is not None
        return "chunked" in self._head[1].get("transfer-encoding", "").lower()

    def _complete(self, body: bytes) -> None:
        assert self._waiter is not None
        assert self._head is not None
        status, headers = self._head
        if headers.get("connection", "").lower() == "close":
            self.close()
        self._waiter.set_result(Answer(status, headers, body))
        self._waiter = None

    def _fail(self, why: str) -> None:
        assert self._waiter is not None
        self._waiter.set_exception(RequestFailed(why))
        self.close()

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


def _dechunk(buffer: bytearray) -> bytes | None:
    """The body of a complete chunked message in ``buffer``, or None if more is to come."""
    body, at = bytearray(), 0
    while True:
        end = buffer.find(b"\r\n", at)
        if end < 0:
            return None
        size = int(bytes(buffer[at:end]).split(b";")[0] or b"0", 16)
        if size == 0:
            return bytes(body) if buffer.find(b"\r\n", end + 2) >= 0 else None
        if len(buffer) < end + 2 + size + 2:
            return None
        body += buffer[end + 2:end + 2 + size]
        at = end + 2 + size + 2


@dataclass
class Pool:
    """Keep-alive connections to the host and port of ``url``, POSTing to it (the caller
    bounds how many requests run at once)."""

    url: str
    timeout: float
    _idle: list[_Connection] = field(default_factory=list)

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        self._host, self._port = parts.hostname or "127.0.0.1", parts.port or 80
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        self._start = (f"POST {target or '/'} HTTP/1.1\r\nHost: {parts.netloc}\r\n").encode()

    async def post(self, body: bytes, headers: Mapping[str, str]) -> Answer:
        """POST ``body``; the complete answer, or :class:`RequestFailed`."""
        head = self._start + "".join(f"{k}: {v}\r\n" for k, v in headers.items()).encode()
        request = head + b"Content-Length: %d\r\n\r\n" % len(body) + body
        connection: _Connection | None = None
        try:
            async with asyncio.timeout(self.timeout):
                connection = await self._connection()
                answer = await connection.send(request)
        except (OSError, TimeoutError, RequestFailed) as exc:
            if connection is not None:
                connection.close()
            raise RequestFailed(type(exc).__name__) from exc
        if connection.closed:
            connection.close()
        else:
            self._idle.append(connection)
        return answer

    async def _connection(self) -> _Connection:
        while self._idle:
            connection = self._idle.pop()
            if not connection.closed:
                return connection
        loop = asyncio.get_running_loop()
        _, connection = await loop.create_connection(_Connection, self._host, self._port)
        return connection

    def close(self) -> None:
        """Close every idle connection."""
        for connection in self._idle:
            connection.close()
        self._idle.clear()
