"""A minimal HTTP/1.1 server for the benchmark's fake Bot API: keep-alive, Content-Length bodies.

Lean on purpose: the fake must cost far less CPU than the bot it measures. It speaks just enough
HTTP for Bot API clients (httpx, aiohttp): one request at a time per connection, bodies with
``Content-Length`` (form-encoded as python-telegram-bot sends them, or JSON), answers with a JSON
body whenever the API layer calls :meth:`Connection.respond` — possibly much later (long polls,
simulated round trips).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from email.parser import BytesParser
from typing import Any
from urllib.parse import parse_qsl, urlencode

# Parameters python-telegram-bot sends JSON-encoded inside form fields.
_JSON_PARAMS = frozenset({"reply_markup", "reply_parameters", "results", "commands", "scope",
                          "link_preview_options", "entities", "allowed_updates", "button"})
_INT_PARAMS = frozenset({"chat_id", "message_id", "offset", "limit", "timeout",
                         "reply_to_message_id", "message_thread_id", "cache_time"})
RAW = "raw:"  # decode_params keeps each JSON field's text too, as RAW + its name
_REASONS = {200: b"OK", 400: b"Bad Request", 404: b"Not Found", 501: b"Not Implemented"}

Handler = Callable[[str, dict[str, Any], "Connection"], None]


def decode_params(body: bytes, content_type: str) -> dict[str, Any]:
    """Request parameters with JSON fields decoded and ids as ints."""
    if not body:
        return {}
    if "json" in content_type:
        loaded = json.loads(body)
        return loaded if isinstance(loaded, dict) else {}
    if content_type.startswith("multipart/"):  # an upload (sendPhoto): its fields, not files
        form = BytesParser().parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n"
                                        + body)
        fields = {part.get_param("name", header="content-disposition"): part.get_payload(
            decode=True) for part in form.get_payload() if not part.get_filename()}
        body = urlencode({k: v for k, v in fields.items() if isinstance(k, str)}).encode()
    params: dict[str, Any] = dict(parse_qsl(body.decode(), keep_blank_values=True))
    for key in _JSON_PARAMS & params.keys():
        params[RAW + key] = params[key]
        params[key] = json.loads(params[key])
    for key in _INT_PARAMS & params.keys():
        value = params[key]
        if isinstance(value, str) and value.lstrip("-").isdigit():
            params[key] = int(value)
    return params


class Connection(asyncio.Protocol):
    """One client connection: parses requests, hands them to ``handler``, writes answers."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Remember the transport to answer on."""
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        """Forget the transport; late answers for this connection are dropped."""
        self.transport = None

    def data_received(self, data: bytes) -> None:
        """Parse every complete request in the buffer."""
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            lines = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            if "chunked" in headers.get("transfer-encoding", ""):
                self.respond(501, b'{"ok":false,"description":"chunked bodies unsupported"}')
                self.close()
                return
            length = int(headers.get("content-length") or 0)
            if len(self.buffer) < end + 4 + length:
                return
            body = bytes(self.buffer[end + 4:end + 4 + length])
            del self.buffer[:end + 4 + length]
            target = lines[0].split(" ", 2)[1]
            path, _, query = target.partition("?")
            params = dict(parse_qsl(query)) if query else {}
            params |= decode_params(body, headers.get("content-type", ""))
            self.handler(path, params, self)

    def respond(self, status: int, payload: bytes) -> None:
        """Write one JSON answer (ignored if the client has gone away)."""
        if self.transport is None or self.transport.is_closing():
            return
        head = b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
        self.transport.write(head % (status, _REASONS.get(status, b"Error"), len(payload))
                             + payload)

    def close(self) -> None:
        """Close the connection."""
        if self.transport is not None:
            self.transport.close()


async def serve(handler: Handler, host: str = "127.0.0.1", port: int = 0) -> asyncio.Server:
    """Listen on ``host:port`` (0 picks a free port) and dispatch requests to ``handler``."""
    loop = asyncio.get_running_loop()
    return await loop.create_server(lambda: Connection(handler), host, port, backlog=1024)
