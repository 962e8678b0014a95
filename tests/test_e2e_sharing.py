"""End to end: inline mode, Share buttons and groups, with the bot as a subprocess (loopback)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.botproc import BotProcess, running_bot
from tests.fakeapi import (
    Call,
    FakeBotAPI,
    Fault,
    chosen_inline_result_update,
    group_chat,
    inline_query_update,
    message_update,
    my_chat_member_update,
    private_chat,
    user,
)

BOT = "MetLiverTestBot"


@pytest.fixture
async def bot(fake: FakeBotAPI, tmp_path: Path) -> AsyncIterator[BotProcess]:
    """The real bot process, polling the fake server."""
    async with running_bot(fake, tmp_path) as process:
        yield process


async def ask_inline(fake: FakeBotAPI, query: str, from_user: dict[str, Any] | None = None
                     ) -> dict[str, Any]:
    """Send an inline query and wait for the bot's answer to exactly that query."""
    mark = fake.mark()
    update = inline_query_update(query, from_user=from_user)
    query_id = update["inline_query"]["id"]
    fake.push_update(update)
    call = await fake.wait_for("answerInlineQuery",
                               lambda c: c.params.get("inline_query_id") == query_id, after=mark)
    assert call.ok
    return call.params


async def say(fake: FakeBotAPI, text: str, chat: dict[str, Any],
              message_thread_id: int | None = None) -> tuple[dict[str, Any], Call]:
    """Send ``text`` as a user in ``chat``; return the message and the bot's answer there."""
    mark = fake.mark()
    update = message_update(text, chat=chat, message_thread_id=message_thread_id)
    fake.push_update(update)
    call = await fake.wait_for("sendMessage", lambda c: c.params.get("chat_id") == chat["id"]
                               and c.ok, after=mark)
    return update["message"], call


def ids(params: dict[str, Any]) -> list[str]:
    return [r["id"] for r in params["results"]]


async def test_inline_query_with_matches_no_match_and_empty(fake: FakeBotAPI,
                                                            bot: BotProcess) -> None:
    found = await ask_inline(fake, "pet ct")
    assert ids(found)[0] == "g:pet_ct"
    assert "s:tests_scans" in ids(found)
    card = found["results"][0]
    text = card["input_message_content"]["message_text"]
    assert text.startswith("<b>📖 PET-CT</b>")
    assert card["reply_markup"]["inline_keyboard"][0][0]["url"] == (
        f"https://t.me/{BOT}?start=tests_scans")
    assert found["cache_time"] == 300
    assert found["is_personal"] is False

    nothing = await ask_inline(fake, "zzzz qqqq 🌵")
    assert nothing["results"] == []
    assert nothing["button"]["start_parameter"] == "inline"

    empty = await ask_inline(fake, "")
    assert ids(empty)[0] == "s:overview"
    assert "s:urgent" in ids(empty)
    assert len(ids(empty)) <= 50

    odd = await ask_inline(fake, "黄疸 " * 60 + "🩺")
    assert odd["results"] == []
    assert "Traceback" not in bot.log()


async def test_inline_works_for_someone_who_never_started_the_bot(fake: FakeBotAPI,
                                                                  bot: BotProcess) -> None:
    stranger = user(555777, first_name="Lena", language_code="de")
    answer = await ask_inline(fake, "colorectal", from_user=stranger)
    assert ids(answer)[0] == "s:colorectal"
    assert fake.calls_to("sendMessage") == []


async def test_chosen_result_is_handled_and_query_never_logged(fake: FakeBotAPI,
                                                              bot: BotProcess) -> None:
    fake.push_update(chosen_inline_result_update("s:colorectal", "Margaret Oduya colorectal",
                                                 inline_message_id="AAAA"))
    await say(fake, "/help", private_chat(1001))  # once answered, the update was processed
    assert "Oduya" not in bot.log()
    assert "Traceback" not in bot.log()


async def test_share_button_payload_and_the_card_it_brings(fake: FakeBotAPI,
                                                          bot: BotProcess) -> None:
    _, page = await say(fake, "/breast", private_chat(1001))
    shares = [b["switch_inline_query_chosen_chat"]
              for row in page.params["reply_markup"]["inline_keyboard"] for b in row
              if "switch_inline_query_chosen_chat" in b]
    assert shares == [{"query": "s:breast", "allow_user_chats": True,
                       "allow_group_chats": True}]
    # The user picks a chat; their app then sends exactly that inline query.
    shared = await ask_inline(fake, shares[0]["query"])
    assert ids(shared) == ["s:breast"]
    assert shared["results"][0]["title"] == "Breast cancer that has spread to the liver"


