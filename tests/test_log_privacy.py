"""Issue 15, item 2: an unparseable update in a polled batch costs only itself, and neither its
sender's name nor its text reaches the log; python-telegram-bot's records are filtered.

The first test runs the real bot as a subprocess against the fake Bot API.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from telegram import Update

from bot.logs import setup_logging
from tests.botproc import TOKEN, running_bot
from tests.fakeapi import FakeBotAPI, message_update, private_chat, user

NAME, USERNAME, TEXT = "Philippa", "marigold_lantern_7", "the lump near my liver hurts"


def poisoned() -> dict[str, Any]:
    """An update python-telegram-bot cannot parse (its chat is not an object), with a name."""
    raw = message_update(TEXT, chat=private_chat(4242), from_user=user(
        4242, NAME, USERNAME))
    raw["message"]["chat"] = f"{NAME}'s chat"
    return raw


async def test_one_bad_update_in_a_batch_costs_only_itself(fake: FakeBotAPI,
                                                           tmp_path: Path) -> None:
    async with running_bot(fake, tmp_path) as bot:
        first = fake.push_update(message_update("/lung", chat=private_chat(5001)))
        bad = fake.push_update(poisoned())
        last = fake.push_update(message_update("/breast", chat=private_chat(5002)))
        assert (first + 1, bad + 1) == (bad, last)  # one batch of three
        await fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == 5001)
        await fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == 5002)
        after = fake.push_update(message_update("/help", chat=private_chat(5003)))
        await fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == 5003)
        offsets = [c.params.get("offset") for c in fake.calls_to("getUpdates")]
        log = bot.log()
    assert NAME not in log
    assert USERNAME not in log
    assert "lump" not in log
    assert "4242" not in log  # nor the sender's id
    assert f"update {bad} could not be read" in log
    assert after + 1 in offsets  # and polling went on past it
    assert [c for c in fake.calls_to("sendMessage") if c.params["chat_id"] == 4242] == []


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Root logging set up as the bot does, writing into a buffer."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    setup_logging(secrets=(TOKEN,))
    buffer = io.StringIO()
    root.handlers[0].setStream(buffer)  # type: ignore[attr-defined]
    yield buffer
    root.handlers[:], _ = saved
    root.setLevel(saved[1])


def test_ptb_records_with_updates_keep_only_the_template_and_ids(
        captured: io.StringIO) -> None:
    raw = {"update_id": 77} | message_update(TEXT, chat=private_chat(9), from_user=user(
        9, NAME, USERNAME))
    logging.getLogger("telegram.Bot").critical(
        "Error while parsing updates! Received data was %r", [raw])
    logging.getLogger("telegram.ext.Application").error(
        "Error while building CallbackContext for update %s", Update.de_json(raw, None))
    logging.getLogger("telegram.request.BaseRequest").error(
        'Can not load invalid JSON data: "%s"', '{"ok": true, "result": [{"text": "' + TEXT)
    try:
        int(NAME)
    except ValueError:
        logging.getLogger("telegram.ext.Updater").critical("Something went wrong",
                                                           exc_info=True)
    logging.getLogger("telegram.ext.Updater").info("Network Retry Loop (%s): %s", "Polling",
                                                   "timed out after 10 s")
    logging.getLogger("bot.other").info("not python-telegram-bot's: %s", "kept as it is")
    out = captured.getvalue()
    assert NAME not in out
    assert USERNAME not in out
    assert "lump" not in out
    assert "Error while parsing updates! Received data was %r [arguments withheld" in out
    assert "update ids 77]" in out
    assert "ValueError (message withheld)" in out
    assert "Network Retry Loop (Polling): timed out after 10 s" in out
    assert "not python-telegram-bot's: kept as it is" in out
