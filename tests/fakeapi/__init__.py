"""A fake Telegram Bot API server for end-to-end tests, benchmarks and fault injection.

Re-exports the public names of the submodules; see :class:`FakeBotAPI` for an overview.
"""

from tests.fakeapi.calls import Call
from tests.fakeapi.faults import Fault, TelegramAPIError
from tests.fakeapi.html import parse_html
from tests.fakeapi.server import FakeBotAPI
from tests.fakeapi.updates import (
    callback_update,
    chosen_inline_result_update,
    group_chat,
    inline_query_update,
    last_message,
    make_message,
    message_update,
    my_chat_member_update,
    photo_update,
    private_chat,
    sticker_update,
    user,
)

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
    "parse_html",
    "photo_update",
    "private_chat",
    "sticker_update",
    "user",
]
