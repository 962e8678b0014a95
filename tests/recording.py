"""A recording ``BaseRequest`` and update factories for handler tests on the real Application."""

from __future__ import annotations

import dataclasses
import itertools
import json
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import Application
from telegram.request import RequestData

from bot.app import build_application
from bot.config import Settings
from bot.console.request import InProcessRequest
from bot.context import Services
from bot.usage.log import UsageLog

BOT_USER = {
    "id": 7000001,
    "is_bot": True,
    "first_name": "Liver info",
    "username": "LiverTestBot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": True,
}


@dataclass
class Sent:
    """One API call the bot made."""

    method: str
    params: dict[str, Any]
    result: Any = None


class RecordingRequest(InProcessRequest):
    """Answers every Bot API call like Telegram would and records it; no network."""

    def __init__(self) -> None:
        self.calls: list[Sent] = []
        self._ids = itertools.count(500)

    def sent(self, method: str) -> list[Sent]:
        """Calls to ``method``, oldest first."""
        return [c for c in self.calls if c.method == method]

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> tuple[int, bytes]:
        """Record the call and answer ``{"ok": true, ...}``."""
        name = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        if request_data is not None and request_data.contains_files:  # uploads, e.g. a photo
            params.update({key: {"filename": file[0], "data": file[1]}
                           for key, file in request_data.multipart_data.items()})
        call = Sent(name, params)
        self.calls.append(call)
        result: Any = True
        if name == "getMe":
            result = BOT_USER
        elif name == "getUpdates":
            result = []
        elif name in ("sendMessage", "editMessageText"):
            chat_id = params.get("chat_id", 1)
            result = {
                "message_id": params.get("message_id") or next(self._ids),
                "date": 0,
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
                "text": params.get("text", ""),
                "from": BOT_USER,
            }
        elif name == "sendPhoto":
            chat_id = params.get("chat_id", 1)
            photo = params.get("photo")
            file_id = photo if isinstance(photo, str) else f"photo-{next(self._ids)}"
            result = {
                "message_id": next(self._ids),
                "date": 0,
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
                "photo": [{"file_id": file_id, "file_unique_id": file_id, "width": 1000,
                           "height": 800}],
                "caption": params.get("caption", ""),
                "from": BOT_USER,
            }
        call.result = result
        return 200, json.dumps({"ok": True, "result": result}).encode()


_ids = itertools.count(1)


def user(user_id: int = 1001, language_code: str = "en") -> dict[str, Any]:
    """A Telegram user object."""
    return {
        "id": user_id,
        "is_bot": False,
        "first_name": "Ann",
        "username": "ann_example",
        "language_code": language_code,
    }


def chat(chat_id: int = 1001, kind: str = "private") -> dict[str, Any]:
    """A chat object; groups get a title."""
    return {"id": chat_id, "type": kind} | ({} if kind == "private" else {"title": "Family"})


def message(
    text: str | None = "hi",
    *,
    chat_: dict[str, Any] | None = None,
    edited: bool = False,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A message (or edited message) update; commands get their ``bot_command`` entity."""
    msg: dict[str, Any] = {
        "message_id": next(_ids),
        "date": 0,
        "chat": chat_ or chat(),
        "from": user(),
    }
    if text is not None:
        msg["text"] = text
        if text.startswith("/"):
            msg["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
            ]
    if edited:
        msg["edit_date"] = 1
    msg |= extra or {}
    return {"update_id": next(_ids), "edited_message" if edited else "message": msg}


def callback(data: str, *, chat_: dict[str, Any] | None = None) -> dict[str, Any]:
    """A button tap on a message the bot sent."""
    msg = {"message_id": 42, "date": 0, "chat": chat_ or chat(), "from": BOT_USER, "text": "x"}
    return {
        "update_id": next(_ids),
        "callback_query": {
            "id": str(next(_ids)),
            "from": user(),
            "chat_instance": "ci",
            "data": data,
            "message": msg,
        },
    }


async def feed(app: Application, raw: dict[str, Any]) -> None:  # type: ignore[type-arg]
    """Process one raw update through the application, as polling would."""
    await app.process_update(Update.de_json(raw, app.bot))


def application(settings: Settings, services: Services,
                request: InProcessRequest) -> Application:  # type: ignore[type-arg]
    """The real Application on ``request``, with a usage log of its own in ``settings.db_path``
    (opened by ``post_init`` and closed by ``post_shutdown``, as when the bot runs)."""
    return build_application(settings, request=request, services=dataclasses.replace(
        services, settings=settings, usage=UsageLog.from_settings(settings)))
