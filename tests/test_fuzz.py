"""Property-based tests: generated updates of every kind through the real Application.

Whatever arrives, the bot raises nothing unhandled, answers every private message, sends only
valid Telegram HTML within the length limit, and never echoes user text unescaped: the generated
text carries markup between two ``MARK``s, which the bot's own messages never contain, so markup
between two marks in a sent message can only be the person's text gone through unescaped.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram.ext import Application

from bot.app import build_application
from bot.config import Settings
from bot.content.markdown import html_problems, visible_length
from bot.context import Services
from tests.recording import BOT_USER, RecordingRequest, feed

_ids = itertools.count(10_000)
COMMANDS = ["start", "menu", "help", "privacy", "glossary", "colorectal", "breast", "urgent",
            "search", "stats", "about", "nope"]
MARK = "zq7"
MARKUP = ("<", "<b>", "</i>", "<a href='x'>", "&", "&amp;")
MARKED = st.sampled_from(MARKUP).map(lambda piece: f"{MARK}{piece}{MARK}")
WEIRD = st.sampled_from(["\u200b", "\u202e", "\u0645\u0631\u062d\u0628\u0627", "😀" * 3,
                         "<b>", "</i>", "&amp;", "<a href='x'>", "\x00", "%s", "{x}", "\n"])
TEXT = st.lists(st.one_of(st.text(max_size=200), WEIRD, MARKED), max_size=30).map("".join)
HUGE = st.tuples(st.integers(min_value=3000, max_value=4096),
                 st.sampled_from(["😀", "a", "ж", "\u200b", "<", "/"])).map(lambda t: t[1] * t[0])


def _chat() -> st.SearchStrategy[dict[str, Any]]:
    return st.sampled_from(["private", "group", "supergroup", "channel"]).map(
        lambda kind: {"id": next(_ids) * (1 if kind == "private" else -1), "type": kind}
        | ({} if kind == "private" else {"title": "Family"}))


def _user() -> dict[str, Any]:
    return {"id": next(_ids), "is_bot": False, "first_name": "<b>Ann</b>",
            "language_code": "en"}


@st.composite
def command_text(draw: st.DrawFn) -> str:
    name = draw(st.one_of(st.sampled_from(COMMANDS), st.from_regex(r"[a-z0-9_]{1,40}",
                                                                   fullmatch=True)))
    target = draw(st.sampled_from(["", "@LiverTestBot", "@OtherBot"]))
    args = draw(st.one_of(st.just(""), TEXT))
    return f"/{name}{target} {args}".rstrip()


@st.composite
def updates(draw: st.DrawFn) -> dict[str, Any]:
    chat = draw(_chat())
    kind = draw(st.sampled_from(["text", "command", "huge", "callback", "sticker", "photo",
                                 "location", "edited", "channel_post", "poll_answer",
                                 "deep_link"]))
    message: dict[str, Any] = {"message_id": next(_ids), "date": 0, "chat": chat,
                               "from": _user()}
    if kind in ("text", "edited", "channel_post"):
        message["text"] = draw(st.one_of(TEXT, command_text())) or "x"
    elif kind == "huge":
        message["text"] = draw(HUGE)
    elif kind in ("command", "deep_link"):
        message["text"] = (draw(command_text()) if kind == "command"
                           else "/start " + draw(TEXT))
    elif kind == "sticker":
        message["sticker"] = {"file_id": "f", "file_unique_id": "u", "type": "regular",
                              "width": 1, "height": 1, "is_animated": False, "is_video": False}
    elif kind == "photo":
        message["photo"] = [{"file_id": "p", "file_unique_id": "q", "width": 1, "height": 1}]
    elif kind == "location":
        message["location"] = {"latitude": 1.5, "longitude": 2.5}
    if "text" in message and message["text"].startswith("/"):
        length = len(message["text"].split(" ")[0])
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    update: dict[str, Any] = {"update_id": next(_ids)}
    if kind == "callback":
        data = draw(st.one_of(
            st.text(max_size=64),
            st.builds(lambda a, p: f"1|s|{a}|{p}", st.text(max_size=30),
                      st.integers(-5, 1000)),
            st.sampled_from(["1|m", "1|s|overview|1", "1|g|afp|1", "1|gl|w|3", "1|s|overview|",
                             "1|f|overview|1", "1|f|nope|9", "2|m", "1|s|over|view|1"])))
        bot_msg = {"message_id": next(_ids), "date": 0, "chat": chat, "from": BOT_USER,
                   "text": "x"}
        update["callback_query"] = {"id": str(next(_ids)), "from": _user(),
                                    "chat_instance": "c", "data": data, "message": bot_msg}
    elif kind == "edited":
        update["edited_message"] = message | {"edit_date": 1}
    elif kind == "channel_post":
        update["channel_post"] = message | {"chat": {"id": -next(_ids), "type": "channel"}}
    elif kind == "poll_answer":
        update["poll_answer"] = {"poll_id": "p", "option_ids": [0], "user": _user(),
                                 "option_persistent_ids": ["a"]}
    else:
        update["message"] = message
    return update


@pytest.fixture
def fuzz_app(services: Services) -> Iterator[tuple[Application, RecordingRequest, list[Any],
                                                   asyncio.AbstractEventLoop]]:
    """An initialised app on its own event loop, with a spy on its error handlers."""
    loop = asyncio.new_event_loop()
    request = RecordingRequest()
    app = build_application(Settings(token="123:abc"), request=request, services=services,
                            rate_limit=False)
    errors: list[Any] = []

    async def spy(_: object, context: Any) -> None:
        errors.append(context.error)

    app.add_error_handler(spy)
    loop.run_until_complete(app.initialize())
    yield app, request, errors, loop
    loop.run_until_complete(app.shutdown())
    loop.close()


@settings(max_examples=400, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(update=updates())
def test_any_update_is_handled_safely(fuzz_app: Any, update: dict[str, Any]) -> None:
    app, request, errors, loop = fuzz_app
    request.calls.clear()
    loop.run_until_complete(feed(app, update))
    assert errors == [], errors
    sent = request.sent("sendMessage") + request.sent("editMessageText")
    for call in sent:
        text = call.params["text"]
        assert html_problems(text) == [], text
        assert 0 < visible_length(text) <= 4096
        assert not [piece for piece in MARKUP if f"{MARK}{piece}{MARK}" in text], text
    message = update.get("message")
    if message and message["chat"]["type"] == "private":
        assert [c for c in request.sent("sendMessage")
                if c.params["chat_id"] == message["chat"]["id"]], "private message unanswered"
    if update.get("callback_query"):
        assert len(request.sent("answerCallbackQuery")) == 1
