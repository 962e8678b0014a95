"""A fake Telegram Bot API HTTP server for end-to-end tests, benchmarks and fault injection.

The bot under test talks to :class:`FakeBotAPI` exactly as it would talk to
``https://api.telegram.org``: point python-telegram-bot at :attr:`FakeBotAPI.base_url`
(``BOT_API_BASE_URL=http://127.0.0.1:<port>/bot``) and it will ``POST
{base_url}{token}/{method}``.  Tests feed updates with :meth:`FakeBotAPI.push_update` (built with
the factories at the bottom of this module) and assert on the recorded :class:`Call` objects,
usually via :meth:`FakeBotAPI.wait_for`.

Faults (HTTP errors such as 429 flood control or 5xx, dropped connections, delays) are queued per
method with :meth:`FakeBotAPI.inject` and each one is consumed by exactly one request.

Typical use::

    async with FakeBotAPI() as fake:
        proc = start_bot(env={"BOT_API_BASE_URL": fake.base_url, "BOT_TOKEN": "123:TEST"})
        await fake.wait_polling()
        fake.push_update(message_update("/start"))
        call = await fake.wait_for("sendMessage")
        assert "Welcome" in call.result["text"]

Realism notes: message texts sent with ``parse_mode=HTML`` are parsed like Telegram does (tags are
stripped, entities unescaped, ``entities`` are computed, unsupported/unbalanced tags are rejected
with 400 "can't parse entities").  With ``validate=True`` (the default) a few other common Bot API
errors are reproduced as well: empty or too long texts, ``callback_data`` longer than 64 bytes,
invalid bot commands and "message is not modified" edits.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import random
import re
import time
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from types import TracebackType
from typing import Any, Literal, Self

from aiohttp import web
from multidict import MultiMapping

__all__ = [
    "Call",
    "FakeBotAPI",
    "Fault",
    "TelegramAPIError",
    "callback_update",
    "chosen_inline_result_update",
    "group_chat",
    "inline_query_update",
    "last_message",
    "make_message",
    "message_update",
    "my_chat_member_update",
    "photo_update",
    "private_chat",
    "sticker_update",
    "user",
]

DEFAULT_BOT_ID = 7000001
DEFAULT_BOT_USERNAME = "MetLiverTestBot"
BOT_FIRST_NAME = "Liver info test bot"
MAX_LONG_POLL = 30.0
MAX_MESSAGE_LENGTH = 4096
MAX_CALLBACK_DATA_BYTES = 64

# Parameters that hold free text: never JSON-decoded or converted, even if they look like JSON.
_TEXT_PARAMS = frozenset(
    {
        "text",
        "caption",
        "query",
        "data",
        "description",
        "short_description",
        "title",
        "name",
        "question",
        "explanation",
        "next_offset",
        "switch_pm_text",
        "switch_pm_parameter",
        "parse_mode",
        "url",
        "callback_query_id",
        "inline_query_id",
        "inline_message_id",
        "emoji",
        "language_code",
        "result_id",
        "web_app_query_id",
    }
)
# Parameters converted to int when the string looks like an integer.
_INT_PARAMS = frozenset(
    {
        "chat_id",
        "message_id",
        "offset",
        "limit",
        "timeout",
        "message_thread_id",
        "user_id",
        "from_chat_id",
        "reply_to_message_id",
        "cache_time",
        "until_date",
        "direct_messages_topic_id",
    }
)
_INT_RE = re.compile(r"-?\d+")
# Update types that Telegram only delivers when explicitly listed in allowed_updates.
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_BOT_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
_TRUE_METHODS = frozenset(
    {
        "answercallbackquery",
        "answerinlinequery",
        "setmycommands",
        "deletemycommands",
        "setchatmenubutton",
        "sendchataction",
        "deletewebhook",
        "setwebhook",
        "deletemessage",
        "deletemessages",
        "setmydescription",
        "setmyshortdescription",
        "setmyname",
        "close",
        "logout",
    }
)


class TelegramAPIError(Exception):
    """Raised inside the fake server to answer a request with a Bot API error."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


