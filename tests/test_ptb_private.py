"""The one private python-telegram-bot use (``bot/transport/ptb_private.py``) still matches PTB.

If PTB renames ``RequestParameter`` or changes how it builds ``RequestData``, this fails loudly
instead of look-ahead polling silently sending a different ``getUpdates``.
"""

from __future__ import annotations

from typing import Any

from telegram import Bot
from telegram.request import BaseRequest, RequestData

from bot.transport.ptb_private import request_data


class _Capture(BaseRequest):
    """Records the RequestData PTB's own Bot builds, and answers like Telegram would."""

    def __init__(self) -> None:
        self.seen: list[RequestData | None] = []

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        self.seen.append(request_data)
        return 200, b'{"ok": true, "result": []}'


async def test_request_data_equals_what_ptb_sends_for_get_updates() -> None:
    capture = _Capture()
    bot = Bot("123:abc", request=capture, get_updates_request=capture)
    await bot.get_updates(offset=42, limit=100, timeout=10, allowed_updates=["message"])
    sent = capture.seen[-1]
    assert sent is not None
    ours = request_data(dict(sent.parameters))
    assert ours.parameters == sent.parameters
    assert ours.json_parameters == sent.json_parameters
    assert ours.json_payload == sent.json_payload
