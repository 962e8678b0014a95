"""Recorded requests: the :class:`Call` dataclass and decoding of request parameters into it."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web
from multidict import MultiMapping

if TYPE_CHECKING:
    from tests.fakeapi.faults import Fault

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


@dataclass
class Call:
    """One request received by the fake server.

    ``params`` are the decoded request parameters (JSON-looking strings such as
    ``reply_markup`` are decoded into dicts/lists; ids/offsets into ints; ``"true"``/``"false"``
    into bools).  ``response`` is the JSON body that was (or will be) sent back, ``None`` for
    dropped connections; ``fault`` is the injected fault this request consumed, if any.
    ``webhook`` is true for a call a webhook answered an update with.
    """

    method: str
    params: dict[str, Any]
    token: str
    at: float
    fault: Fault | None = None
    response: dict[str, Any] | None = None
    webhook: bool = False  # made by Telegram from a webhook's answer, not requested by the bot

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
                        "data": content,
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


def _short(params: dict[str, Any], limit: int = 300) -> str:
    text = json.dumps(params, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."