@dataclass
class Call:
    """One request received by the fake server.

    ``params`` are the decoded request parameters (JSON-looking strings such as
    ``reply_markup`` are decoded into dicts/lists; ids/offsets into ints; ``"true"``/``"false"``
    into bools).  ``response`` is the JSON body that was (or will be) sent back, ``None`` for
    dropped connections; ``fault`` is the injected fault this request consumed, if any.
    """

    method: str
    params: dict[str, Any]
    token: str
    at: float
    fault: Fault | None = None
    response: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        """Whether the request was answered with ``{"ok": true, ...}``."""
        return bool(self.response and self.response.get("ok"))

    @property
    def result(self) -> Any:
        """The ``result`` of a successful response (``None`` otherwise)."""
        return self.response.get("result") if self.response else None

    @property
    def text(self) -> str | None:
        """The raw ``text`` parameter (e.g. HTML as sent by the bot), if any."""
        value = self.params.get("text")
        return value if isinstance(value, str) else None


@dataclass(frozen=True)
class Fault:
    """A fault to inject into one request; build with the class-method constructors.

    * ``kind="status"``: answer with HTTP ``code`` and a Telegram style error body.
    * ``kind="raw"``: answer with HTTP ``code`` and ``body`` verbatim (e.g. nginx HTML page).
    * ``kind="drop"``: close the connection without any response.
    * ``kind="delay"``: sleep ``seconds`` and then answer normally.
    """

    kind: Literal["status", "raw", "drop", "delay"]
    code: int = 200
    description: str = ""
    retry_after: int | None = None
    migrate_to_chat_id: int | None = None
    seconds: float = 0.0
    body: str = ""
    content_type: str = "application/json"

    @classmethod
    def status(
        cls,
        code: int,
        description: str | None = None,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
    ) -> Fault:
        """An error response exactly like Telegram's (description defaults per status code)."""
        if description is None:
            if code == 429:
                description = f"Too Many Requests: retry after {retry_after or 1}"
            else:
                description = _DEFAULT_DESCRIPTIONS.get(code, f"Error {code}")
        return cls(
            "status",
            code=code,
            description=description,
            retry_after=retry_after,
            migrate_to_chat_id=migrate_to_chat_id,
        )

    @classmethod
    def flood(cls, retry_after: int = 1) -> Fault:
        """HTTP 429 "Too Many Requests: retry after N" with ``parameters.retry_after``."""
        return cls.status(429, retry_after=retry_after)

    @classmethod
    def blocked(cls) -> Fault:
        """HTTP 403 "Forbidden: bot was blocked by the user"."""
        return cls.status(403, "Forbidden: bot was blocked by the user")

    @classmethod
    def raw(cls, code: int, body: str, content_type: str = "text/html") -> Fault:
        """An arbitrary (possibly non-JSON) response, e.g. a proxy's 502 HTML page."""
        return cls("raw", code=code, body=body, content_type=content_type)

    @classmethod
    def drop(cls) -> Fault:
        """Close the connection without a response (client sees a protocol/reset error)."""
        return cls("drop")

    @classmethod
    def delay(cls, seconds: float) -> Fault:
        """Sleep ``seconds`` before answering normally (cut short by ``stop()``)."""
        return cls("delay", seconds=seconds)


# Fields PTB requires in a ChatFullInfo (the getChat result) besides the Chat fields.
_CHAT_FULL_INFO_DEFAULTS: dict[str, Any] = {
    "accent_color_id": 0,
    "max_reaction_count": 11,
    "accepted_gift_types": {
        "unlimited_gifts": False,
        "limited_gifts": False,
        "unique_gifts": False,
        "premium_subscription": False,
        "gifts_from_channels": False,
    },
}

_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


