"""Which event each interaction produces, and that nothing identifying is handed over."""

from __future__ import annotations

import dataclasses
from typing import Any

from bot.app import build_application
from bot.config import Settings
from bot.content.keyboards import encode
from bot.context import Services
from tests.recording import RecordingRequest, callback, chat, feed, message


class ListRecorder:
    """Keeps events in a list, as the usage log would queue them."""

    def __init__(self) -> None:
        self.events: list[tuple[Any, ...]] = []
        self.answers: list[tuple[str, bool]] = []

    def record(self, kind: str, section: str | None, *, chat_type: str, language: str,
               user_id: int | None) -> None:
        self.events.append((kind, section, chat_type, language))

    def answer(self, section: str, helpful: bool) -> None:
        self.answers.append((section, helpful))


async def test_events_per_interaction(settings: Settings, services: Services) -> None:
    recorder = ListRecorder()
    app = build_application(settings, request=RecordingRequest(),
                            services=dataclasses.replace(services, usage=recorder))
    async with app:
        await feed(app, message("/start"))
        await feed(app, message("/start breast"))
        await feed(app, message("/colorectal"))
        await feed(app, message("/lung@LiverTestBot", chat_=chat(-5, "supergroup")))
        await feed(app, callback(encode("s", "spread")))
        await feed(app, callback("garbage"))
        await feed(app, message("/nope"))
        await feed(app, callback(encode("f", "breast", 2)))
    assert recorder.answers == [("breast", False)]
    assert recorder.events == [
        ("command", "start", "private", "en"),
        ("deep_link", "breast", "private", "en"),
        ("command", "colorectal", "private", "en"),
        ("command", "lung", "supergroup", "en"),
        ("button", "spread", "private", "en"),
        ("unknown", None, "private", "en"),
        ("unknown", None, "private", "en"),
        ("feedback", "breast", "private", "en"),
    ]
