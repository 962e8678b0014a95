"""End to end, issue 14: the bot as a subprocess serving English, Russian and Chinese.

What the bot should say is taken from the same services the bot builds (the real content/ru and
content/zh-Hans), so these tests check which language answered, not the wording itself.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import build_services
from bot.config import Settings
from bot.context import Services
from tests.botproc import BotProcess, running_bot
from tests.fakeapi import (
    Call,
    FakeBotAPI,
    callback_update,
    group_chat,
    inline_query_update,
    message_update,
    private_chat,
    user,
)

BOT = "MetLiverTestBot"
ALL = ("en", "ru", "zh-Hans")
ADMIN = 4242
RUSSIAN = user(5001, "Ольга", language_code="ru-RU")
ENGLISH = user(5002, "Ann", language_code="en-GB")


@pytest.fixture(scope="module")
def expected() -> Services:
    """The services the bot builds, to know what each language's answer is."""
    return build_services(Settings(token="", languages=ALL))


@pytest.fixture
async def bot(fake: FakeBotAPI, tmp_path: Path) -> AsyncIterator[BotProcess]:
    env = {"BOT_LANGUAGES": ",".join(ALL), "BOT_ADMIN_IDS": str(ADMIN)}
    async with running_bot(fake, tmp_path, env) as process:
        yield process


async def say(fake: FakeBotAPI, text: str, who: dict[str, Any],
              chat: dict[str, Any] | None = None) -> Call:
    chat = chat or private_chat(who["id"])
    mark = fake.mark()
    fake.push_update(message_update(text, chat=chat, from_user=who))
    return await fake.wait_for("sendMessage", lambda c: c.ok and c.params.get("chat_id")
                               == chat["id"], after=mark)


async def tap(fake: FakeBotAPI, chat_id: int, label: str, who: dict[str, Any]) -> Call:
    message = fake.last_message(chat_id)
    data = next(b["callback_data"] for row in message["reply_markup"]["inline_keyboard"]
                for b in row if b["text"] == label)
    mark = fake.mark()
    fake.push_update(callback_update(data, message=message, from_user=who))
    return await fake.wait_for("editMessageText", after=mark)


def labels(call: Call) -> list[str]:
    markup: Any = call.params.get("reply_markup") or {"inline_keyboard": []}
    return [b["text"] for row in markup["inline_keyboard"] for b in row]


def html_of(services: Services, lang: str, section: str) -> str:
    view = services.in_language(lang).views.section(section)
    assert view is not None
    return view.html


async def test_menus_and_profile_in_every_language_and_scope(fake: FakeBotAPI, bot: BotProcess,
                                                             expected: Services) -> None:
    await fake.wait_for("setMyShortDescription",
                        lambda c: c.params.get("language_code") == "zh", timeout=30)
    commands = {(c.params["scope"]["type"], c.params["scope"].get("chat_id"),
                 c.params.get("language_code")): c.params["commands"]
                for c in fake.calls_to("setMyCommands")}
    for code in (None, "ru", "zh"):
        for scope in (("all_private_chats", None), ("all_group_chats", None), ("chat", ADMIN)):
            assert (*scope, code) in commands, (scope, code)
    russian = {c["command"]: c["description"] for c in commands[("all_private_chats", None,
                                                                   "ru")]}
    assert russian["help"] == expected.in_language("ru").renderer.gettext("All commands")
    assert russian["breast"] == expected.in_language("ru").content.sections["breast"].title
    assert "stats" not in russian
    admin = {c["command"] for c in commands[("chat", ADMIN, "ru")]}
    assert {"stats", "language", "breast"} <= admin
    english = {c["command"]: c["description"] for c in commands[("all_private_chats", None,
                                                                   None)]}
    assert english["help"] == "All commands"
    for method, limit in (("setMyDescription", 512), ("setMyShortDescription", 120)):
        calls = {c.params.get("language_code"): c.params for c in fake.calls_to(method)}
        assert set(calls) == {None, "ru", "zh"}
        field = "description" if method == "setMyDescription" else "short_description"
        assert all(0 < len(p[field]) <= limit for p in calls.values())
        assert calls["ru"][field] != calls[None][field]


async def test_russian_and_english_people_in_one_group(fake: FakeBotAPI, bot: BotProcess,
                                                       expected: Services) -> None:
    group = group_chat(-100777)
    ru = expected.in_language("ru")
    welcome = await say(fake, f"/start@{BOT}", RUSSIAN, group)
    assert welcome.params["text"] == ru.views.welcome.html
    english_welcome = await say(fake, f"/start@{BOT}", ENGLISH, group)
    assert english_welcome.params["text"] == expected.views.welcome.html
    page = await say(fake, f"/breast@{BOT}", RUSSIAN, group)
    assert page.params["text"] == html_of(expected, "ru", "breast")
    assert "Машинный перевод с английского" in page.params["text"]
    # A tap keeps the message's language, whoever taps (here the English-app person).
    child = ru.content.sections["breast"].see_also[0]
    see_also = ru.renderer.label("see_also", title=ru.content.sections[child].label)
    tapped = await tap(fake, group["id"], see_also, ENGLISH)
    assert tapped.params["text"] == html_of(expected, "ru", child)
    # "Read in English" opens the same page in English.
    english = await tap(fake, group["id"], ru.renderer.label("read_english"), RUSSIAN)
    assert english.params["text"] == html_of(expected, "en", child)
    # A red-flag question, in Russian, gets the urgent advice in Russian first.
    urgent = await say(fake, f"/search@{BOT} меня вырвало кровью", RUSSIAN, group)
    assert urgent.params["text"].startswith(f"<b>🚨 {ru.content.sections['urgent'].title}</b>")
    # Small talk is answered in Russian too (issue 17's replies, through the catalogs).
    thanks = await say(fake, f"/search@{BOT} спасибо", RUSSIAN, group)
    talk = ru.conversation_views
    assert talk is not None
    assert thanks.params["text"] == talk.small_talk("thanks").html
    # The English-app person is unaffected.
    theirs = await say(fake, f"/breast@{BOT}", ENGLISH, group)
    assert theirs.params["text"] in (html_of(expected, "en", "breast"),
                                     expected.views.repeat_pointer.html)


