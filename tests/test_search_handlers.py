"""Plain text, /search and /glossary on the real Application: replies, tracking, privacy."""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.app import build_application
from bot.config import Settings
from bot.content.keyboards import encode
from bot.context import Services
from tests.recording import RecordingRequest, chat, feed, message

GROUP = chat(-100, "supergroup")


class ListRecorder:
    """Keeps usage events, including everything the handler hands over."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def record(self, kind: str, section: str | None, *, chat_type: str, language: str,
               user_id: int | None) -> None:
        self.events.append({"kind": kind, "section": section, "chat_type": chat_type,
                            "language": language, "user_id": user_id})


@pytest.fixture
def recorder() -> ListRecorder:
    """The usage events of one test."""
    return ListRecorder()


@pytest.fixture
async def search_app(settings: Settings, services: Services, request_: RecordingRequest,
                     recorder: ListRecorder) -> AsyncIterator[Any]:
    """The real Application with a recording usage log."""
    app = build_application(settings, request=request_,
                            services=dataclasses.replace(services, usage=recorder))
    async with app:
        await app.post_init(app)  # type: ignore[misc]
        yield app


def _buttons(params: dict[str, Any]) -> list[str]:
    markup = params.get("reply_markup")
    if isinstance(markup, str):
        markup = json.loads(markup)
    return [b["callback_data"] for row in (markup or {}).get("inline_keyboard", []) for b in row]


async def test_a_question_gets_matching_topics_as_buttons(
        search_app: Any, request_: RecordingRequest, services: Services) -> None:
    await feed(search_app, message("can they operate on bowel cancer in the liver?"))
    (sent,) = request_.sent("sendMessage")
    text, buttons = sent.params["text"], _buttons(sent.params)
    assert text.startswith("<b>Topics in this guide that match your words:</b>")
    assert encode("s", "colorectal_surgery") in buttons
    assert services.content.sections["colorectal_surgery"].summary in text
    assert buttons[-1] == encode("m")
    assert 2 <= len(buttons) <= 4


async def test_a_glossary_word_is_a_result_with_its_definition_button(
        search_app: Any, request_: RecordingRequest) -> None:
    await feed(search_app, message("wat is ascities"))
    (sent,) = request_.sent("sendMessage")
    assert encode("g", "ascites") in _buttons(sent.params)
    assert "📖 <b>Ascites</b>" in sent.params["text"]


async def test_red_flag_shows_the_urgent_advice_itself_first(
        search_app: Any, request_: RecordingRequest) -> None:
    await feed(search_app, message("my dads eyes have gone yellow"))
    (sent,) = request_.sent("sendMessage")
    text = sent.params["text"]
    assert text.startswith("<b>🚨 When to get help urgently</b>")
    assert "Call your local emergency number" in text
    assert "turn yellow (jaundice) and this is new" in text
    assert _buttons(sent.params)[0] == encode("s", "urgent")


async def test_no_match_is_kind_and_shows_the_main_menu(
        search_app: Any, request_: RecordingRequest, services: Services) -> None:
    await feed(search_app, message("what's the weather like tomorrow"))
    (sent,) = request_.sent("sendMessage")
    assert sent.params["text"] == services.search_views.none.html
    assert "couldn't find" in sent.params["text"]
    assert _buttons(sent.params) == [encode("s", s.id) for s in services.content.top]


async def test_plain_text_in_a_group_is_left_alone(search_app: Any,
                                                   request_: RecordingRequest) -> None:
    await feed(search_app, message("vomiting blood", chat_=GROUP))
    assert request_.sent("sendMessage") == []


async def test_search_command_works_in_groups_as_a_reply(
        search_app: Any, request_: RecordingRequest) -> None:
    await feed(search_app, message("/search@LiverTestBot what is AFP", chat_=GROUP))
    (sent,) = request_.sent("sendMessage")
    assert encode("g", "afp") in _buttons(sent.params)
    assert "reply_parameters" in sent.params


async def test_search_for_another_bot_is_ignored(search_app: Any,
                                                 request_: RecordingRequest) -> None:
    await feed(search_app, message("/search@OtherBot what is AFP", chat_=GROUP))
    assert request_.sent("sendMessage") == []


async def test_search_without_words_explains_itself(
        search_app: Any, request_: RecordingRequest, services: Services) -> None:
    for text in ("/search", "/search@LiverTestBot"):
        request_.calls.clear()
        await feed(search_app, message(text, chat_=GROUP if "@" in text else None))
        (sent,) = request_.sent("sendMessage")
        assert sent.params["text"] == services.search_views.usage.html
        assert "/search what is AFP" in sent.params["text"]


async def test_search_command_is_in_the_command_menu(search_app: Any,
                                                     request_: RecordingRequest) -> None:
    for call in request_.sent("setMyCommands"):
        assert "search" in [c["command"] for c in call.params["commands"]]


@pytest.mark.parametrize(("words", "key"), [("alpha feto protien", "afp"),
                                            ("ascities", "ascites"), ("AFP", "afp")])
async def test_glossary_lookup_forgives_typos(search_app: Any, request_: RecordingRequest,
                                              services: Services, words: str, key: str) -> None:
    await feed(search_app, message(f"/glossary {words}"))
    view = services.views.term(key)
    assert view is not None
    assert request_.sent("sendMessage")[0].params["text"] == view.html


async def test_glossary_still_says_kindly_when_a_word_is_missing(
        search_app: Any, request_: RecordingRequest) -> None:
    await feed(search_app, message("/glossary chemo"))
    text = request_.sent("sendMessage")[0].params["text"]
    assert text.startswith("I don't know that word yet.")


async def test_only_search_and_the_first_section_are_recorded(
        search_app: Any, recorder: ListRecorder) -> None:
    await feed(search_app, message("Ann Example's father has yellow eyes"))
    await feed(search_app, message("what is AFP"))
    await feed(search_app, message("how does bowel cancer reach the liver"))
    await feed(search_app, message("football scores"))
    await feed(search_app, message("/search@LiverTestBot lung cancer", chat_=GROUP))
    await feed(search_app, message("/search"))
    assert [(e["kind"], e["section"], e["chat_type"]) for e in recorder.events] == [
        ("search", "urgent", "private"),
        ("search", "glossary", "private"),  # a glossary word came first
        ("search", "spread_portal", "private"),
        ("search", None, "private"),
        ("search", "lung", "supergroup"),
        ("command", "search", "private"),
    ]
    assert "Ann" not in repr(recorder.events)


async def test_the_words_are_never_logged(search_app: Any, request_: RecordingRequest,
                                          caplog: pytest.LogCaptureFixture) -> None:
    secret = "quixotic zanzibar vomiting blood"
    with caplog.at_level(logging.DEBUG):
        await feed(search_app, message(f"my {secret}"))
        await feed(search_app, message(f"/search {secret}", chat_=GROUP))
    assert len(request_.sent("sendMessage")) == 2
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "sendMessage" in logged  # the library's debug log was captured, so words would be
    for word in ("quixotic", "zanzibar"):
        assert word not in logged