class FakeBotAPI:
    """An in-process aiohttp server that imitates the Telegram Bot API.

    All requests are recorded in :attr:`calls` in arrival order (``getUpdates`` included).
    ``rtt_ms`` (settable at any time) adds latency to every request except ``getUpdates``.
    Set ``validate=False`` to disable the imitation of Bot API 400 errors for bad input.
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
        try:
            call.response = {"ok": True, "result": self._dispatch(method, params)}
            status = 200
        except TelegramAPIError as err:
            call.response = {"ok": False, "error_code": err.code, "description": err.description}
            status = err.code
        self.calls.append(call)
        self._notify()
        delay = self.rtt_ms / 1000.0 + (fault.seconds if fault is not None else 0.0)
        await self._sleep(delay)
        return web.json_response(call.response, status=status)

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

    # ------------------------------------------------------------------ method implementations

    def _dispatch(self, method: str, params: dict[str, Any]) -> Any:
        name = method.lower()
        if name == "getme":
            return {
                **self.bot_user,
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": True,
            }
        if name == "sendmessage":
            return self._send_message(params)
        if name in ("editmessagetext", "editmessagereplymarkup", "editmessagecaption"):
            return self._edit_message(name, params)
        if name == "getupdates":  # pragma: no cover - handled separately (long poll)
            return []
        if name == "getmycommands":
            return self._commands.get(_commands_key(params), [])
        if name == "setmycommands" and self.validate:
            _check_commands(params.get("commands"))
        if name == "setmycommands":
            self._commands[_commands_key(params)] = list(params.get("commands") or [])
        if name == "deletemycommands":
            self._commands.pop(_commands_key(params), None)
        if name == "getchat":
            return {**self._chat(params.get("chat_id")), **_CHAT_FULL_INFO_DEFAULTS}
        if name == "getwebhookinfo":
            return {
                "url": self._webhook_url,
                "has_custom_certificate": False,
                "pending_update_count": 0 if self._webhook_url == "" else len(self._pending),
            }
        if name == "setwebhook":
            self._webhook_url = str(params.get("url") or "")
        if name == "deletewebhook":
            self._webhook_url = ""
            if params.get("drop_pending_updates") is True:
                self._pending.clear()
        if name == "deletemessage":
            key = (_as_int(params.get("chat_id"), 0), _as_int(params.get("message_id"), 0))
            self._messages.pop(key, None)
        if name == "copymessage":
            return {"message_id": _next_message_id(_as_int(params.get("chat_id"), 0))}
        if name.startswith("send") and name not in _TRUE_METHODS and name != "sendmediagroup":
            return self._send_other(params)
        return True

    def _chat(self, chat_id: Any) -> dict[str, Any]:
        if isinstance(chat_id, int):
            known = self._chats.get(chat_id)
            if known is not None:
                return known
            return {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"}
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            return {
                "id": -1000000000000 - zlib.crc32(chat_id.encode()),
                "type": "channel",
                "username": chat_id[1:],
            }
        raise TelegramAPIError(400, "Bad Request: chat not found")

    def _render(self, params: dict[str, Any], key: str) -> tuple[str, list[dict[str, Any]]]:
        """Return (plain text, entities) for a text/caption parameter."""
        raw = params.get(key)
        text = "" if raw is None else str(raw)
        explicit = params.get("entities" if key == "text" else "caption_entities")
        if str(params.get("parse_mode") or "").lower() == "html":
            try:
                return _parse_html(text)
            except _HTMLError as err:
                if self.validate:
                    raise TelegramAPIError(
                        400, f"Bad Request: can't parse entities: {err}"
                    ) from None
                return _strip_tags(text), []
        return text, list(explicit) if isinstance(explicit, list) else []

    def _base_message(self, params: dict[str, Any]) -> dict[str, Any]:
        if "chat_id" not in params:
            raise TelegramAPIError(400, "Bad Request: chat_id is empty")
        chat = self._chat(params["chat_id"])
        message: dict[str, Any] = {
            "message_id": _next_message_id(chat["id"]),
            "from": self.bot_user,
            "chat": chat,
            "date": int(time.time()),
        }
        thread_id = params.get("message_thread_id")
        if isinstance(thread_id, int):
            message["message_thread_id"] = thread_id
            if chat.get("is_forum"):
                message["is_topic_message"] = True
        reply = params.get("reply_parameters")
        reply_id = reply.get("message_id") if isinstance(reply, dict) else None
        reply_id = reply_id or params.get("reply_to_message_id")
        if isinstance(reply_id, int):
            original = self._messages.get((chat["id"], reply_id))
            if original is not None:
                message["reply_to_message"] = {
                    k: v for k, v in original.items() if k != "reply_to_message"
                }
        return message

    def _store(self, message: dict[str, Any]) -> dict[str, Any]:
        chat_id = message["chat"]["id"]
        self._messages[(chat_id, message["message_id"])] = message
        self._last_by_chat[chat_id] = message
        return message

    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        text, entities = self._render(params, "text")
        markup = _inline_markup(params.get("reply_markup"), validate=self.validate)
        if self.validate:
            if not text.strip():
                raise TelegramAPIError(400, "Bad Request: message text is empty")
            if _utf16_len(text) > MAX_MESSAGE_LENGTH:
                raise TelegramAPIError(400, "Bad Request: message is too long")
        message = self._base_message(params)
        message["text"] = text
        if entities:
            message["entities"] = entities
        if markup is not None:
            message["reply_markup"] = markup
        return self._store(message)

    def _send_other(self, params: dict[str, Any]) -> dict[str, Any]:
        """sendPhoto/sendDocument/...: a Message with the caption (media itself is not echoed)."""
        markup = _inline_markup(params.get("reply_markup"), validate=self.validate)
        message = self._base_message(params)
        if params.get("caption") is not None:
            caption, entities = self._render(params, "caption")
            message["caption"] = caption
            if entities:
                message["caption_entities"] = entities
        if markup is not None:
            message["reply_markup"] = markup
        return self._store(message)

    def _edit_message(self, name: str, params: dict[str, Any]) -> dict[str, Any] | bool:
        markup = _inline_markup(params.get("reply_markup"), validate=self.validate)
        if params.get("inline_message_id"):
            if name == "editmessagetext":
                self._render(params, "text")  # validate HTML
            return True
        chat = self._chat(params.get("chat_id"))
        message_id = _as_int(params.get("message_id"), 0)
        old = self._messages.get((chat["id"], message_id))
        if old is None:
            old = {
                "message_id": message_id,
                "from": self.bot_user,
                "chat": chat,
                "date": int(time.time()),
            }
        new = {k: v for k, v in old.items() if k not in ("reply_markup", "edit_date")}
        if name == "editmessagetext":
            text, entities = self._render(params, "text")
            if self.validate and not text.strip():
                raise TelegramAPIError(400, "Bad Request: message text is empty")
            new["text"] = text
            new.pop("entities", None)
            if entities:
                new["entities"] = entities
        elif name == "editmessagecaption":
            caption, entities = self._render(params, "caption")
            new["caption"] = caption
            new.pop("caption_entities", None)
            if entities:
                new["caption_entities"] = entities
        if markup is not None:
            new["reply_markup"] = markup
        if self.validate and _content(new) == _content(old):
            raise TelegramAPIError(400, _NOT_MODIFIED)
        new["edit_date"] = int(time.time())
        return self._store(new)


# ---------------------------------------------------------------------- request parsing


async def _read_params(request: web.Request) -> dict[str, Any]:
    raw: dict[str, Any] = {}
    _merge(raw, request.query)
    if request.body_exists:
        ctype = request.content_type
        if ctype == "application/json":
            try:
                body = await request.json()
            except ValueError:
                body = None
            if isinstance(body, dict):
                raw.update(body)
        elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    content = value.file.read()
                    raw[key] = {
                        "filename": value.filename,
                        "content_type": value.content_type,
                        "size": len(content),
                    }
                else:
                    raw[key] = value
    return {key: _decode_value(key, value) for key, value in raw.items()}


def _merge(target: dict[str, Any], source: MultiMapping[str]) -> None:
    for key, value in source.items():
        target[key] = value


def _decode_value(key: str, value: Any) -> Any:
    if not isinstance(value, str) or key in _TEXT_PARAMS:
        return value
    if key in _INT_PARAMS and _INT_RE.fullmatch(value):
        return int(value)
    stripped = value.strip()
    if stripped[:1] in ("{", "["):
        try:
            return json.loads(stripped)
        except ValueError:
            return value
    if value in ("true", "false"):
        return value == "true"
    return value


def _as_int(value: Any, default: int) -> int:
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _INT_RE.fullmatch(value):
        return int(value)
    return default


def _as_float(value: Any, default: float) -> float:
    if isinstance(value, bool) or value is None:
        return default
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _error_body(fault: Fault) -> dict[str, Any]:
    body: dict[str, Any] = {
        "ok": False,
        "error_code": fault.code,
        "description": fault.description,
    }
    parameters: dict[str, int] = {}
    if fault.retry_after is not None:
        parameters["retry_after"] = fault.retry_after
    if fault.migrate_to_chat_id is not None:
        parameters["migrate_to_chat_id"] = fault.migrate_to_chat_id
    if parameters:
        body["parameters"] = parameters
    return body


def _short(params: dict[str, Any], limit: int = 300) -> str:
    text = json.dumps(params, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _commands_key(params: dict[str, Any]) -> str:
    scope = params.get("scope") or {"type": "default"}
    return json.dumps([scope, params.get("language_code") or ""], sort_keys=True)


def _check_commands(commands: Any) -> None:
    if not isinstance(commands, list) or len(commands) > 100:
        raise TelegramAPIError(400, "Bad Request: BOT_COMMANDS_TOO_MUCH")
    for command in commands:
        name = command.get("command") if isinstance(command, dict) else None
        description = command.get("description") if isinstance(command, dict) else None
        if not isinstance(name, str) or not _BOT_COMMAND_RE.fullmatch(name):
            raise TelegramAPIError(400, "Bad Request: BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description) <= 256:
            raise TelegramAPIError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")


def _inline_markup(markup: Any, *, validate: bool) -> dict[str, Any] | None:
    """The markup Telegram echoes in the Message: only inline keyboards are echoed."""
    if not isinstance(markup, dict) or "inline_keyboard" not in markup:
        return None
    if validate:
        for row in markup["inline_keyboard"]:
            for button in row:
                data = button.get("callback_data")
                if (
                    data is not None
                    and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA_BYTES
                ):
                    raise TelegramAPIError(400, "Bad Request: BUTTON_DATA_INVALID")
                if not button.get("text"):
                    raise TelegramAPIError(400, "Bad Request: text buttons are unallowed")
    return markup


def _content(message: dict[str, Any]) -> tuple[Any, ...]:
    return (
        message.get("text"),
        message.get("entities"),
        message.get("caption"),
        message.get("reply_markup"),
    )


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


# ---------------------------------------------------------------------- Telegram HTML


class _HTMLError(Exception):
    """Parse error with a Telegram-like message."""


_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
_SUPPORTED_TAGS = frozenset({*_SIMPLE_TAGS, "a", "span", "tg-emoji", "br"})


class _TelegramHTMLParser(HTMLParser):
    """Convert Telegram-flavoured HTML into (text, entities) the way the Bot API does."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self._source = source
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", source)]
        self.parts: list[str] = []
        self.length = 0  # in UTF-16 code units
        self.stack: list[tuple[str, dict[str, str | None], int]] = []
        self.entities: list[dict[str, Any]] = []
        self._pre_language = ""

    def _byte_offset(self) -> int:
        line, col = self.getpos()
        return len(self._source[: self._line_starts[line - 1] + col].encode())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _SUPPORTED_TAGS:
            raise _HTMLError(f'Unsupported start tag "{tag}" at byte offset {self._byte_offset()}')
        if tag == "br":
            raise _HTMLError(f'Unsupported start tag "br" at byte offset {self._byte_offset()}')
        self.stack.append((tag, dict(attrs), self.length))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise _HTMLError(f'Unsupported start tag "{tag}" at byte offset {self._byte_offset()}')

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1][0] != tag:
            raise _HTMLError(
                f'Unmatched end tag at byte offset {self._byte_offset()}, expected "</'
                f'{self.stack[-1][0] if self.stack else ""}>", found "</{tag}>"'
            )
        _, attrs, start = self.stack.pop()
        entity = self._entity(tag, attrs)
        if entity is not None and self.length > start:
            entity.update(offset=start, length=self.length - start)
            self.entities.append(entity)

    def _entity(self, tag: str, attrs: dict[str, str | None]) -> dict[str, Any] | None:
        if tag == "a":
            href = attrs.get("href") or ""
            match = re.fullmatch(r"tg://user\?id=(\d+)", href)
            if match:
                mentioned = {"id": int(match[1]), "is_bot": False, "first_name": ""}
                return {"type": "text_mention", "user": mentioned}
            return {"type": "text_link", "url": href} if href else None
        if tag == "span":
            return {"type": "spoiler"} if attrs.get("class") == "tg-spoiler" else None
        if tag == "tg-emoji":
            return {"type": "custom_emoji", "custom_emoji_id": attrs.get("emoji-id") or ""}
        if tag == "blockquote" and "expandable" in attrs:
            return {"type": "expandable_blockquote"}
        if tag == "code" and self.stack and self.stack[-1][0] == "pre":
            # <pre><code class="language-x">: a single "pre" entity with a language
            self._pre_language = (attrs.get("class") or "").removeprefix("language-")
            return None
        if tag == "pre":
            language, self._pre_language = self._pre_language, ""
            return {"type": "pre", "language": language} if language else {"type": "pre"}
        return {"type": _SIMPLE_TAGS[tag]}

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
        self.length += _utf16_len(data)


