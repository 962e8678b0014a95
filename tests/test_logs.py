"""The bot token never reaches a log line, a traceback or a reply."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.logs import RedactingFilter, redact, setup_logging
from tests.botproc import TOKEN, running_bot
from tests.fakeapi import FakeBotAPI, Fault
from tests.test_e2e import say


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Root logging set up as the bot does, writing into a buffer."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    setup_logging(secrets=(TOKEN, "hook-secret"))
    buffer = io.StringIO()
    root.handlers[0].setStream(buffer)  # type: ignore[attr-defined]
    yield buffer
    root.handlers[:], _ = saved
    root.setLevel(saved[1])


def test_redact_finds_tokens_alone_and_in_urls() -> None:
    assert TOKEN not in redact(f"POST https://api.telegram.org/bot{TOKEN}/getMe failed")
    assert redact(f"token {TOKEN}") == "token <token>"
    assert redact("https://api.telegram.org/botXYZ/sendMessage") == (
        "https://api.telegram.org/bot<token>/sendMessage")


def test_log_lines_arguments_and_tracebacks_are_redacted(captured: io.StringIO) -> None:
    log = logging.getLogger("bot.test")
    log.info("calling %s", f"https://api.telegram.org/bot{TOKEN}/getUpdates")
    log.warning("secret is hook-secret and token %s", TOKEN)
    try:
        raise httpx.ConnectError(f"cannot reach https://api.telegram.org/bot{TOKEN}/getMe")
    except httpx.ConnectError:
        log.exception("failed")
    logging.getLogger("httpx").info("HTTP Request: POST https://x/bot%s/getMe", TOKEN)
    output = captured.getvalue()
    assert "calling https://api.telegram.org/bot<token>/getUpdates" in output
    assert "Traceback" in output
    assert "ConnectError" in output
    assert TOKEN not in output
    assert TOKEN.split(":")[1] not in output
    assert "hook-secret" not in output
    assert "HTTP Request" not in output  # httpx is held at WARNING


def test_filter_never_drops_records() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "a %s", ("b",), None)
    assert RedactingFilter().filter(record)
    assert record.getMessage() == "a b"


async def test_forced_errors_in_running_bot_leak_no_token(tmp_path: Path) -> None:
    async with FakeBotAPI() as fake, running_bot(fake, tmp_path) as bot:
        # Errors whose descriptions carry the token, as a misconfigured proxy might send.
        fake.inject("sendMessage", *[Fault.status(500, f"bot{TOKEN} exploded")] * 4,
                    Fault.status(400, f"Bad Request: /bot{TOKEN}/sendMessage rejected"))
        fake.inject("getUpdates", Fault.status(502, f"upstream bot{TOKEN} down"), Fault.drop())
        fake.push_update({"message": {"message_id": 1, "date": 0, "text": "/start",
                                      "chat": {"id": 77, "type": "private"},
                                      "entities": [{"type": "bot_command", "offset": 0,
                                                    "length": 6}]}})
        fake.push_update({"message": {"message_id": 2, "date": 0, "text": "/menu",
                                      "chat": {"id": 78, "type": "private"},
                                      "entities": [{"type": "bot_command", "offset": 0,
                                                    "length": 5}]}})
        assert (await say(fake, "/help")).ok
        # The three updates are handled side by side: /help may be answered while another
        # update's send still waits for its retry, so wait for the forced 400 to be logged.
        await bot.wait_for_log("error while handling an update: BadRequest")
        log = bot.log()
    assert "retry" in log
    assert "error while handling an update: BadRequest" in log  # the forced 400 was logged
    assert "Traceback" in log
    assert TOKEN not in log
    assert TOKEN.split(":")[1] not in log
    for call in fake.calls_to("sendMessage"):
        assert TOKEN not in call.params["text"]
