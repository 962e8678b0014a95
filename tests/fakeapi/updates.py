"""Update factories (messages, stickers, photos, callbacks, inline queries, chat members).

They build the dicts tests feed to :meth:`~tests.fakeapi.server.FakeBotAPI.push_update`.
"""

from __future__ import annotations

import random
import time
import zlib
from typing import TYPE_CHECKING, Any, Literal

from tests.fakeapi.html import _utf16_len

if TYPE_CHECKING:
    from tests.fakeapi.server import FakeBotAPI

DEFAULT_BOT_ID = 7000001
DEFAULT_BOT_USERNAME = "MetLiverTestBot"
BOT_FIRST_NAME = "Liver info test bot"


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
