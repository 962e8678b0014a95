"""Tests of the fake Telegram Bot API server, driven by a real python-telegram-bot client."""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter
from telegram.ext import Application, CommandHandler, ContextTypes

from tests.fakeapi import (
    FakeBotAPI,
    Fault,
    callback_update,
    chosen_inline_result_update,
    group_chat,
    inline_query_update,
    last_message,
    message_update,
    my_chat_member_update,
    photo_update,
    private_chat,
    sticker_update,
    user,
)
from tests.pngcheck import tiny_png

TOKEN = "123456:TEST-token"
CHAT = 1001


@pytest.fixture
async def bot(fake: FakeBotAPI) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=fake.base_url) as client:
        yield client


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d.title(), callback_data=d) for d in data]])


async def test_get_me_returns_configured_bot(fake: FakeBotAPI, bot: Bot) -> None:
    me = await bot.get_me()
    assert me.username == "MetLiverTestBot"
    assert me.id == 7000001
    assert me.is_bot
    assert fake.base_url == f"http://127.0.0.1:{fake.port}/bot"
    call = fake.calls_to("getMe")[0]
    assert call.token == TOKEN
    assert call.ok


async def test_send_message_strips_html_and_records_decoded_params(
    fake: FakeBotAPI, bot: Bot
) -> None:
    html = '<b>Liver</b> &amp; <a href="https://example.org">more</a> &lt;info&gt;'
    message = await bot.send_message(
        CHAT, html, parse_mode=ParseMode.HTML, reply_markup=keyboard("yes", "no")
    )
    assert message.text == "Liver & more <info>"
    assert message.chat.type == "private"
    assert message.from_user is not None
    assert message.from_user.username == "MetLiverTestBot"
    assert [(e.type, e.offset, e.length) for e in message.entities] == [
        ("bold", 0, 5),
        ("text_link", 8, 4),
    ]
    assert message.reply_markup == keyboard("yes", "no")

    call = await fake.wait_for("sendMessage")
    assert call.params["chat_id"] == CHAT
    assert call.params["text"] == html
    assert call.text == html
    assert call.params["parse_mode"] == "HTML"
    assert call.params["reply_markup"] == {
        "inline_keyboard": [
            [{"text": "Yes", "callback_data": "yes"}, {"text": "No", "callback_data": "no"}]
        ]
    }
    assert last_message(fake, CHAT)["message_id"] == message.message_id
    assert last_message(fake, CHAT)["reply_markup"] == call.params["reply_markup"]

    second = await bot.send_message(CHAT, "plain <b> stays")  # no parse_mode: literal text
    assert second.text == "plain <b> stays"
    assert second.message_id == message.message_id + 1


