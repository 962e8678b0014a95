"""Issue 15, items 6, 10 and 11: no echo, bounded costly input, only the updates handled.

Through the real Application (recording request) or the bot as a subprocess (fake Bot API).
"""

from __future__ import annotations

import logging
import random
import string
import time
from pathlib import Path
from typing import Any

import pytest
from telegram import Update
from telegram.error import ChatMigrated

from bot.app import ALLOWED_UPDATES
from bot.config import Settings
from bot.context import Services
from tests.botproc import running_bot
from tests.fakeapi import (
    FakeBotAPI,
    callback_update,
    chosen_inline_result_update,
    group_chat,
    inline_query_update,
    make_message,
    message_update,
    my_chat_member_update,
    private_chat,
)
from tests.recording import RecordingRequest, application, chat, feed, message, user

SPAM = ("/glossary NEW NHS ADVICE: stop chemo, call +44 20 7946 0958 now "
        "https://evil.example/x @evil_helper #urgent admin@evil.example")


@pytest.mark.parametrize("where", [chat(1001), chat(-100, "supergroup")])
async def test_glossary_never_echoes_what_was_typed(app: Any, request_: RecordingRequest,
                                                    where: dict[str, Any]) -> None:
    text = SPAM.replace("/glossary", "/glossary@LiverTestBot") if where["id"] < 0 else SPAM
    await feed(app, message(text, chat_=where))
    (sent,) = request_.sent("sendMessage")
    answer = sent.params["text"]
    assert answer.startswith("I don't know that word")
    for typed in ("+44", "7946", "evil", "NHS", "chemo", "@", "#urgent", "http"):
        assert typed not in answer
    assert sent.params["reply_markup"]  # the list of words it can explain, to tap


def random_words(seed: int, chars: int = 4096) -> str:
    rnd = random.Random(seed)
    words = ("".join(rnd.choice(string.ascii_lowercase) for _ in range(rnd.randint(3, 9)))
             for _ in range(chars))
    return " ".join(words)[:chars]


def test_long_messages_cost_about_what_a_short_one_does(services: Services) -> None:
    """A 4,096-character message of random words is read no further than needed.

    Compared with the same message's first 64 words in the same run (a ratio, not a time):
    before the limit the whole message cost ~10x its first 64 words.
    """
    search = services.search
    long = random_words(7)
    short = " ".join(long.split()[:64])

    def cost(text: str) -> float:
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            search.answer(text)
            search.find_term(text)
            best = min(best, time.perf_counter() - start)
        return best

    assert cost(long) < 3 * cost(short)


def test_a_red_flag_late_in_a_long_message_is_still_found(services: Services) -> None:
    filler = " ".join(["my", "dad", "has", "been", "tired", "lately", "and"] * 20)
    assert services.search.answer(f"{filler} he is vomiting blood").urgent


async def test_only_handled_update_kinds_are_asked_for(fake: FakeBotAPI, tmp_path: Path) -> None:
    async with running_bot(fake, tmp_path):
        (first, *_) = fake.calls_to("getUpdates")
    assert sorted(first.params["allowed_updates"]) == sorted(ALLOWED_UPDATES)
    assert "chat_member" not in ALLOWED_UPDATES
    assert "message_reaction" not in ALLOWED_UPDATES


def one_of_each() -> dict[str, dict[str, Any]]:
    """A real update of every kind in ALLOWED_UPDATES."""
    me = private_chat(1001)
    sent = make_message(chat=me, text="Overview")
    return {
        "message": message_update("/start", chat=me),
        "edited_message": message_update("hello", chat=me, edited=True),
        "callback_query": callback_update("m", message=sent),
        "inline_query": inline_query_update("liver"),
        "chosen_inline_result": chosen_inline_result_update("overview", "liver"),
        "my_chat_member": my_chat_member_update(group_chat(-5)),
    }


def test_every_kind_asked_for_is_handled_and_no_other(app: Any) -> None:
    samples = one_of_each()
    assert set(samples) == set(ALLOWED_UPDATES)
    handlers = [h for group in app.handlers.values() for h in group]
    for kind, raw in samples.items():
        update = Update.de_json({"update_id": 1} | raw, app.bot)
        assert any(h.check_update(update) for h in handlers), f"{kind} is asked for, not handled"
    edit = make_message(chat=private_chat(1001), text="x", edit_date=1, business_connection_id="b")
    unasked = Update.de_json({"update_id": 2, "edited_business_message": edit}, app.bot)
    assert not any(h.check_update(unasked) for h in handlers)


async def test_chat_migrated_is_logged_without_the_new_chat_id(
        app: Any, caplog: pytest.LogCaptureFixture) -> None:
    new_id = -1009988776655
    update = Update.de_json({"update_id": 3} | message_update("/start", chat=private_chat(5)),
                            app.bot)
    caplog.set_level(logging.INFO)
    await app.process_error(update, ChatMigrated(new_id))
    assert "ChatMigrated" in caplog.text
    assert str(new_id) not in caplog.text
    assert "Traceback" not in caplog.text


