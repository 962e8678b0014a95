"""The aiohttp transport behind python-telegram-bot's request interface, against the fake API."""

from __future__ import annotations

import datetime as dtm
from collections.abc import AsyncIterator

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import Forbidden, NetworkError, RetryAfter, TimedOut

from bot.transport.http import AiohttpRequest, api_request, updates_request
from tests.fakeapi import FakeBotAPI, Fault

TOKEN = "123456:TEST-token"
CHAT = 1001


@pytest.fixture
async def bot(fake: FakeBotAPI) -> AsyncIterator[Bot]:
    """A Bot whose calls all go through the bot's own transport."""
    async with Bot(TOKEN, base_url=fake.base_url, request=api_request(4),
                   get_updates_request=updates_request()) as client:
        yield client


async def test_messages_go_out_as_json_and_come_back_parsed(fake: FakeBotAPI, bot: Bot) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Symptoms", callback_data="1|s|x|1")]])
    sent = await bot.send_message(CHAT, "<b>Liver</b> & café", parse_mode=ParseMode.HTML,
                                  reply_markup=markup)
    assert sent.text == "Liver & café"
    assert sent.reply_markup == markup
    call = fake.calls_to("sendMessage")[0]
    assert call.params["chat_id"] == CHAT
    assert call.params["reply_markup"] == markup.to_dict()
    assert call.text == "<b>Liver</b> & café"


async def test_long_polling_and_offsets(fake: FakeBotAPI, bot: Bot) -> None:
    fake.push_update({"message": {"message_id": 1, "date": 0, "text": "hi",
                                  "chat": {"id": CHAT, "type": "private"}}})
    (update,) = await bot.get_updates(timeout=5)
    assert update.message.text == "hi"
    assert await bot.get_updates(offset=update.update_id + 1, timeout=0) == ()
    assert fake.pending_updates == []


async def test_api_errors_keep_their_meaning(fake: FakeBotAPI, bot: Bot,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    fake.inject("sendMessage", Fault.flood(3), Fault.blocked(), Fault.status(502))
    with pytest.raises(RetryAfter) as flood:
        await bot.send_message(CHAT, "a")
    assert flood.value.retry_after == dtm.timedelta(seconds=3)
    with pytest.raises(Forbidden, match="blocked"):
        await bot.send_message(CHAT, "b")
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(CHAT, "c")
    assert (await bot.send_message(CHAT, "d")).text == "d"


async def test_a_dropped_connection_is_a_network_error_and_the_pool_recovers(
        fake: FakeBotAPI, bot: Bot) -> None:
    fake.inject("sendMessage", Fault.drop())
    with pytest.raises(NetworkError, match="aiohttp"):
        await bot.send_message(CHAT, "lost")
    assert (await bot.send_message(CHAT, "kept")).text == "kept"


async def test_a_slow_answer_times_out(fake: FakeBotAPI) -> None:
    fake.inject("sendMessage", Fault.delay(5))
    request = AiohttpRequest(2, read_timeout=0.2)
    async with Bot(TOKEN, base_url=fake.base_url, request=request) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(CHAT, "slow")


async def test_files_are_sent_as_multipart(fake: FakeBotAPI, bot: Bot) -> None:
    await bot.send_document(CHAT, b"leaflet text", filename="leaflet.txt", caption="Leaflet")
    call = fake.calls_to("sendDocument")[0]
    assert call.params["caption"] == "Leaflet"
    assert call.params["chat_id"] == CHAT


async def test_requests_need_initialising_first() -> None:
    request = AiohttpRequest(1)
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request("http://127.0.0.1:9/bot1:x/getMe", "POST")
    await request.initialize()
    await request.initialize()  # idempotent
    await request.shutdown()
    await request.shutdown()