def _parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    parser = _TelegramHTMLParser(source)
    parser.feed(source)
    parser.close()
    if parser.stack:
        raise _HTMLError(f'Can\'t find end tag corresponding to start tag "{parser.stack[-1][0]}"')
    entities = sorted(parser.entities, key=lambda e: (e["offset"], -e["length"]))
    return "".join(parser.parts), entities


def _strip_tags(source: str) -> str:
    return html.unescape(re.sub(r"<[^>]*>", "", source))


# ---------------------------------------------------------------------- message ids

_message_ids: dict[int, int] = {}


def _next_message_id(chat_id: int) -> int:
    """Per-chat message ids, shared by the factories and every server (no collisions)."""
    _message_ids[chat_id] = _message_ids.get(chat_id, 0) + 1
    return _message_ids[chat_id]


def _bump_message_id(chat_id: int, seen: int) -> None:
    if seen > _message_ids.get(chat_id, 0):
        _message_ids[chat_id] = seen


def last_message(fake: FakeBotAPI, chat_id: int) -> dict[str, Any]:
    """The Message object ``fake`` returned for the last send/edit to ``chat_id``."""
    return fake.last_message(chat_id)


# ---------------------------------------------------------------------- update factories


def user(
    user_id: int = 1001,
    first_name: str = "Ann",
    username: str | None = None,
    language_code: str | None = "en",
    *,
    last_name: str | None = None,
    is_bot: bool = False,
) -> dict[str, Any]:
    """A ``User`` object."""
    result: dict[str, Any] = {"id": user_id, "is_bot": is_bot, "first_name": first_name}
    if last_name is not None:
        result["last_name"] = last_name
    if username is not None:
        result["username"] = username
    if language_code is not None:
        result["language_code"] = language_code
    return result


