"""End to end: a crisis is read wherever a person can write to the bot (issue 17).

Group messages that speak to the bot (``@bot …`` or a reply to its message), edited messages
(private, and in a group when they speak to the bot) and inline queries, with the real bot
process against the fake Bot API. Group talk not addressed to the bot stays unread.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

from tests.botproc import BotProcess, running_bot
from tests.fakeapi import (
    Call,
    FakeBotAPI,
    group_chat,
    inline_query_update,
    message_update,
    photo_update,
    private_chat,
)
from tests.test_conversation_e2e import CRISIS_TOP, contacts_first

BOT = "MetLiverTestBot"
GROUP = group_chat(-100555, title="Mum's care")


async def send(fake: FakeBotAPI, update: dict[str, Any], chat_id: int) -> Call:
    """Push ``update``; the bot's first delivered message in ``chat_id`` after it."""
    mark = fake.mark()
    fake.push_update(update)
    return await fake.wait_for("sendMessage", lambda c: c.ok and c.params["chat_id"] == chat_id,
                               after=mark)


def mention(text: str) -> dict[str, Any]:
    """A group message naming the bot, with the ``mention`` entity Telegram adds."""
    update = message_update(f"@{BOT} {text}", chat=GROUP)
    update["message"]["entities"] = [{"type": "mention", "offset": 0, "length": len(BOT) + 1}]
    return update


def sent_to(fake: FakeBotAPI, chat_id: int, after: int) -> list[str]:
    return [c.params["text"] for c in fake.calls[after:]
            if c.method == "sendMessage" and c.ok and c.params["chat_id"] == chat_id]


async def test_a_group_message_naming_the_bot_is_read_for_crisis_and_answered_there(
        fake: FakeBotAPI, bot: BotProcess) -> None:
    mark = fake.mark()
    # Family talk not addressed to the bot (an admin bot sees it) is not the bot's to read.
    fake.push_update(message_update("i want to die, honestly, this waiting", chat=GROUP))
    crisis = await send(fake, mention("i cant go on like this, i want to die"), GROUP["id"])
    contacts_first(crisis.result["text"])
    assert crisis.params["reply_parameters"]["message_id"]  # a reply to the person
    assert len(sent_to(fake, GROUP["id"], mark)) == 1  # only the addressed message was answered
    # A question to the bot by name gets the search answer in the group, as /search would.
    ascites = await send(fake, mention("what is ascites"), GROUP["id"])
    assert "scites" in ascites.result["text"]
    assert not ascites.result["text"].startswith(CRISIS_TOP)
    # Red flags come first there too.
    urgent = await send(fake, mention("dads skin has gone yellow"), GROUP["id"])
    assert urgent.result["text"].startswith("🚨 When to get help urgently")
    # The bot's name alone: how to ask, as for /search alone.
    alone = await send(fake, mention(""), GROUP["id"])
    assert alone.result["text"].startswith("Search this guide in your own words")


async def test_a_reply_to_the_bot_in_a_group_is_read_like_a_private_message(
        fake: FakeBotAPI, bot: BotProcess) -> None:
    answer = await send(fake, mention("what is ascites"), GROUP["id"])
    ours = answer.result
    reply = message_update("nothing left for me. i want to end my life", chat=GROUP,
                           reply_to_message=ours)
    crisis = await send(fake, reply, GROUP["id"])
    contacts_first(crisis.result["text"])
    thanks = await send(fake, message_update("thank you", chat=GROUP, reply_to_message=ours),
                        GROUP["id"])
    assert thanks.result["text"].startswith("You're welcome.")


async def test_an_edit_that_reads_as_a_crisis_gets_the_crisis_reply(fake: FakeBotAPI,
                                                                    bot: BotProcess) -> None:
    chat = private_chat(1001)
    await send(fake, message_update("what is ascites", chat=chat), chat["id"])
    edit = message_update("i dont want to be here anymore", chat=chat, edited=True)
    contacts_first((await send(fake, edit, chat["id"])).result["text"])
    # An edit of an ordinary question is not answered again; the note says to send it anew.
    plain = await send(fake, message_update("what is a pet ct", chat=chat, edited=True),
                       chat["id"])
    assert plain.result["text"].startswith("I saw you edited a message.")
    # In a group: an edit that speaks to the bot is read; other edits are not.
    mark = fake.mark()
    fake.push_update(message_update("i want to end my life", chat=GROUP, edited=True))
    in_group = message_update(f"@{BOT} i want to end my life", chat=GROUP, edited=True)
    contacts_first((await send(fake, in_group, GROUP["id"])).result["text"])
    assert len(sent_to(fake, GROUP["id"], mark)) == 1


