"""Faults from Telegram's side, injected by the fake Bot API: the bot keeps answering."""

from __future__ import annotations

from tests.botproc import BotProcess
from tests.fakeapi import (
    FakeBotAPI,
    Fault,
    callback_update,
    group_chat,
    message_update,
    private_chat,
)
from tests.test_e2e import say


async def test_scripted_conversation_through_faults(fake: FakeBotAPI, bot: BotProcess) -> None:
    # 5xx on an answer: retried, delivered.
    fake.inject("sendMessage", Fault.status(502), Fault.status(503))
    assert (await say(fake, "/symptoms")).result["text"].startswith("Symptoms")

    # Flood control: answered after retry_after.
    fake.inject("sendMessage", Fault.flood(1))
    assert (await say(fake, "/lung")).result["text"].startswith("Lung cancer")

    # The user blocked the bot: nothing to retry, and the next chat is still served.
    fake.inject("sendMessage", Fault.blocked())
    fake.push_update(message_update("/breast", chat=private_chat(2002)))
    assert (await say(fake, "/ovarian", chat=private_chat(2003))).result["text"].startswith(
        "Ovarian cancer")

    # A dropped connection after sending: not repeated (it may have arrived), logged.
    fake.inject("sendMessage", Fault.drop())
    fake.push_update(message_update("/colorectal", chat=private_chat(2004)))  # text only
    assert (await say(fake, "/about", chat=private_chat(2005))).result["text"].startswith(
        "About this information")

    # Polling: 5xx, dropped connections and a slow answer on getUpdates; it resumes by itself.
    fake.inject("getUpdates", Fault.status(502), Fault.drop(), Fault.delay(1.5))
    assert (await say(fake, "/treatment")).result["text"].startswith("Treatment")

    # Buttons: a too-old callback query and an unchanged edit are quiet.
    message = fake.last_message(1001)
    data = message["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    fake.inject("answerCallbackQuery", Fault.status(400, "Bad Request: query is too old and "
                                                        "response timeout expired"))
    mark = fake.mark()
    fake.push_update(callback_update(data, message=message))
    edit = await fake.wait_for("editMessageText", after=mark)
    assert edit.ok
    mark = fake.mark()
    fake.push_update(callback_update(data, message=fake.last_message(1001)))
    unchanged = await fake.wait_for("editMessageText", after=mark)
    assert not unchanged.ok  # Telegram says "message is not modified"; the bot shrugs

    # A message that can no longer be edited: the page is sent as a new message instead.
    fake.inject("editMessageText", Fault.status(400, "Bad Request: message to edit not found"))
    mark = fake.mark()
    fake.push_update(callback_update(data, message=message))
    resent = await fake.wait_for("sendMessage", after=mark)
    assert resent.ok

    # Still healthy at the end.
    assert (await say(fake, "/help")).result["text"].startswith("How to use this bot")
    assert bot.process.returncode is None
    log = bot.log()
    assert "Traceback" not in log
    assert "sendMessage failed (HTTP 502); retry 1 of 3" in log
    assert await bot.stop() == 0



async def test_flood_control_in_a_group_does_not_hold_up_a_patient(fake: FakeBotAPI,
                                                                   bot: BotProcess) -> None:
    group = group_chat(-100777)
    fake.inject("sendMessage", Fault.flood(2))
    mark = fake.mark()
    fake.push_update(message_update("/lung@MetLiverTestBot", chat=group))
    await fake.wait_for("sendMessage", lambda c: not c.ok, after=mark)  # the group got a 429
    patient = await say(fake, "/urgent", chat=private_chat(4242))
    assert patient.result["text"].startswith("When to get help urgently")
    group_answer = await fake.wait_for("sendMessage", lambda c: c.ok and c.params["chat_id"] ==
                                       group["id"], after=mark)
    assert fake.calls.index(patient) < fake.calls.index(group_answer)
