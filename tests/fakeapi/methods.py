"""Bot API method handlers (sendMessage, editMessageText, getChat, setMyCommands, ...).

:class:`BotAPIMethods` is a mixin of :class:`~tests.fakeapi.server.FakeBotAPI`.
"""

from __future__ import annotations

import json
import re
import time
import zlib
from typing import TYPE_CHECKING, Any

from tests.fakeapi.calls import _as_int
from tests.fakeapi.faults import TelegramAPIError
from tests.fakeapi.html import _HTMLError, _strip_tags, _utf16_len, parse_html
from tests.fakeapi.media import MAX_CAPTION_LENGTH, PhotoStore
from tests.fakeapi.updates import _next_message_id

MAX_MESSAGE_LENGTH = 4096
MAX_CALLBACK_DATA_BYTES = 64

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


class BotAPIMethods:
    """Computes the result of every Bot API method except ``getUpdates``.

    Keeps the state Telegram would keep: known chats, sent messages, commands and the webhook.
    The attributes below are initialised by ``FakeBotAPI.__init__``.
    """

    validate: bool
    _pending: list[dict[str, Any]]
    _chats: dict[int, dict[str, Any]]
    _messages: dict[tuple[int, int], dict[str, Any]]
    _last_by_chat: dict[int, dict[str, Any]]
    _commands: dict[str, list[Any]]
    _webhook_url: str
    photos: PhotoStore

    if TYPE_CHECKING:

        @property
        def bot_user(self) -> dict[str, Any]: ...

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
                return parse_html(text)
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
        photo = self.photos.photo(params["photo"]) if "photo" in params else None
        if params.get("caption") is not None:
            caption, entities = self._render(params, "caption")
            if self.validate and _utf16_len(caption) > MAX_CAPTION_LENGTH:
                raise TelegramAPIError(400, "Bad Request: message caption is too long")
        message = self._base_message(params)
        if photo is not None:
            message["photo"] = photo
        if params.get("caption") is not None:
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