def private_chat(
    chat_id: int = 1001, *, first_name: str = "Ann", username: str | None = None
) -> dict[str, Any]:
    """A private ``Chat`` (its id equals the user's id)."""
    chat: dict[str, Any] = {"id": chat_id, "type": "private", "first_name": first_name}
    if username is not None:
        chat["username"] = username
    return chat


def group_chat(
    chat_id: int = -1001234567890,
    title: str = "Family",
    type_: Literal["group", "supergroup", "channel"] = "supergroup",
    is_forum: bool = False,
) -> dict[str, Any]:
    """A group/supergroup/channel ``Chat``; ``is_forum`` marks a supergroup with topics."""
    chat: dict[str, Any] = {"id": chat_id, "type": type_, "title": title}
    if is_forum:
        chat["is_forum"] = True
    return chat


def _chat_of(user_obj: dict[str, Any]) -> dict[str, Any]:
    return private_chat(
        user_obj["id"], first_name=user_obj["first_name"], username=user_obj.get("username")
    )


def make_message(
    *,
    chat: dict[str, Any] | None = None,
    from_user: dict[str, Any] | None = None,
    message_id: int | None = None,
    message_thread_id: int | None = None,
    date: int | None = None,
    reply_to_message: dict[str, Any] | None = None,
    **content: Any,
) -> dict[str, Any]:
    """A ``Message`` dict sent by a user; ``content`` holds e.g. ``text=...`` or ``sticker=...``.

    Defaults: ``from_user=user()``, ``chat`` = the private chat with that user.
    """
    sender = from_user if from_user is not None else user()
    chat = chat if chat is not None else _chat_of(sender)
    if message_id is None:
        message_id = _next_message_id(chat["id"])
    else:
        _bump_message_id(chat["id"], message_id)
    message: dict[str, Any] = {
        "message_id": message_id,
        "from": sender,
        "chat": chat,
        "date": date if date is not None else int(time.time()),
    }
    if message_thread_id is not None:
        message["message_thread_id"] = message_thread_id
        if chat.get("is_forum"):
            message["is_topic_message"] = True
    if reply_to_message is not None:
        message["reply_to_message"] = reply_to_message
    message.update(content)
    return message


