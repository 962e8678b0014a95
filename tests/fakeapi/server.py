"""The fake Telegram Bot API HTTP server: routing, recorded calls, faults and the updates queue.

The Bot API methods themselves are implemented in :mod:`tests.fakeapi.methods`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from tests.fakeapi.calls import Call, _as_float, _as_int, _read_params, _short
from tests.fakeapi.faults import Fault, TelegramAPIError, _error_body
from tests.fakeapi.media import PhotoStore
from tests.fakeapi.methods import BotAPIMethods
from tests.fakeapi.updates import (
    BOT_FIRST_NAME,
    DEFAULT_BOT_ID,
    DEFAULT_BOT_USERNAME,
    _bump_message_id,
)

MAX_LONG_POLL = 30.0
# Update types that Telegram only delivers when explicitly listed in allowed_updates.
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


class FakeBotAPI(BotAPIMethods):
    """An in-process aiohttp server that imitates the Telegram Bot API.

    The bot under test talks to it exactly as it would talk to ``https://api.telegram.org``:
    point python-telegram-bot at :attr:`base_url` (``BOT_API_BASE_URL=http://127.0.0.1:<port>/bot``)
    and it will ``POST {base_url}{token}/{method}``.  Tests feed updates with :meth:`push_update`
    (built with the factories in :mod:`tests.fakeapi.updates`) and assert on the recorded
    :class:`Call` objects, usually via :meth:`wait_for`.

    All requests are recorded in :attr:`calls` in arrival order (``getUpdates`` included).
    ``rtt_ms`` (settable at any time) adds latency to every request except ``getUpdates``.
    Faults (HTTP errors such as 429 flood control or 5xx, dropped connections, delays) are queued
    per method with :meth:`inject` and each one is consumed by exactly one request.

    Realism notes: message texts sent with ``parse_mode=HTML`` are parsed like Telegram does
    (tags are stripped, entities unescaped, ``entities`` are computed, unsupported/unbalanced tags
    are rejected with 400 "can't parse entities").  With ``validate=True`` (the default) a few
    other common Bot API errors are reproduced as well: empty or too long texts,
    ``callback_data`` longer than 64 bytes, invalid bot commands and "message is not modified"
    edits; set ``validate=False`` to disable them.

    Typical use::

        async with FakeBotAPI() as fake:
            proc = start_bot(env={"BOT_API_BASE_URL": fake.base_url, "BOT_TOKEN": "123:TEST"})
            await fake.wait_polling()
            fake.push_update(message_update("/start"))
            call = await fake.wait_for("sendMessage")
            assert "Welcome" in call.result["text"]
    """

    def __init__(
        self,
        *,
        bot_username: str = DEFAULT_BOT_USERNAME,
        bot_id: int = DEFAULT_BOT_ID,
        rtt_ms: float = 0.0,
        validate: bool = True,
    ) -> None:
        self.bot_username = bot_username
        self.bot_id = bot_id
        self.rtt_ms = rtt_ms
        self.validate = validate
        self.calls: list[Call] = []
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._host = "127.0.0.1"
        self._stopping = asyncio.Event()
        self._changed = asyncio.Event()
        self._faults: defaultdict[str, list[Fault]] = defaultdict(list)
        self._pending: list[dict[str, Any]] = []
        self._last_update_id = 0
        self._allowed_updates: list[str] | None = None
        self._chats: dict[int, dict[str, Any]] = {}
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._last_by_chat: dict[int, dict[str, Any]] = {}
        self._commands: dict[str, list[Any]] = {}
        self._webhook_url = ""
        self.photos = PhotoStore()

    # ------------------------------------------------------------------ lifecycle

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Bind and start serving; ``port=0`` picks a free port (see :attr:`base_url`)."""
        if self._runner is not None:
            raise RuntimeError("FakeBotAPI already started")
        self._stopping.clear()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._runner = runner
        self._host = host
        self._port = runner.addresses[0][1]

    async def stop(self) -> None:
        """Stop serving; pending long polls and delays return/abort immediately."""
        self._stopping.set()
        self._notify()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        """The bound TCP port (only after :meth:`start`)."""
        if self._port is None:
            raise RuntimeError("FakeBotAPI is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """Value for ``BOT_API_BASE_URL`` / ``Bot(base_url=...)``: ``http://HOST:PORT/bot``."""
        return f"http://{self._host}:{self.port}/bot"

    @property
    def bot_user(self) -> dict[str, Any]:
        """The bot as a ``User`` object (the ``from`` of messages it sends)."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": BOT_FIRST_NAME,
            "username": self.bot_username,
        }

    # ------------------------------------------------------------------ test-facing API

    def calls_to(self, method: str) -> list[Call]:
        """All recorded calls to ``method`` (case-insensitive), in arrival order."""
        wanted = method.lower()
        return [c for c in self.calls if c.method.lower() == wanted]

    def mark(self) -> int:
        """The current number of recorded calls, for ``wait_for(..., after=fake.mark())``."""
        return len(self.calls)

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue an update for ``getUpdates``; assigns ``update_id`` if missing and returns it.

        Wakes pending long polls.  Must be called from the event loop thread.
        """
        update_id = update.get("update_id")
        if update_id is None:
            update_id = self._last_update_id + 1
            update["update_id"] = update_id
        self._last_update_id = max(self._last_update_id, int(update_id))
        self._remember(update)
        self._pending.append(update)
        self._notify()
        return int(update_id)

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by the bot (via a later ``getUpdates`` offset)."""
        return list(self._pending)

    def webhook_reply(self, call: dict[str, Any]) -> None:
        """Make the Bot API call a webhook answered with (``{"method": …, …}``), as Telegram
        does: recorded like any call (``Call.webhook`` true), its result reported to no one."""
        params = {k: v for k, v in call.items() if k != "method"}
        method = str(call.get("method", ""))
        record = Call(method=method, params=params, token="", at=time.monotonic(), webhook=True)
        record.response, _ = self._outcome(method, params)
        self.calls.append(record)
        self._notify()

    def inject(self, method: str, *faults: Fault) -> None:
        """Queue faults for the next calls to ``method`` (``"*"`` = any method), one per call.

        Method-specific faults are consumed before ``"*"`` faults.
        """
        self._faults[method.lower()].extend(faults)

    def clear_faults(self) -> None:
        """Forget all queued, not yet consumed faults."""
        self._faults.clear()

    async def wait_for(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109 - part of the documented test API
        *,
        after: int = 0,
    ) -> Call:
        """Return the first call to ``method`` at index >= ``after`` matching ``predicate``.

        Waits (event driven) up to ``timeout`` seconds, then raises ``AssertionError`` listing
        the methods received so far.
        """
        wanted = method.lower()
        index = after
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            while index < len(self.calls):
                call = self.calls[index]
                index += 1
                if call.method.lower() == wanted and (predicate is None or predicate(call)):
                    return call
            remaining = deadline - loop.time()
            changed = self._changed
            try:
                if remaining <= 0:
                    raise TimeoutError
                async with asyncio.timeout(remaining):
                    await changed.wait()
            except TimeoutError:
                raise AssertionError(self._timeout_message(method, timeout, after)) from None

    async def wait_polling(self, timeout: float = 15.0) -> None:  # noqa: ASYNC109
        """Wait until the bot has made at least one ``getUpdates`` call (i.e. it is ready)."""
        await self.wait_for("getUpdates", timeout=timeout)

    def last_message(self, chat_id: int) -> dict[str, Any]:
        """The Message object last returned for a send/edit in ``chat_id``."""
        try:
            return self._last_by_chat[int(chat_id)]
        except KeyError:
            sent = sorted(self._last_by_chat)
            raise AssertionError(
                f"the bot has not sent any message to chat {chat_id} (chats with messages: {sent})"
            ) from None

    def message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        """The current state of a message the bot sent (or a pushed one), if known."""
        return self._messages.get((int(chat_id), int(message_id)))

    # ------------------------------------------------------------------ internals

    def _notify(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    def _timeout_message(self, method: str, timeout: float, after: int) -> str:
        counts = Counter(c.method for c in self.calls[after:])
        received = ", ".join(f"{m} x{n}" if n > 1 else m for m, n in counts.items()) or "nothing"
        lines = [
            f"timed out after {timeout:g}s waiting for {method} (calls from index {after}); "
            f"received: {received}"
        ]
        misses = [c for c in self.calls[after:] if c.method.lower() == method.lower()]
        for call in misses[-5:]:
            lines.append(f"  non-matching {call.method}: {_short(call.params)}")
        return "\n".join(lines)

    async def _sleep(self, seconds: float) -> None:
        if seconds <= 0:
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._stopping.wait()

    def _take_fault(self, method: str) -> Fault | None:
        for key in (method.lower(), "*"):
            queue = self._faults.get(key)
            if queue:
                return queue.pop(0)
        return None

    def _remember(self, obj: Any) -> None:
        """Remember chats and messages seen in pushed updates."""
        if isinstance(obj, dict):
            chat = obj.get("chat")
            if isinstance(chat, dict) and isinstance(chat.get("id"), int) and "type" in chat:
                self._chats[chat["id"]] = chat
                message_id = obj.get("message_id")
                if isinstance(message_id, int) and "date" in obj:
                    self._messages.setdefault((chat["id"], message_id), obj)
                    _bump_message_id(chat["id"], message_id)
            for value in obj.values():
                self._remember(value)
        elif isinstance(obj, list):
            for value in obj:
                self._remember(value)

    async def _not_found(self, request: web.Request) -> web.Response:
        return web.json_response(
            {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
        )

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        method = request.match_info["method"]
        params = await _read_params(request)
        fault = self._take_fault(method)
        call = Call(method=method, params=params, token=token, at=time.monotonic(), fault=fault)

        if fault is not None and fault.kind in ("status", "raw", "drop"):
            self.calls.append(call)
            if fault.kind == "drop":
                self._notify()
                if request.transport is not None:
                    request.transport.close()
                return web.Response()
            if fault.kind == "raw":
                self._notify()
                return web.Response(
                    status=fault.code, text=fault.body, content_type=fault.content_type
                )
            call.response = _error_body(fault)
            self._notify()
            return web.json_response(call.response, status=fault.code)

        if method.lower() == "getupdates":
            self.calls.append(call)
            self._notify()
            if fault is not None:
                await self._sleep(fault.seconds)
            result = await self._get_updates(params)
            call.response = {"ok": True, "result": result}
            return web.json_response(call.response)

        # Compute the outcome on arrival, so that e.g. last_message() is up to date as soon as
        # wait_for() returns; latency is applied afterwards, before the response is written.
        call.response, status = self._outcome(method, params)
        self.calls.append(call)
        self._notify()
        delay = self.rtt_ms / 1000.0 + (fault.seconds if fault is not None else 0.0)
        await self._sleep(delay)
        return web.json_response(call.response, status=status)

    def _outcome(self, method: str, params: dict[str, Any]) -> tuple[dict[str, Any], int]:
        """The answer to one call and its HTTP status."""
        try:
            return {"ok": True, "result": self._dispatch(method, params)}, 200
        except TelegramAPIError as err:
            return {"ok": False, "error_code": err.code, "description": err.description}, err.code

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = _as_int(params.get("offset"), 0)
        limit = min(max(_as_int(params.get("limit"), 100), 1), 100)
        timeout = min(max(_as_float(params.get("timeout"), 0.0), 0.0), MAX_LONG_POLL)
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = [str(a) for a in allowed] or None
        if offset > 0:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        elif offset < 0:
            self._pending = self._pending[offset:]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            self._pending = [u for u in self._pending if self._is_allowed(u)]
            if self._pending or self._stopping.is_set():
                return self._pending[:limit]
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            changed = self._changed
            try:
                async with asyncio.timeout(remaining):
                    await changed.wait()
            except TimeoutError:
                return []

    def _is_allowed(self, update: dict[str, Any]) -> bool:
        kind = next((k for k in update if k != "update_id"), "")
        if self._allowed_updates is None:
            return kind not in _OPT_IN_UPDATES
        return kind in self._allowed_updates