async def test_language_switch_survives_taps(fake: FakeBotAPI, bot: BotProcess,
                                             expected: Services) -> None:
    chat_id = ENGLISH["id"]
    listing = await say(fake, "/language", ENGLISH)
    assert labels(listing)[:3] == ["✅ English", "Русский", "简体中文"]
    menu = await tap(fake, chat_id, "简体中文", ENGLISH)
    zh = expected.in_language("zh-Hans")
    assert menu.params["text"] == zh.views.menu.html
    first = next(s for s in zh.content.top if s.picture is None)  # edited in place
    page = await tap(fake, chat_id, first.label, ENGLISH)
    assert page.params["text"] == html_of(expected, "zh-Hans", first.id)
    back = await tap(fake, chat_id, zh.renderer.label("main_menu"), ENGLISH)
    assert back.params["text"] == zh.views.menu.html
    # The 🌐 button in the main menu offers the languages again, in this language.
    again = await tap(fake, chat_id, zh.renderer.label("languages"), ENGLISH)
    assert again.params["text"] == zh.views.language_list.html  # type: ignore[union-attr]
    # /language ru and a deep link name the language outright; typed Cyrillic is Russian.
    assert (await say(fake, "/language ru", ENGLISH)).params["text"] == (
        expected.in_language("ru").views.menu.html)
    assert (await say(fake, "/start ru-breast", ENGLISH)).params["text"] == html_of(
        expected, "ru", "breast")
    # An app set to Traditional Chinese gets Simplified Chinese, and is told so.
    taiwan = user(5003, "Mei", language_code="zh-TW")
    near = (await say(fake, "/start", taiwan)).params["text"]
    assert near == expected.in_language("zh-Hans").views.welcome_near.html  # type: ignore[union-attr]
    assert near != expected.in_language("zh-Hans").views.welcome.html
    answer = await say(fake, "рак молочной железы", ENGLISH)
    assert "Машинный перевод" not in answer.params["text"]  # a result list, not a page
    assert any(label == expected.in_language("ru").renderer.label(
        "search_result", title=expected.in_language("ru").content.sections["breast"].label)
        for label in labels(answer))


async def test_inline_answers_in_the_senders_language(fake: FakeBotAPI, bot: BotProcess,
                                                      expected: Services) -> None:
    mark = fake.mark()
    fake.push_update(inline_query_update("", from_user=RUSSIAN))
    call = await fake.wait_for("answerInlineQuery", after=mark)
    titles = [r["title"] for r in call.params["results"]]
    ru = expected.in_language("ru").content
    assert titles[0] == ru.walk()[0].title
    assert call.params["is_personal"] is True
    link = call.params["results"][0]["reply_markup"]["inline_keyboard"][0][0]["url"]
    assert link.endswith(f"?start=ru-{ru.walk()[0].id}")


async def test_each_language_gets_its_own_picture_uploaded_once(fake: FakeBotAPI, bot: BotProcess,
                                                                expected: Services) -> None:
    """Pictures per language: the Russian labels and caption for a Russian app, the English
    for an English one; each uploaded once, then sent by its own file_id."""
    chinese = user(5003, "Li", language_code="zh-CN")

    async def picture(text: str, who: dict[str, Any]) -> Call:
        mark = fake.mark()
        await say(fake, text, who)
        (photo,) = [c for c in fake.calls[mark:] if c.method == "sendPhoto" and c.ok]
        return photo

    russian = await picture("/spread", RUSSIAN)
    assert russian.params["photo"]["filename"] == "blood_routes-ru.png"
    own = expected.in_language("ru").pictures.for_section("spread")
    assert own is not None
    assert russian.params["photo"]["data"] == own.png
    assert "воротной вене" in russian.result["caption"]
    english = await picture("/spread", ENGLISH)
    assert english.params["photo"]["filename"] == "blood_routes.png"
    assert "portal vein" in english.result["caption"]
    zh = await picture("/spread_portal", chinese)
    assert zh.params["photo"]["filename"] == "blood_routes-zh-Hans.png"
    assert "门静脉" in zh.result["caption"]
    again = await picture("/spread_artery", RUSSIAN)  # the same Russian picture: not uploaded
    assert again.params["photo"] == russian.result["photo"][-1]["file_id"]
    assert len(fake.photos.uploads) == 3
