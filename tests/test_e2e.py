"""End to end: the bot runs as a subprocess and talks HTTP to a fake Bot API on loopback."""

from __future__ import annotations

from typing import Any

from tests.botproc import TOKEN, BotProcess
from tests.fakeapi import (
    Call,
    FakeBotAPI,
    callback_update,
    group_chat,
    message_update,
    private_chat,
    sticker_update,
)


def buttons(call: Call) -> list[tuple[str, str]]:
    """(text, callback_data) of every button in the call's keyboard."""
    markup: Any = call.params.get("reply_markup") or {"inline_keyboard": []}
    return [(b["text"], b.get("callback_data", "")) for row in markup["inline_keyboard"]
            for b in row]


async def say(fake: FakeBotAPI, text: str, chat: dict[str, Any] | None = None,
              method: str = "sendMessage") -> Call:
    """Send ``text`` as a user and wait for the bot's delivered answer in that chat."""
    chat = chat or private_chat(1001)
    mark = fake.mark()
    fake.push_update(message_update(text, chat=chat))
    return await fake.wait_for(method, lambda c: c.ok and c.params.get("chat_id") == chat["id"],
                               after=mark)


def press(fake: FakeBotAPI, chat_id: int, label: str) -> int:
    """Tap the button called ``label`` on the bot's last message; the mark to wait after."""
    message = fake.last_message(chat_id)
    data = next(b["callback_data"] for row in message["reply_markup"]["inline_keyboard"]
                for b in row if b["text"] == label)
    mark = fake.mark()
    fake.push_update(callback_update(data, message=message))
    return mark


async def tap(fake: FakeBotAPI, chat_id: int, label: str) -> Call:
    """Tap the button called ``label`` on the bot's last message; wait for the edit."""
    mark = press(fake, chat_id, label)
    await fake.wait_for("answerCallbackQuery", after=mark)
    return await fake.wait_for("editMessageText", after=mark)


async def test_start_welcome_and_menu(fake: FakeBotAPI, bot: BotProcess) -> None:
    call = await say(fake, "/start")
    assert call.result["text"].startswith("Hello. I'm here to help.")
    assert "not medical advice" in call.result["text"]
    labels = [text for text, _ in buttons(call)]
    assert labels[0] == "What is secondary liver cancer?"
    assert "🚨 When to get help urgently" in labels
    commands = fake.calls_to("setMyCommands")
    assert len(commands) == 2
    names = {c["command"] for c in commands[0].params["commands"]}
    assert {"colorectal", "breast", "diagnosis", "urgent", "glossary"} <= names


async def test_section_commands(fake: FakeBotAPI, bot: BotProcess) -> None:
    colorectal = await say(fake, "/colorectal")
    assert colorectal.result["text"].startswith(
        "Bowel (colorectal) cancer that has spread to the liver")
    assert "Surgery" in [t for t, _ in buttons(colorectal)]
    breast = await say(fake, "/breast")
    assert breast.result["text"].startswith("Breast cancer that has spread to the liver")
    assert "Added note" in breast.result["text"]
    diagnosis = await say(fake, "/diagnosis")
    text = diagnosis.result["text"]
    assert "alpha-fetoprotein" in text.lower()
    assert "methotrexate" not in text.lower()
    assert "General information only" in text


async def test_tapping_down_the_menu_and_back(fake: FakeBotAPI, bot: BotProcess) -> None:
    await say(fake, "/start")
    treatment = await tap(fake, 1001, "Treatment")
    assert treatment.result["text"].startswith("Treatment: an overview")
    bowel = await tap(fake, 1001, fake_label(treatment, "bowel"))
    assert bowel.result["text"].startswith("Bowel (colorectal) cancer")
    surgery = await tap(fake, 1001, fake_label(bowel, "surgery"))
    assert surgery.result["text"].startswith("Surgery for bowel cancer in the liver")
    back = await tap(fake, 1001, "⬅️ Back")
    assert back.result["text"].startswith("Bowel (colorectal) cancer")
    home = await tap(fake, 1001, "🏠 Main menu")
    assert home.result["text"].startswith("Main menu")
    # every edit happened on the same message: the chat is not flooded
    assert len({c.params["message_id"] for c in fake.calls_to("editMessageText")}) == 1


def fake_label(call: Call, fragment: str) -> str:
    """The first button label containing ``fragment`` (case-insensitive)."""
    labels = [t for t, _ in buttons(call) if fragment.lower() in t.lower()]
    assert labels, f"no button with {fragment!r} in {buttons(call)}"
    return labels[0]


async def test_deep_link_opens_section(fake: FakeBotAPI, bot: BotProcess) -> None:
    call = await say(fake, "/start tests_blood")
    assert call.result["text"].startswith("Blood and urine tests")


async def test_group_command_with_bot_name(fake: FakeBotAPI, bot: BotProcess) -> None:
    group = group_chat(-1001234, title="Dad's care")
    call = await say(fake, "/breast@MetLiverTestBot", chat=group)
    assert call.result["text"].startswith("Breast cancer that has spread to the liver")
    assert call.params["reply_parameters"]["message_id"]  # replies to the asking message


async def test_group_ignores_other_bots_and_unknown_commands(fake: FakeBotAPI,
                                                             bot: BotProcess) -> None:
    group = group_chat(-1005678)
    fake.push_update(message_update("/breast@OtherBot", chat=group))
    fake.push_update(message_update("/weather", chat=group))
    fake.push_update(sticker_update(chat=group))
    # A marker message in private: once it is answered, the group updates were processed.
    await say(fake, "/help")
    assert [c for c in fake.calls_to("sendMessage") if c.params["chat_id"] == group["id"]] == []


async def test_unknown_command_and_sticker_get_kind_answers(fake: FakeBotAPI,
                                                            bot: BotProcess) -> None:
    unknown = await say(fake, "/frobnicate")
    assert unknown.result["text"].startswith("Sorry, I didn't understand that.")
    assert buttons(unknown)
    mark = fake.mark()
    fake.push_update(sticker_update(chat=private_chat(1001)))
    sticker = await fake.wait_for("sendMessage", after=mark)
    assert sticker.result["text"].startswith("I can only read text messages")


async def test_token_never_logged(fake: FakeBotAPI, bot: BotProcess) -> None:
    await say(fake, "/start")
    await say(fake, "/colorectal")
    assert TOKEN not in bot.log()
    assert TOKEN.split(":")[1] not in bot.log()