async def test_group_commands_with_and_without_our_name(fake: FakeBotAPI,
                                                        bot: BotProcess) -> None:
    group = group_chat(-1001111, title="Mum's care")
    asked, named = await say(fake, f"/lung@{BOT}", group)
    assert named.result["text"].startswith("Lung cancer that has spread to the liver")
    assert named.params["reply_parameters"]["message_id"] == asked["message_id"]
    asked, plain = await say(fake, "/breast", group)
    assert plain.result["text"].startswith("Breast cancer that has spread to the liver")
    assert plain.params["reply_parameters"]["message_id"] == asked["message_id"]
    mark = fake.mark()
    fake.push_update(message_update("/ovarian@SomeOtherBot", chat=group))
    await say(fake, "/help", private_chat(1001))
    assert [c for c in fake.calls[mark:] if c.params.get("chat_id") == group["id"]] == []


async def test_answer_stays_in_the_forum_topic(fake: FakeBotAPI, bot: BotProcess) -> None:
    forum = group_chat(-1002222, title="Family", is_forum=True)
    asked, answer = await say(fake, f"/symptoms@{BOT}", forum, message_thread_id=42)
    assert answer.params["message_thread_id"] == 42
    assert answer.params["reply_parameters"]["message_id"] == asked["message_id"]
    assert answer.result["is_topic_message"] is True
    assert answer.result["text"].startswith("Symptoms")


async def test_introduction_when_added_to_a_group(fake: FakeBotAPI, bot: BotProcess) -> None:
    group = group_chat(-1003333, title="The Smiths", type_="group")
    mark = fake.mark()
    fake.push_update(my_chat_member_update(group, old_status="left", new_status="member",
                                           bot_username=BOT))
    intro = await fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == group["id"],
                                after=mark)
    text = intro.result["text"]
    assert text.startswith("Hello, everyone.")
    assert f"/symptoms@{BOT}" in text
    assert f"@{BOT} jaundice" in text
    assert "record nothing about the members" in text
    # Promotion to admin is not a new arrival: still just one introduction.
    fake.push_update(my_chat_member_update(group, old_status="member",
                                           new_status="administrator", bot_username=BOT))
    await say(fake, "/help", private_chat(1001))
    assert len([c for c in fake.calls_to("sendMessage")
                if c.params["chat_id"] == group["id"]]) == 1


async def test_repeat_in_a_group_gets_a_pointer(fake: FakeBotAPI, bot: BotProcess) -> None:
    group = group_chat(-1004444)
    _, first = await say(fake, f"/urgent@{BOT}", group)
    _, second = await say(fake, f"/urgent@{BOT}", group)
    assert first.result["text"].startswith("When to get help urgently")
    assert second.result["text"].startswith("☝️ I shared that just above")
    assert second.params["reply_parameters"]["message_id"] == first.result["message_id"]
    assert second.result["reply_to_message"]["message_id"] == first.result["message_id"]


async def test_flood_limit_is_retried_and_the_answer_arrives(fake: FakeBotAPI,
                                                             bot: BotProcess) -> None:
    fake.inject("sendMessage", Fault.flood(1))
    _, answer = await say(fake, "/colorectal", private_chat(1001))
    assert answer.result["text"].startswith("Bowel (colorectal) cancer")
    tries = fake.calls_to("sendMessage")
    assert len(tries) == 2
    assert tries[0].response is not None
    assert tries[0].response["error_code"] == 429
    assert tries[0].params["text"] == tries[1].params["text"]
    assert "Traceback" not in bot.log()


async def test_group_upgraded_mid_answer_gets_the_answer_in_the_supergroup(
        fake: FakeBotAPI, bot: BotProcess) -> None:
    old = group_chat(-5555, type_="group")
    new_id = -1005555
    fake.inject("sendMessage", Fault.status(
        400, "Bad Request: group chat was upgraded to a supergroup chat",
        migrate_to_chat_id=new_id))
    mark = fake.mark()
    fake.push_update(message_update(f"/lung@{BOT}", chat=old))
    answer = await fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == new_id,
                                 after=mark)
    assert answer.ok
    assert answer.result["text"].startswith("Lung cancer that has spread to the liver")
