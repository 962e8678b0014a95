"""An in-process stand-in for the Telegram Bot API, used by ``python -m bot console``.

The console builds the real :class:`telegram.ext.Application` with this request object instead
of an HTTP client, so every update goes through the same handlers, templates and content as in
Telegram. Here the Bot API calls the bot makes are answered the way Telegram would answer them,
and what the bot sent, edited or popped up is kept for the console to show. Nothing leaves the
process: no token is checked and no network is used.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from typing import Any

from telegram.request import BaseRequest, RequestData

BOT_USER: dict[str, Any] = {
    "id": 1,
    "is_bot": True,
    "first_name": "Liver information (console)",
    "username": "LiverInfoConsoleBot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": True,
}
NOT_MODIFIED = ("Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message")
NOT_FOUND = "Bad Request: message to edit not found"


@dataclass
class ChatMessage:
    """A message the bot sent into the console chat, as it stands now."""

    message_id: int
    chat_id: int
    html: str
    keyboard: dict[str, Any] | None = None
    photo: list[dict[str, Any]] | None = None  # a picture; ``html`` is then its caption

    def as_json(self) -> dict[str, Any]:
        """The message as the Bot API would return it (text kept as the bot sent it)."""
        data: dict[str, Any] = {
            "message_id": self.message_id,
            "date": 0,
            "chat": {"id": self.chat_id, "type": "private" if self.chat_id > 0 else "group"},
            "from": BOT_USER,
        }
        if self.photo is None:
            data["text"] = self.html
        else:
            data["photo"], data["caption"] = self.photo, self.html
        if self.keyboard:
            data["reply_markup"] = self.keyboard
        return data


@dataclass(frozen=True)
class Shown:
    """Something the console should show: a new message, an edit, or a button's pop-up."""

    kind: str  # "sent", "picture", "edited" or "notice"
    message: ChatMessage | None = None
    text: str = ""


class InProcessRequest(BaseRequest):
    """A Bot API stand-in with no connection: subclasses answer ``do_request`` themselves."""

    @property
    def read_timeout(self) -> float | None:
        """Answers are immediate: nothing to wait for."""
        return None

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""


class ConsoleRequest(InProcessRequest):
    """Answers the Bot API in-process and keeps what the bot showed, in order."""

    def __init__(self) -> None:
        self.messages: dict[int, ChatMessage] = {}
        self.shown: list[Shown] = []
        self._ids = itertools.count(1)

    def next_id(self) -> int:
        """A new message id in the console chat (the user's and the bot's messages share them)."""
        return next(self._ids)

    def take_shown(self) -> list[Shown]:
        """Everything shown since the last call, oldest first."""
        shown, self.shown = self.shown, []
        return shown

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> tuple[int, bytes]:
        """Answer one Bot API call as Telegram would."""
        name = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        if request_data is not None and request_data.contains_files:
            params.update({key: "upload" for key in request_data.multipart_data})
        try:
            result = self._answer(name, params)
        except _ApiError as exc:
            body = {"ok": False, "error_code": 400, "description": str(exc)}
            return 400, json.dumps(body).encode()
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def _answer(self, name: str, params: dict[str, Any]) -> Any:
        if name == "getMe":
            return BOT_USER
        if name == "getUpdates":
            return []
        if name == "sendMessage":
            return self._send(params)
        if name == "editMessageText":
            return self._edit(params)
        if name == "sendPhoto":
            return self._photo(params)
        if name == "answerCallbackQuery":
            if params.get("text"):
                self.shown.append(Shown("notice", text=str(params["text"])))
            return True
        # setMyCommands, deleteWebhook, sendChatAction, ...: accepted, nothing to show.
        return True

    def _send(self, params: dict[str, Any]) -> dict[str, Any]:
        message = ChatMessage(self.next_id(), int(params.get("chat_id", 0)),
                              str(params.get("text", "")), _keyboard(params))
        self.messages[message.message_id] = message
        self.shown.append(Shown("sent", message))
        return message.as_json()

    def _photo(self, params: dict[str, Any]) -> dict[str, Any]:
        """A picture: shown by its caption; an upload gets a file_id, as in Telegram."""
        file_id = str(params.get("photo", ""))
        if file_id == "upload":
            file_id = f"console-photo-{self.next_id()}"
        size = {"file_id": file_id, "file_unique_id": file_id, "width": 1000, "height": 800}
        message = ChatMessage(self.next_id(), int(params.get("chat_id", 0)),
                              str(params.get("caption", "")), photo=[size])
        self.messages[message.message_id] = message
        self.shown.append(Shown("picture", message))
        return message.as_json()

    def _edit(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self.messages.get(int(params.get("message_id", 0)))
        if message is None:
            raise _ApiError(NOT_FOUND)
        html, keyboard = str(params.get("text", "")), _keyboard(params)
        if (html, keyboard) == (message.html, message.keyboard):
            raise _ApiError(NOT_MODIFIED)
        message.html, message.keyboard = html, keyboard
        self.shown.append(Shown("edited", message))
        return message.as_json()


class _ApiError(Exception):
    """A call Telegram would refuse with 400 Bad Request."""


def _keyboard(params: dict[str, Any]) -> dict[str, Any] | None:
    markup = params.get("reply_markup")
    if isinstance(markup, str):  # already JSON-encoded by the caller
        markup = json.loads(markup)
    return markup if isinstance(markup, dict) and markup.get("inline_keyboard") else None
