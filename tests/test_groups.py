"""Group behaviour on the real Application: group pages, repeats, introduction, upgrades."""

from __future__ import annotations

import dataclasses
import itertools
import json
import logging
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import Application

from bot.app import build_application, build_services
from bot.config import Settings
from bot.content.keyboards import encode
from bot.context import Services, services_of
from bot.transport.recent import WINDOW_SECONDS, RecentAnswers
from tests.conftest import TOKEN
from tests.fakeapi import my_chat_member_update
from tests.recording import BOT_USER, RecordingRequest, Sent, callback, chat, feed, message

CONTENT = Path(__file__).resolve().parent.parent / "content" / "en"
GROUP = chat(-100200, "supergroup")
BOT_LINK = f"https://t.me/{BOT_USER['username']}?start="


class Clock:
    """A clock the test moves by hand (no sleeping, no timing)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class TelegramSays(RecordingRequest):
    """Answers chosen sendMessage calls with a Bot API error instead of success."""

    def __init__(self) -> None:
        super().__init__()
        self.missing_replies: set[int] = set()
        self.migrated: dict[int, int] = {}
        self.muted: set[int] = set()

    async def do_request(self, url: str, method: str, request_data: Any = None, *args: Any,
                         **kwargs: Any) -> tuple[int, bytes]:
        params = dict(request_data.parameters) if request_data else {}
        if url.endswith("/sendMessage"):
            reply = params.get("reply_parameters") or {}
            if reply.get("message_id") in self.missing_replies:
                return self._error(params, "Bad Request: message to be replied not found")
            if params.get("chat_id") in self.muted:
                return self._error(params, "Bad Request: not enough rights to send text "
                                   "messages to the chat")
            if params.get("chat_id") in self.migrated:
                return self._error(params, "Bad Request: group chat was upgraded to a "
                                   "supergroup chat",
                                   migrate_to_chat_id=self.migrated[params["chat_id"]])
        return await super().do_request(url, method, request_data, *args, **kwargs)

    def _error(self, params: dict[str, Any], description: str,
               **parameters: int) -> tuple[int, bytes]:
        self.calls.append(Sent("sendMessage", params, "error"))
        body: dict[str, Any] = {"ok": False, "error_code": 400, "description": description}
        if parameters:
            body["parameters"] = parameters
        return 400, json.dumps(body).encode()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def telegram() -> TelegramSays:
    return TelegramSays()


@pytest.fixture
async def group_app(settings: Settings, services: Services, telegram: TelegramSays,
                    clock: Clock) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    app = build_application(settings, request=telegram, services=dataclasses.replace(
        services, recent=RecentAnswers(clock=clock)))
    async with app:
        yield app


def buttons(params: dict[str, Any]) -> list[dict[str, Any]]:
    markup = params.get("reply_markup") or {"inline_keyboard": []}
    if isinstance(markup, str):
        markup = json.loads(markup)
    return [b for row in markup["inline_keyboard"] for b in row]


def answers(telegram: RecordingRequest) -> list[Sent]:
    return [c for c in telegram.sent("sendMessage") if c.result != "error"]


async def test_group_answer_is_the_group_page_with_share_and_no_paging(
        group_app: Any, telegram: TelegramSays, services: Services) -> None:
    ask = message("/breast@LiverTestBot", chat_=GROUP)
    await feed(group_app, ask)
    (sent,) = answers(telegram)
    assert sent.params["text"] == services.views.section("breast").html
    assert sent.params["reply_parameters"]["message_id"] == ask["message"]["message_id"]
    shares = [b for b in buttons(sent.params) if "switch_inline_query_chosen_chat" in b]
    assert [b["switch_inline_query_chosen_chat"] for b in shares] == [
        {"query": "s:breast", "allow_user_chats": True, "allow_group_chats": True}]
    data = [b.get("callback_data") for b in buttons(sent.params)]
    assert encode("s", "breast", 2) not in data


async def test_same_section_again_gets_a_pointer_to_the_first_answer(
        group_app: Any, telegram: TelegramSays, services: Services, clock: Clock) -> None:
    await feed(group_app, message("/breast@LiverTestBot", chat_=GROUP))
    clock.now += WINDOW_SECONDS - 1
    await feed(group_app, message("/breast", chat_=GROUP))
    first, pointer = answers(telegram)
    assert pointer.params["text"] == services.views.repeat_pointer.html
    assert pointer.params["reply_parameters"]["message_id"] == first.result["message_id"]
    assert "reply_markup" not in pointer.params
    # Another section, another group, or the same section in private are answered in full.
    await feed(group_app, message("/lung@LiverTestBot", chat_=GROUP))
    await feed(group_app, message("/breast@LiverTestBot", chat_=chat(-100300, "supergroup")))
    await feed(group_app, message("/breast"))
    await feed(group_app, message("/breast"))
    texts = [c.params["text"] for c in answers(telegram)[2:]]
    assert texts == [services.views.section("lung").html] + [
        services.views.section("breast").html] * 3


async def test_after_the_window_the_answer_is_repeated(
        group_app: Any, telegram: TelegramSays, services: Services, clock: Clock) -> None:
    await feed(group_app, message("/breast@LiverTestBot", chat_=GROUP))
    clock.now += WINDOW_SECONDS
    await feed(group_app, message("/breast@LiverTestBot", chat_=GROUP))
    assert [c.params["text"] for c in answers(telegram)] == [
        services.views.section("breast").html] * 2


async def test_repeat_in_another_forum_topic_is_answered_there(
        group_app: Any, telegram: TelegramSays, services: Services) -> None:
    forum = chat(-100400, "supergroup") | {"is_forum": True}
    for topic in (11, 22, 22):
        extra = {"message_thread_id": topic, "is_topic_message": True}
        await feed(group_app, message("/urgent@LiverTestBot", chat_=forum, extra=extra))
    first, second, third = answers(telegram)
    assert [c.params["message_thread_id"] for c in (first, second, third)] == [11, 22, 22]
    assert first.params["text"] == second.params["text"] == services.views.section("urgent").html
    assert third.params["text"] == services.views.repeat_pointer.html
    assert third.params["reply_parameters"]["message_id"] == second.result["message_id"]


async def test_deleted_earlier_answer_means_a_full_answer(
        group_app: Any, telegram: TelegramSays, services: Services) -> None:
    await feed(group_app, message("/breast@LiverTestBot", chat_=GROUP))
    telegram.missing_replies.add(answers(telegram)[0].result["message_id"])
    await feed(group_app, message("/breast@LiverTestBot", chat_=GROUP))
    tried = telegram.sent("sendMessage")[1]
    assert tried.result == "error"
    assert tried.params["text"] == services.views.repeat_pointer.html
    assert answers(telegram)[-1].params["text"] == services.views.section("breast").html


async def test_glossary_word_in_a_group_is_not_repeated(
        group_app: Any, telegram: TelegramSays, services: Services) -> None:
    await feed(group_app, message("/glossary@LiverTestBot afp", chat_=GROUP))
    await feed(group_app, message("/glossary@LiverTestBot AFP", chat_=GROUP))
    first, pointer = answers(telegram)
    assert first.params["text"] == services.views.term("afp").html
    assert pointer.params["text"] == services.views.repeat_pointer.html


async def test_deep_link_started_in_a_group_uses_the_group_page(
        group_app: Any, telegram: TelegramSays) -> None:
    await feed(group_app, message("/start@LiverTestBot lung", chat_=GROUP))
    await feed(group_app, message("/lung@LiverTestBot", chat_=GROUP))
    assert [c.params["text"] for c in answers(telegram)][1] == services_of(
        group_app).views.repeat_pointer.html


def _member_update(chat_: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    return {"update_id": next(_update_ids)} | my_chat_member_update(
        chat_, old_status=old, new_status=new, bot_id=BOT_USER["id"],
        bot_username=BOT_USER["username"])


_update_ids = itertools.count(900000)


async def test_introduction_once_when_added_and_forgotten_when_removed(
        group_app: Any, telegram: TelegramSays) -> None:
    group = chat(-100500, "group")
    await feed(group_app, _member_update(group, "left", "member"))
    (intro,) = answers(telegram)
    assert intro.params["chat_id"] == group["id"]
    text = intro.params["text"]
    assert "@LiverTestBot" in text
    assert "/symptoms@LiverTestBot" in text
    assert "record nothing about the members" in text
    assert "reply_parameters" not in intro.params
    # Being promoted, a user blocking the bot in private, a channel: no introduction.
    await feed(group_app, _member_update(group, "member", "administrator"))
    await feed(group_app, _member_update(chat(77, "private"), "member", "kicked"))
    await feed(group_app, _member_update(chat(-100600, "channel"), "left", "administrator"))
    assert len(answers(telegram)) == 1
    # Removed: the group's recent answers are forgotten at once.
    recent = services_of(group_app).recent
    await feed(group_app, message("/lung@LiverTestBot", chat_=group))
    assert recent is not None
    assert recent.find(group["id"], None, "s:lung") is not None
    await feed(group_app, _member_update(group, "member", "kicked"))
    assert recent.find(group["id"], None, "s:lung") is None


async def test_added_where_members_cannot_write_is_not_an_error(
        group_app: Any, telegram: TelegramSays, caplog: pytest.LogCaptureFixture) -> None:
    group = chat(-100700, "supergroup")
    telegram.muted.add(group["id"])
    caplog.set_level(logging.INFO)
    await feed(group_app, _member_update(group, "left", "member"))
    assert [c.result for c in telegram.sent("sendMessage")] == ["error"]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert "could not post the group introduction: BadRequest" in caplog.text


async def test_upgrade_to_supergroup_keeps_the_recent_answers(
        group_app: Any, telegram: TelegramSays, services: Services) -> None:
    old, new = chat(-500, "group"), chat(-1009999, "supergroup")
    await feed(group_app, message("/lung@LiverTestBot", chat_=old))
    await feed(group_app, message(None, chat_=old, extra={"migrate_to_chat_id": new["id"]}))
    await feed(group_app, message(None, chat_=new, extra={"migrate_from_chat_id": old["id"]}))
    await feed(group_app, message("/lung@LiverTestBot", chat_=new))
    first, pointer = answers(telegram)
    assert pointer.params["chat_id"] == new["id"]
    assert pointer.params["text"] == services.views.repeat_pointer.html
    assert pointer.params["reply_parameters"]["message_id"] == first.result["message_id"]


async def test_answer_follows_a_group_that_was_just_upgraded(
        group_app: Any, telegram: TelegramSays, services: Services) -> None:
    old = chat(-600, "group")
    telegram.migrated[old["id"]] = -1008888
    await feed(group_app, message("/lung@LiverTestBot", chat_=old))
    (answer,) = answers(telegram)
    assert answer.params["chat_id"] == -1008888
    assert answer.params["text"] == services.views.section("lung").html
    recent = services_of(group_app).recent
    assert recent is not None
    assert recent.find(-1008888, None, "s:lung") is not None


# ---------------------------------------------------------------- long sections in groups


@pytest.fixture(scope="module")
def long_services(tmp_path_factory: pytest.TempPathFactory) -> Services:
    """The real content plus one section long enough for three pages."""
    folder = tmp_path_factory.mktemp("content") / "en"
    shutil.copytree(CONTENT, folder)
    body = "\n\n".join(f"Paragraph {i}. " + "Plain words for a long page. " * 40
                       for i in range(8))
    (folder / "diet.md").write_text(
        "---\nid: diet\ncommand: diet\ntitle: Eating well\nparent: treatment\norder: 9\n"
        "summary: Food during treatment.\nkeywords: [food]\nsources: [{title: Test}]\n"
        f"last_reviewed: 2026-11-30\n---\n{body}\n", encoding="utf-8")
    return build_services(Settings(token=TOKEN, content_dir=folder))


async def test_long_section_in_a_group_shows_page_one_and_a_private_link(
        settings: Settings, long_services: Services) -> None:
    assert len(long_services.renderer.pages["diet"]) >= 3
    telegram = RecordingRequest()
    app = build_application(settings, request=telegram, services=long_services)
    async with app:
        await feed(app, message("/diet"))
        await feed(app, message("/diet@LiverTestBot", chat_=GROUP))
        await feed(app, callback(encode("s", "diet"), chat_=GROUP))
    private, group = telegram.sent("sendMessage")
    assert private.params["text"] == group.params["text"] == long_services.views.section(
        "diet").html
    assert encode("s", "diet", 2) in [b.get("callback_data") for b in buttons(private.params)]
    group_buttons = buttons(group.params)
    assert [b["url"] for b in group_buttons if "url" in b] == [BOT_LINK + "diet"]
    assert not any(b.get("callback_data", "").startswith("1|s|diet|") for b in group_buttons)
    # A tap in the group (e.g. from the parent's menu) shows the same group page, edited in place.
    (edit,) = telegram.sent("editMessageText")
    assert [b["url"] for b in buttons(edit.params) if "url" in b] == [BOT_LINK + "diet"]