async def test_bot_api_validation_errors(fake: FakeBotAPI, bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(CHAT, "<div>x</div>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(CHAT, "<b>unclosed", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(CHAT, "x", reply_markup=keyboard("d" * 65))
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(CHAT, "x" * 4097)
    sent = await bot.send_message(CHAT, "<i>v1</i>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("<i>v1</i>", CHAT, sent.message_id, parse_mode="HTML")
    edited = await bot.edit_message_text(
        "v2", CHAT, sent.message_id, reply_markup=keyboard("again")
    )
    assert isinstance(edited, type(sent))
    assert edited.text == "v2"
    assert edited.edit_date is not None
    assert last_message(fake, CHAT)["text"] == "v2"
    assert not fake.calls_to("sendMessage")[0].ok
    assert fake.calls_to("sendMessage")[0].response == {
        "ok": False,
        "error_code": 400,
        "description": 'Bad Request: can\'t parse entities: Unsupported start tag "div" '
        "at byte offset 0",
    }


async def test_get_updates_long_poll_and_offsets(fake: FakeBotAPI, bot: Bot) -> None:
    # A long poll of 60 s returns as soon as an update arrives (the bound only tells "woken by
    # the update" from "waited the whole poll", with a wide margin for a loaded machine).
    poll = asyncio.create_task(bot.get_updates(timeout=60, read_timeout=90))
    await fake.wait_polling(timeout=30)
    started = time.monotonic()
    first_id = fake.push_update(message_update("/start hello"))
    updates = await poll
    assert time.monotonic() - started < 30
    assert [u.update_id for u in updates] == [first_id]
    assert updates[0].message is not None
    assert updates[0].message.text == "/start hello"
    assert updates[0].message.entities[0].type == "bot_command"
    assert updates[0].message.entities[0].length == len("/start")

    # Not confirmed yet: delivered again.
    again = await bot.get_updates(timeout=0)
    assert [u.update_id for u in again] == [first_id]

    second_id = fake.push_update(message_update("second"))
    third_id = fake.push_update(message_update("third"))
    assert second_id == first_id + 1
    assert third_id == first_id + 2
    confirmed = await bot.get_updates(offset=first_id + 1, timeout=0)
    assert [u.update_id for u in confirmed] == [second_id, third_id]
    limited = await bot.get_updates(offset=first_id + 1, limit=1, timeout=0)
    assert [u.update_id for u in limited] == [second_id]
    assert await bot.get_updates(offset=third_id + 1, timeout=0) == ()
    assert fake.pending_updates == []

    started = time.monotonic()
    assert await bot.get_updates(offset=third_id + 1, timeout=0.2) == ()
    assert time.monotonic() - started >= 0.2


async def test_stop_ends_pending_long_poll_promptly() -> None:
    fake = FakeBotAPI()
    await fake.start()
    async with Bot(TOKEN, base_url=fake.base_url) as bot:
        poll = asyncio.create_task(bot.get_updates(timeout=60, read_timeout=90))
        await fake.wait_polling(timeout=30)
        started = time.monotonic()
        await fake.stop()
        assert await poll == ()
        assert time.monotonic() - started < 30  # not the 60 s of the poll


async def test_flood_fault_raises_retry_after(
    fake: FakeBotAPI, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # avoid PTB's int-retry_after deprecation
    fake.inject("sendMessage", Fault.status(429, retry_after=7))
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(CHAT, "hi")
    assert info.value.retry_after == dtm.timedelta(seconds=7)
    call = fake.calls_to("sendMessage")[0]
    assert call.fault == Fault.flood(7)
    assert call.response == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 7",
        "parameters": {"retry_after": 7},
    }
    assert (await bot.send_message(CHAT, "hi")).text == "hi"  # the fault was consumed


async def test_status_faults_map_to_ptb_errors(fake: FakeBotAPI, bot: Bot) -> None:
    fake.inject("sendMessage", Fault.status(502), Fault.blocked())
    fake.inject(
        "*",
        Fault.status(
            400,
            "Bad Request: group chat was upgraded to a supergroup chat",
            migrate_to_chat_id=-100777,
        ),
    )
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(CHAT, "a")
    with pytest.raises(Forbidden, match="blocked"):
        await bot.send_message(CHAT, "b")
    with pytest.raises(ChatMigrated) as info:
        await bot.send_chat_action(CHAT, "typing")
    assert info.value.new_chat_id == -100777
    fake.inject("getMe", Fault.raw(502, "<html><body>502 Bad Gateway</body></html>"))
    with pytest.raises(NetworkError):
        await bot.get_me()
    assert [c.method for c in fake.calls] == [
        "getMe",  # Bot.initialize()
        "sendMessage",
        "sendMessage",
        "sendChatAction",
        "getMe",
    ]


async def test_drop_fault_raises_network_error(fake: FakeBotAPI, bot: Bot) -> None:
    fake.inject("sendMessage", Fault.drop())
    with pytest.raises(NetworkError) as info:
        await bot.send_message(CHAT, "lost")
    assert type(info.value) is NetworkError
    assert "httpx" in str(info.value)
    # The connection pool recovers and the next request succeeds.
    assert (await bot.send_message(CHAT, "kept")).text == "kept"
    assert [c.fault for c in fake.calls_to("sendMessage")] == [Fault.drop(), None]
    assert fake.calls_to("sendMessage")[0].response is None


async def test_delay_fault_and_rtt(fake: FakeBotAPI, bot: Bot) -> None:
    fake.rtt_ms = 50
    fake.inject("sendMessage", Fault.delay(0.15))
    started = time.monotonic()
    await bot.send_message(CHAT, "slow")
    assert time.monotonic() - started >= 0.2
    started = time.monotonic()
    await bot.send_message(CHAT, "rtt only")
    assert time.monotonic() - started >= 0.05  # the round trip; the delay was used up above
    assert [c.fault for c in fake.calls_to("sendMessage")] == [Fault.delay(0.15), None]


async def test_wait_for_predicate_after_and_timeout(fake: FakeBotAPI, bot: Bot) -> None:
    await bot.get_me()
    await bot.send_chat_action(CHAT, "typing")
    mark = fake.mark()
    waiter = asyncio.create_task(
        fake.wait_for("sendMessage", lambda c: c.params["text"] == "two", after=mark)
    )
    await bot.send_message(CHAT, "one")
    await bot.send_message(CHAT, "two")
    call = await waiter
    assert call.params["text"] == "two"
    assert fake.calls.index(call) == mark + 1

    with pytest.raises(
        AssertionError, match=r"received: getMe x2, sendChatAction, sendMessage x2"
    ):
        await fake.wait_for("answerCallbackQuery", timeout=0.1)
    with pytest.raises(AssertionError, match=r"non-matching sendMessage: .*\"one\""):
        await fake.wait_for("sendMessage", lambda c: c.params["text"] == "three", timeout=0.05)


async def test_factories_parse_as_ptb_updates(fake: FakeBotAPI, bot: Bot) -> None:
    sent = await bot.send_message(CHAT, "Pick", reply_markup=keyboard("a", "b"))
    forum = group_chat(-100555, title="Topics", is_forum=True)
    ann = user(1001, username="ann")
    ids = [
        fake.push_update(message_update("/help@MetLiverTestBot", from_user=ann)),
        fake.push_update(message_update("fixed", edited=True, chat=private_chat(1001))),
        fake.push_update(message_update("in topic", chat=forum, message_thread_id=3)),
        fake.push_update(sticker_update()),
        fake.push_update(photo_update("scan")),
        fake.push_update(callback_update("b", message=last_message(fake, CHAT))),
        fake.push_update(inline_query_update("liver", offset="10")),
        fake.push_update(chosen_inline_result_update("r1", "liver")),
        fake.push_update(my_chat_member_update(forum, new_status="administrator")),
        fake.push_update(
            my_chat_member_update(
                group_chat(-42, type_="group"), old_status="member", new_status="kicked"
            )
        ),
    ]
    updates: tuple[Update, ...] = await bot.get_updates(timeout=0)
    assert [u.update_id for u in updates] == ids
    command, edited, topic, sticker, photo, callback, inline, chosen, promoted, kicked = updates
    assert command.message is not None
    assert command.message.entities[0].length == len("/help@MetLiverTestBot")
    assert command.message.message_id > sent.message_id  # shared per-chat message ids
    assert edited.edited_message is not None
    assert edited.edited_message.edit_date is not None
    assert topic.message is not None
    assert topic.message.is_topic_message
    assert topic.message.message_thread_id == 3
    assert sticker.message is not None
    assert sticker.message.sticker is not None
    assert sticker.message.text is None
    assert photo.message is not None
    assert photo.message.caption == "scan"
    assert len(photo.message.photo) == 3
    assert callback.callback_query is not None
    assert callback.callback_query.data == "b"
    assert callback.callback_query.message == sent
    assert callback.callback_query.message.reply_markup == keyboard("a", "b")
    assert inline.inline_query is not None
    assert inline.inline_query.offset == "10"
    assert chosen.chosen_inline_result is not None
    assert chosen.chosen_inline_result.result_id == "r1"
    assert promoted.my_chat_member is not None
    assert promoted.my_chat_member.new_chat_member.status == "administrator"
    assert promoted.my_chat_member.new_chat_member.user.id == 7000001
    assert kicked.my_chat_member is not None
    assert kicked.my_chat_member.new_chat_member.status == "kicked"

    # Chats seen in updates are reused for the bot's replies.
    reply = await bot.send_message(-100555, "topic reply", message_thread_id=3)
    assert reply.chat.title == "Topics"
    assert reply.chat.is_forum
    assert reply.is_topic_message
    assert reply.message_thread_id == 3


async def test_other_methods_and_raw_requests(fake: FakeBotAPI, bot: Bot) -> None:
    await bot.set_my_commands([("start", "Start the bot"), ("help", "Help")])
    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    assert fake.calls_to("setMyCommands")[0].params["commands"] == [
        {"command": "start", "description": "Start the bot"},
        {"command": "help", "description": "Help"},
    ]
    assert await bot.answer_callback_query("123", text="{not json")
    assert fake.calls_to("answerCallbackQuery")[0].params["text"] == "{not json"
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert fake.calls_to("deleteWebhook")[0].params["drop_pending_updates"] is True
    assert (await bot.get_webhook_info()).url == ""
    assert (await bot.get_chat(CHAT)).type == "private"
    assert await bot.do_api_request("someFutureMethod") is True

    async with aiohttp.ClientSession() as session:
        url = f"{fake.base_url}{TOKEN}/sendMessage?chat_id=5"
        async with session.post(url, json={"text": "<b>json</b>", "parse_mode": "HTML"}) as resp:
            body = await resp.json()
        assert body["ok"]
        assert body["result"]["text"] == "json"
        assert body["result"]["chat"] == {"id": 5, "type": "private"}
        form = aiohttp.FormData()
        form.add_field("chat_id", "5")
        form.add_field("caption", "[1, 2]")
        png = tiny_png(3, 2)
        form.add_field("photo", png, filename="a.png", content_type="image/png")
        async with session.post(f"{fake.base_url}{TOKEN}/sendPhoto", data=form) as resp:
            result = (await resp.json())["result"]
        assert result["caption"] == "[1, 2]"
        assert result["photo"][-1]["width"] == 3
        photo_call = fake.calls_to("sendPhoto")[0]
        assert photo_call.params["photo"] == {
            "filename": "a.png",
            "content_type": "image/png",
            "size": len(png),
            "data": png,
        }
        for path in ("/", "/bot", f"/file/bot{TOKEN}/x.jpg"):
            async with session.get(f"http://127.0.0.1:{fake.port}{path}") as resp:
                assert resp.status == 404
                assert json.loads(await resp.text()) == {
                    "ok": False,
                    "error_code": 404,
                    "description": "Not Found",
                }


async def test_ptb_application_polls_and_replies(fake: FakeBotAPI) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_html("<b>Hi</b> there", reply_markup=keyboard("go"))

    application = Application.builder().token(TOKEN).base_url(fake.base_url).build()
    application.add_handler(CommandHandler("start", start))
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0, timeout=1)
        await fake.wait_polling(timeout=2)
        fake.push_update(message_update("/start"))
        call = await fake.wait_for("sendMessage", timeout=3)
        assert call.params["text"] == "<b>Hi</b> there"
        assert call.result["text"] == "Hi there"
        assert last_message(fake, 1001)["reply_markup"]["inline_keyboard"][0][0]["text"] == "Go"
        await application.updater.stop()
        await application.stop()
    assert [c.method for c in fake.calls][:3] == ["getMe", "deleteWebhook", "getUpdates"]