async def test_one_person_flooding_searches_is_slowed_alone(settings: Settings,
                                                            services: Services) -> None:
    import dataclasses

    from bot.app import build_application
    from bot.usage.budget import PersonBudget

    budget = PersonBudget(clock=lambda: 0.0)  # time stands still: no refill during the flood
    request_ = RecordingRequest()
    app = build_application(settings, request=request_,
                            services=dataclasses.replace(services, budget=budget))
    async with app:
        for i in range(40):
            await feed(app, message(f"what is AFP {i}", chat_=chat(1001)))
        texts = [c.params["text"] for c in request_.sent("sendMessage")]
        slow = [t for t in texts if t.startswith("You're sending questions faster")]
        assert len(slow) == 1  # said once, then quiet: a flood gets no flood of answers
        assert len(texts) - 1 == int(budget.burst)  # the first burst was answered
        request_.calls.clear()
        other_person = message("what is AFP", chat_=chat(2002), extra={"from": user(2002)})
        await feed(app, other_person)  # someone else: answered at once
        (other,) = request_.sent("sendMessage")
        assert not other.params["text"].startswith("You're sending")
        assert len(budget) == 2  # two people, known only by today's keyed hash


def test_budgets_refill_and_are_forgotten_at_midnight() -> None:
    from datetime import date

    from bot.usage.budget import PersonBudget, Spend

    now, day = [0.0], [date(2026, 3, 4)]
    budget = PersonBudget(rate=1.0, burst=2.0, clock=lambda: now[0], today=lambda: day[0])
    assert [budget.spend(7) for _ in range(4)] == [Spend.OK, Spend.OK, Spend.SLOW_DOWN,
                                                   Spend.QUIET]
    now[0] += 1.0
    assert budget.spend(7) is Spend.OK  # refilled at the rate
    assert budget.spend(7) is Spend.SLOW_DOWN
    day[0] = date(2026, 3, 5)
    assert budget.spend(7) is Spend.OK  # a new day, a new key: yesterday's buckets are gone
    assert len(budget) == 1
    assert all(len(key) == 16 for key in budget._buckets)  # keyed hashes, not ids


class BannedChat(RecordingRequest):
    """Telegram's answer to a chat under a long flood ban: 429, retry after an hour."""

    tries = 0

    async def do_request(self, url: str, method: str, request_data: Any = None,
                         *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        params = dict(request_data.parameters) if request_data else {}
        if url.endswith("/sendMessage") and params.get("chat_id") == -300:
            self.tries += 1
            return 429, (b'{"ok": false, "error_code": 429, "description": "Too Many Requests: '
                         b'retry after 3600", "parameters": {"retry_after": 3600}}')
        return await super().do_request(url, method, request_data, *args, **kwargs)


async def test_a_long_flood_ban_is_given_up_not_slept(
        settings: Settings, services: Services, caplog: pytest.LogCaptureFixture) -> None:
    import asyncio
    request_ = BannedChat()
    app = application(settings, services, request_)
    group = chat(-300, "supergroup")
    async with asyncio.timeout(20), app:  # an hour's sleep would hold a slot and the shutdown
        await app.post_init(app)  # type: ignore[misc]
        for _ in range(3):
            await feed(app, message("/help@LiverTestBot", chat_=group))
        await feed(app, message("/help", chat_=chat(1001)))  # others are answered meanwhile
        await app.post_shutdown(app)  # type: ignore[misc]
    assert [c.params["chat_id"] for c in request_.sent("sendMessage")] == [1001]
    assert caplog.text.count("asks this chat to wait 3600 s") == 1  # logged once, not thrice
    assert request_.tries == 1  # the next two gave up without asking Telegram again


async def test_a_second_signal_writes_the_usage_queue_and_exits(fake: FakeBotAPI,
                                                                tmp_path: Path) -> None:
    import asyncio
    import signal

    from tests.test_e2e_usage import logged, session
    from tests.usagekit import total_events, write_locked

    path = tmp_path / "usage.sqlite3"
    async with running_bot(fake, tmp_path) as bot:
        with write_locked(path):  # the writer cannot write: the first SIGTERM waits for it
            await session(fake)
            await logged(bot, "database is locked")
            bot.process.send_signal(signal.SIGTERM)
            await asyncio.sleep(1)  # python-telegram-bot is stopping; the usage log waits
            bot.process.send_signal(signal.SIGTERM)  # the operator insists
        assert await asyncio.wait_for(bot.process.wait(), 10) == 0  # at once, not hanging
    assert total_events(path) == 5  # and nothing queued was lost
    assert "second signal: " in bot.log()
    assert "queued usage records written; exiting now" in bot.log()