def message_update(
    text: str,
    *,
    chat: dict[str, Any] | None = None,
    from_user: dict[str, Any] | None = None,
    message_id: int | None = None,
    message_thread_id: int | None = None,
    edited: bool = False,
    reply_to_message: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A ``message`` (or ``edited_message``) update with ``text``.

    Texts starting with ``/`` get a ``bot_command`` entity covering the first word.
    """
    content: dict[str, Any] = {"text": text}
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0] if text.strip() else text
        content["entities"] = [{"type": "bot_command", "offset": 0, "length": _utf16_len(command)}]
    message = make_message(
        chat=chat,
        from_user=from_user,
        message_id=message_id,
        message_thread_id=message_thread_id,
        reply_to_message=reply_to_message,
        **content,
    )
    if edited:
        message["edit_date"] = message["date"] + 1
        return {"edited_message": message}
    return {"message": message}


def _file_ids(prefix: str) -> dict[str, str]:
    unique = f"{random.getrandbits(48):012x}"
    return {"file_id": f"{prefix}{unique}AAQCAAMCAAM", "file_unique_id": f"AQAD{unique}"}


def sticker_update(
    emoji: str = "👍",
    *,
    chat: dict[str, Any] | None = None,
    from_user: dict[str, Any] | None = None,
    message_id: int | None = None,
    message_thread_id: int | None = None,
    set_name: str | None = None,
) -> dict[str, Any]:
    """A ``message`` update carrying a (static, regular) sticker and no text."""
    sticker: dict[str, Any] = {
        **_file_ids("CAACAgIAAxkBAAI"),
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "emoji": emoji,
        "file_size": 24000,
    }
    if set_name is not None:
        sticker["set_name"] = set_name
    message = make_message(
        chat=chat,
        from_user=from_user,
        message_id=message_id,
        message_thread_id=message_thread_id,
        sticker=sticker,
    )
    return {"message": message}


def photo_update(
    caption: str | None = None,
    *,
    chat: dict[str, Any] | None = None,
    from_user: dict[str, Any] | None = None,
    message_id: int | None = None,
    message_thread_id: int | None = None,
) -> dict[str, Any]:
    """A ``message`` update carrying a photo (three sizes) and an optional caption."""
    ids = _file_ids("AgACAgIAAxkBAAI")
    photo = [
        {
            "file_id": f"{ids['file_id']}{width}",
            "file_unique_id": f"{ids['file_unique_id']}{width}",
            "width": width,
            "height": width * 3 // 4,
            "file_size": width * 60,
        }
        for width in (90, 320, 1280)
    ]
    content: dict[str, Any] = {"photo": photo}
    if caption is not None:
        content["caption"] = caption
    message = make_message(
        chat=chat,
        from_user=from_user,
        message_id=message_id,
        message_thread_id=message_thread_id,
        **content,
    )
    return {"message": message}


def _query_id() -> str:
    return str(random.getrandbits(63))


def callback_update(
    data: str, *, message: dict[str, Any], from_user: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A ``callback_query`` update for a button on ``message`` (e.g. ``last_message(...)``)."""
    chat_id = message.get("chat", {}).get("id", 0)
    return {
        "callback_query": {
            "id": _query_id(),
            "from": from_user if from_user is not None else user(),
            "message": message,
            "chat_instance": str(zlib.crc32(str(chat_id).encode()) * 1000003),
            "data": data,
        }
    }


def inline_query_update(
    query: str,
    *,
    from_user: dict[str, Any] | None = None,
    offset: str = "",
    chat_type: str | None = "sender",
) -> dict[str, Any]:
    """An ``inline_query`` update."""
    inline: dict[str, Any] = {
        "id": _query_id(),
        "from": from_user if from_user is not None else user(),
        "query": query,
        "offset": offset,
    }
    if chat_type is not None:
        inline["chat_type"] = chat_type
    return {"inline_query": inline}


def chosen_inline_result_update(
    result_id: str,
    query: str,
    *,
    from_user: dict[str, Any] | None = None,
    inline_message_id: str | None = None,
) -> dict[str, Any]:
    """A ``chosen_inline_result`` update (needs inline feedback enabled in BotFather)."""
    chosen: dict[str, Any] = {
        "result_id": result_id,
        "from": from_user if from_user is not None else user(),
        "query": query,
    }
    if inline_message_id is not None:
        chosen["inline_message_id"] = inline_message_id
    return {"chosen_inline_result": chosen}


def _chat_member(status: str, member: dict[str, Any]) -> dict[str, Any]:
    """A ChatMember of the given status with every field PTB requires for it."""
    result: dict[str, Any] = {"status": status, "user": member}
    if status == "creator":
        result["is_anonymous"] = False
    elif status == "administrator":
        result.update(
            can_be_edited=False,
            is_anonymous=False,
            can_manage_chat=True,
            can_delete_messages=True,
            can_manage_video_chats=False,
            can_restrict_members=False,
            can_promote_members=False,
            can_change_info=False,
            can_invite_users=True,
            can_post_stories=False,
            can_edit_stories=False,
            can_delete_stories=False,
        )
    elif status == "restricted":
        result.update(
            is_member=True,
            until_date=0,
            **dict.fromkeys(
                (
                    "can_send_messages",
                    "can_send_audios",
                    "can_send_documents",
                    "can_send_photos",
                    "can_send_videos",
                    "can_send_video_notes",
                    "can_send_voice_notes",
                    "can_send_polls",
                    "can_send_other_messages",
                    "can_add_web_page_previews",
                    "can_change_info",
                    "can_invite_users",
                    "can_pin_messages",
                    "can_manage_topics",
                    "can_edit_tag",
                ),
                False,
            ),
        )
    elif status == "kicked":
        result["until_date"] = 0
    return result


def my_chat_member_update(
    chat: dict[str, Any],
    *,
    old_status: str = "left",
    new_status: str = "member",
    from_user: dict[str, Any] | None = None,
    bot_id: int = DEFAULT_BOT_ID,
    bot_username: str = DEFAULT_BOT_USERNAME,
) -> dict[str, Any]:
    """A ``my_chat_member`` update: the bot's status in ``chat`` changed (added, kicked, …)."""
    bot = {"id": bot_id, "is_bot": True, "first_name": BOT_FIRST_NAME, "username": bot_username}
    return {
        "my_chat_member": {
            "chat": chat,
            "from": from_user if from_user is not None else user(),
            "date": int(time.time()),
            "old_chat_member": _chat_member(old_status, bot),
            "new_chat_member": _chat_member(new_status, bot),
        }
    }
