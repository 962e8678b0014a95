"""Handlers on the real Application with a recording request: what each update gets back."""

from __future__ import annotations

import json
from typing import Any

from bot.content.keyboards import encode
from bot.context import Services
from tests.recording import RecordingRequest, callback, chat, feed, message


def _buttons(params: dict[str, Any]) -> list[str]:
    markup = params.get("reply_markup")
    if markup is None:
        return []
    if isinstance(markup, str):
        markup = json.loads(markup)
    return [b["callback_data"] for row in markup["inline_keyboard"] for b in row]


async def test_start_sends_welcome_and_main_menu(app: Any, request_: RecordingRequest,
                                                services: Services) -> None:
    await feed(app, message("/start"))
    (sent,) = request_.sent("sendMessage")
    assert sent.params["text"] == services.views.welcome.html
    assert sent.params["parse_mode"] == "HTML"
    assert _buttons(sent.params) == [encode("s", s.id) for s in services.content.top]


async def test_deep_link_opens_the_section(app: Any, request_: RecordingRequest,
                                           services: Services) -> None:
    await feed(app, message("/start colorectal_surgery"))
    (sent,) = request_.sent("sendMessage")
    assert sent.params["text"] == services.views.section("colorectal_surgery").html


async def test_deep_link_to_unknown_section_gets_welcome(app: Any, request_: RecordingRequest,
                                                        services: Services) -> None:
    await feed(app, message("/start no_such_thing"))
    assert request_.sent("sendMessage")[0].params["text"] == services.views.welcome.html


async def test_every_section_command_answers_with_its_first_page(
        app: Any, request_: RecordingRequest, services: Services) -> None:
    for section in services.content.sections.values():
        if section.id == "glossary":
            continue
        request_.calls.clear()
        await feed(app, message(f"/{section.command}"))
        (sent,) = request_.sent("sendMessage")
        assert sent.params["text"] == services.views.section(section.id).html, section.id


async def test_group_command_with_our_name_is_answered_as_reply(
        app: Any, request_: RecordingRequest, services: Services) -> None:
    await feed(app, message("/breast@LiverTestBot", chat_=chat(-100, "supergroup")))
    (sent,) = request_.sent("sendMessage")
    assert sent.params["text"] == services.views.section("breast").html
    assert "reply_parameters" in sent.params


async def test_group_command_for_another_bot_is_ignored(app: Any,
                                                       request_: RecordingRequest) -> None:
    await feed(app, message("/breast@SomeOtherBot", chat_=chat(-100, "supergroup")))
    await feed(app, message("/nonsense@SomeOtherBot", chat_=chat(-100, "supergroup")))
    assert request_.sent("sendMessage") == []


async def test_unknown_command_private_gets_kind_answer(app: Any, request_: RecordingRequest,
                                                       services: Services) -> None:
    await feed(app, message("/frobnicate"))
    (sent,) = request_.sent("sendMessage")
    assert sent.params["text"] == services.views.unknown.html
    assert _buttons(sent.params)  # the menu comes with it


async def test_unknown_command_in_group_is_quiet_unless_addressed(
        app: Any, request_: RecordingRequest, services: Services) -> None:
    group = chat(-100, "group")
    await feed(app, message("/frobnicate", chat_=group))
    assert request_.sent("sendMessage") == []
    await feed(app, message("/frobnicate@LiverTestBot", chat_=group))
    assert request_.sent("sendMessage")[0].params["text"] == services.views.unknown.html


async def test_sticker_private_gets_answer_group_stays_quiet(
        app: Any, request_: RecordingRequest, services: Services) -> None:
    sticker = {"sticker": {"file_id": "f", "file_unique_id": "u", "type": "regular",
                           "width": 1, "height": 1, "is_animated": False, "is_video": False}}
    await feed(app, message(None, extra=sticker))
    assert request_.sent("sendMessage")[0].params["text"] == services.views.unsupported.html
    request_.calls.clear()
    await feed(app, message(None, chat_=chat(-5, "group"), extra=sticker))
    assert request_.sent("sendMessage") == []


async def test_plain_text_private_gets_menu(app: Any, request_: RecordingRequest,
                                            services: Services) -> None:
    await feed(app, message("hello there"))
    assert _buttons(request_.sent("sendMessage")[0].params)


async def test_edited_command_is_not_answered_twice(app: Any, request_: RecordingRequest,
                                                    services: Services) -> None:
    await feed(app, message("/colorectal", edited=True))
    (sent,) = request_.sent("sendMessage")
    assert sent.params["text"] == services.views.edited.html
    request_.calls.clear()
    await feed(app, message("/colorectal", edited=True, chat_=chat(-7, "group")))
    assert request_.sent("sendMessage") == []


async def test_button_edits_in_place_and_answers(app: Any, request_: RecordingRequest,
                                                 services: Services) -> None:
    await feed(app, callback(encode("s", "causes")))  # no picture (see test_pictures.py)
    assert len(request_.sent("answerCallbackQuery")) == 1
    (edit,) = request_.sent("editMessageText")
    assert edit.params["text"] == services.views.section("causes").html
    assert edit.params["message_id"] == 42
    assert request_.calls.index(request_.sent("answerCallbackQuery")[0]) < request_.calls.index(
        edit)


async def test_stale_button_gets_friendly_answer_and_menu(
        app: Any, request_: RecordingRequest, services: Services) -> None:
    for data in ("0|s|old|1", encode("s", "gone_section"), encode("s", "overview", 77)):
        request_.calls.clear()
        await feed(app, callback(data))
        (ans,) = request_.sent("answerCallbackQuery")
        assert ans.params["text"] == services.renderer.label("stale_answer")
        (sent,) = request_.sent("sendMessage")
        assert sent.params["text"] == services.views.stale.html
        assert request_.sent("editMessageText") == []


async def test_glossary_word_and_list(app: Any, request_: RecordingRequest,
                                      services: Services) -> None:
    await feed(app, message("/glossary AFP"))
    assert request_.sent("sendMessage")[0].params["text"] == services.views.term("afp").html
    request_.calls.clear()
    await feed(app, message("/glossary"))
    assert encode("g", "metastasis") in _buttons(request_.sent("sendMessage")[0].params)
    request_.calls.clear()
    await feed(app, message("/glossary <b>zzz</b>"))
    text = request_.sent("sendMessage")[0].params["text"]
    assert "zzz" not in text  # never repeated (issue 15)


async def test_command_menu_published_for_private_and_groups(
        app: Any, request_: RecordingRequest, services: Services) -> None:
    # (the admins' own chats get their own list: see test_stats.py)
    calls = [c for c in request_.sent("setMyCommands") if c.params["scope"]["type"] != "chat"]
    scopes = sorted(str(c.params["scope"]["type"].value) for c in calls)
    assert len(calls) == 2
    assert "all_group_chats" in scopes[0]
    assert "all_private_chats" in scopes[1]
    names = [c["command"] for c in calls[0].params["commands"]]
    for section in services.content.sections.values():
        assert section.command in names
    assert {"start", "help", "menu", "privacy"} <= set(names)
    assert "stats" not in names