async def test_a_caption_that_reads_as_a_crisis_gets_the_crisis_reply(fake: FakeBotAPI,
                                                                      bot: BotProcess) -> None:
    chat = private_chat(1001)
    photo = await send(fake, photo_update("i want to end my life", chat=chat), chat["id"])
    contacts_first(photo.result["text"])
    plain = await send(fake, photo_update("my scan", chat=chat), chat["id"])
    assert not plain.result["text"].startswith(CRISIS_TOP)  # the usual "send text" answer
    mark = fake.mark()
    fake.push_update(photo_update("i want to end my life", chat=GROUP))  # not to the bot
    named = await send(fake, photo_update(f"@{BOT} i cant go on, i want to die", chat=GROUP),
                       GROUP["id"])
    contacts_first(named.result["text"])
    assert len(sent_to(fake, GROUP["id"], mark)) == 1


async def ask_inline(fake: FakeBotAPI, query: str) -> list[dict[str, Any]]:
    mark = fake.mark()
    update = inline_query_update(query)
    fake.push_update(update)
    call = await fake.wait_for("answerInlineQuery", lambda c: c.params.get(
        "inline_query_id") == update["inline_query"]["id"], after=mark)
    assert call.ok
    results: list[dict[str, Any]] = call.params["results"]
    return results


async def test_a_crisis_inline_query_puts_the_crisis_contacts_on_top(fake: FakeBotAPI,
                                                                     bot: BotProcess) -> None:
    crisis = await ask_inline(fake, "i want to end my life")
    assert [card["id"] for card in crisis] == ["crisis"]  # nothing else for a crisis
    card = crisis[0]
    text = card["input_message_content"]["message_text"]
    contacts_first(html.unescape(re.sub(r"<[^>]+>", "", text)))
    assert card["input_message_content"]["parse_mode"] == "HTML"
    assert card["title"].startswith("🆘")
    button = card["reply_markup"]["inline_keyboard"][0][0]
    assert button["url"] == f"https://t.me/{BOT}?start=support"
    # Words that only mention death keep their cards, below the crisis card.
    risk = await ask_inline(fake, "will i die from liver metastases")
    assert risk[0]["id"] == "crisis"
    assert len(risk) > 1
    assert all(card["id"] != "crisis" for card in risk[1:])
    # Another language's crisis words get that language's contacts.
    russian = await ask_inline(fake, "хочу умереть")
    assert "8-800-2000-122" in russian[0]["input_message_content"]["message_text"]
    # An ordinary query gets no crisis card.
    ordinary = await ask_inline(fake, "pet ct")
    assert ordinary
    assert all(card["id"] != "crisis" for card in ordinary)
    await bot.wait_for_log("ready as")
    for words in ("end my life", "die from", "умереть"):
        assert words not in bot.log()  # the queries are read and dropped, never logged


async def test_with_every_language_served_the_crisis_card_is_in_the_writers_language(
        fake: FakeBotAPI, tmp_path: Path) -> None:
    async with running_bot(fake, tmp_path, env={"BOT_LANGUAGES": "en,ru,zh-Hans"}):
        russian = (await ask_inline(fake, "не хочу больше жить"))[0]
        assert russian["id"] == "crisis"
        assert "8-800-2000-122" in russian["input_message_content"]["message_text"]
        assert russian["reply_markup"]["inline_keyboard"][0][0]["url"].endswith(
            "?start=ru-support")
        chinese = (await ask_inline(fake, "我不想活了"))[0]
        assert chinese["id"] == "crisis"
        assert "12356" in chinese["input_message_content"]["message_text"]
        assert "120" in chinese["input_message_content"]["message_text"]
