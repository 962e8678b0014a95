"""Webhook mode: the secret is checked, bad bodies are dropped (2xx), good updates are answered."""

from __future__ import annotations

import asyncio
import io
import json
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.botproc import BotProcess, running_bot
from tests.fakeapi import (
    FakeBotAPI,
    Fault,
    callback_update,
    message_update,
    private_chat,
    user,
)
from tests.sender import TelegramSender

SECRET = "hook-secret_123-long-enough-to-be-unguessable"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def hook(fake: FakeBotAPI, tmp_path: Path) -> AsyncIterator[tuple[BotProcess, str]]:
    """The bot in webhook mode, and the URL of its webhook endpoint."""
    port = _free_port()
    env = {"BOT_WEBHOOK_URL": "https://bot.example.org/", "BOT_WEBHOOK_SECRET": SECRET,
           "BOT_PORT": str(port)}
    async with running_bot(fake, tmp_path, env, ready="setWebhook") as bot:
        base = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession() as session:
            for _ in range(100):
                try:
                    async with session.get(base + "/healthz") as resp:
                        if resp.status == 200 and (await resp.json())["ok"]:
                            break
                except aiohttp.ClientConnectionError:
                    pass
                await asyncio.sleep(0.1)
        yield bot, base + "/telegram"


async def _exchange(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    headers = {"Content-Type": "application/json"} | headers
    async with aiohttp.ClientSession() as session, session.post(
            url, data=io.BytesIO(body), headers=headers) as resp:
        return resp.status, await resp.read()


async def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    return (await _exchange(url, body, headers))[0]


def _update(text: str, chat_id: int) -> bytes:
    raw: dict[str, Any] = message_update(text, chat=private_chat(chat_id))
    raw["update_id"] = chat_id
    return json.dumps(raw).encode()


async def test_webhook_registered_with_secret(fake: FakeBotAPI,
                                              hook: tuple[BotProcess, str]) -> None:
    (call,) = fake.calls_to("setWebhook")
    assert call.params["url"] == "https://bot.example.org/telegram"
    assert call.params["secret_token"] == SECRET
    assert fake.calls_to("getUpdates") == []


async def test_requests_without_the_secret_are_rejected(fake: FakeBotAPI,
                                                        hook: tuple[BotProcess, str]) -> None:
    bot, url = hook
    assert await _post(url, _update("/start", 3001), {}) == 403
    assert await _post(url, _update("/start", 3002),
                       {"X-Telegram-Bot-Api-Secret-Token": "wrong"}) == 403
    good = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    assert await _post(url, _update("/start", 3003), good) == 200
    await fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == 3003)
    assert [c for c in fake.calls_to("sendMessage") if c.params["chat_id"] in (3001, 3002)] == []
    assert SECRET not in bot.log()


@pytest.mark.parametrize("body", [
    b"{not json",
    b"\xff\xfe",
    b"[1, 2, 3]",
    b'{"no_update_id": true}',
    b'{"update_id": 5, "message": {"chat": "nonsense"}}',
    b'{"update_id": 7, "message": {"message_id": 1, "date": 1e999, "chat": {"id": 1, '
    b'"type": "private"}}}',
    b'{"update_id": 8, "callback_query": {"id": "1", "from": 3, "chat_instance": "x"}}',
    b'{"update_id": 9, "message": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    b'{"update_id": 6, "message": {"text": "' + b"x" * (2 << 20) + b'"}}',
])
async def test_malformed_bodies_with_the_secret_get_2xx_and_bot_keeps_working(
        fake: FakeBotAPI, hook: tuple[BotProcess, str], body: bytes) -> None:
    """Once the secret matched, always 2xx (else Telegram resends it forever), nothing logged."""
    bot, url = hook
    good = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    assert await _post(url, body, good) == 200
    assert await _post(url, _update("/lung", 3100), good) == 200
    call = await fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == 3100)
    assert call.result["text"].startswith("Lung cancer")
    assert bot.process.returncode is None
    assert "Traceback" not in bot.log()
    assert "ERROR" not in bot.log()


async def test_sigterm_stops_webhook_cleanly(hook: tuple[BotProcess, str]) -> None:
    bot, _ = hook
    assert await bot.stop() == 0


async def test_answered_only_once_handled_and_once_per_update_id(
        fake: FakeBotAPI, hook: tuple[BotProcess, str]) -> None:
    _, url = hook
    good = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    assert await _post(url, _update("/lung", 3200), good) == 200
    # The 200 came after the answer was sent: Telegram's one-in-flight per chat keeps order.
    assert [c for c in fake.calls_to("sendMessage") if c.params["chat_id"] == 3200]
    assert await _post(url, _update("/lung", 3200), good) == 200  # redelivered: not again
    await asyncio.sleep(0.3)
    assert len([c for c in fake.calls_to("sendMessage") if c.params["chat_id"] == 3200]) == 1


async def test_a_failing_handler_is_still_answered_2xx(
        fake: FakeBotAPI, hook: tuple[BotProcess, str]) -> None:
    bot, url = hook
    fake.inject("sendMessage", Fault.status(400, "Bad Request: something unexpected"))
    good = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    assert await _post(url, _update("/lung", 3300), good) == 200  # a non-2xx would stall it
    assert await _post(url, _update("/lung", 3301), good) == 200
    await fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == 3301 and c.ok)
    assert bot.process.returncode is None


async def test_health_readiness_and_metrics_name_no_one(
        fake: FakeBotAPI, hook: tuple[BotProcess, str]) -> None:
    _, url = hook
    base = url.removesuffix("/telegram")
    good = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    assert await _post(url, _update("/lung", 734001234), good) == 200
    async with aiohttp.ClientSession() as session:
        async with session.get(base + "/readyz") as resp:
            assert resp.status == 200
            assert (await resp.json())["database"] is True
        async with session.get(base + "/metrics") as resp:
            assert resp.status == 200
            text = await resp.text()
    assert 'liverbot_updates_total{kind="message",outcome="handled"} 1.0' in text
    assert "liverbot_handling_seconds_bucket" in text
    assert "734001234" not in text


async def _raw_post(url: str, header_value: bytes) -> bytes:
    """A POST whose secret header carries bytes an HTTP client library would refuse to send."""
    host, port = url.split("//")[1].split("/")[0].split(":")
    body = _update("/start", 3200)
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(b"POST /telegram HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 b"X-Telegram-Bot-Api-Secret-Token: " + header_value + b"\r\n"
                 b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n"
                 + body)
    await writer.drain()
    answer = await reader.read()
    writer.close()
    return answer.split(b"\r\n", 1)[0]


async def test_a_secret_with_a_non_utf8_byte_gets_403(hook: tuple[BotProcess, str]) -> None:
    bot, url = hook
    assert b" 403 " in await _raw_post(url, b"\xff" + SECRET.encode()[1:])
    assert b" 403 " in await _raw_post(url, b"caf\xc3\xa9")
    assert "Traceback" not in bot.log()


async def test_many_wrong_secrets_write_a_few_log_lines(hook: tuple[BotProcess, str]) -> None:
    bot, url = hook
    before = len(bot.log().splitlines())
    async with aiohttp.ClientSession() as session:
        for i in range(200):
            async with session.post(url, data=_update("/start", 3300 + i),
                                    headers={"X-Telegram-Bot-Api-Secret-Token": f"w{i}"}) as r:
                assert r.status == 403
    await asyncio.sleep(0.2)
    lines = bot.log().splitlines()[before:]
    assert len(lines) <= 2, lines  # one summary now (and at most one a minute after)
    assert "1 requests rejected" in "\n".join(lines)


async def test_compressed_bodies_are_not_inflated(fake: FakeBotAPI,
                                                  hook: tuple[BotProcess, str]) -> None:
    import gzip

    _, url = hook
    bomb = gzip.compress(b'{"update_id": 10, "message": {"text": "' + b"x" * (8 << 20) + b'"}}')
    good = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Encoding": "gzip"}
    async with aiohttp.ClientSession() as session, session.post(
            url, data=io.BytesIO(bomb), headers=good) as resp:
        assert resp.status == 200
        # read as the compressed bytes it is (inflated, it would have been "too large")
        assert (await resp.json())["dropped"] == "not JSON"
    assert await _post(url, _update("/lung", 3400),
                       {"X-Telegram-Bot-Api-Secret-Token": SECRET}) == 200
    await fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == 3400)


async def test_a_short_secret_is_a_configuration_error(tmp_path: Path) -> None:
    import os
    import sys

    from tests.botproc import ROOT, TOKEN

    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT),
           "BOT_TOKEN": TOKEN, "BOT_WEBHOOK_URL": "https://bot.example.org/",
           "BOT_WEBHOOK_SECRET": "short_secret"}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 2
    (line,) = err.decode().strip().splitlines()
    assert "BOT_WEBHOOK_SECRET must be at least 32 characters" in line
    assert "secrets.token_urlsafe" in line
    assert "short_secret" not in line + out.decode()


async def test_listens_on_loopback_by_default(fake: FakeBotAPI,
                                              hook: tuple[BotProcess, str]) -> None:
    bot, _ = hook
    assert "webhook server listening on 127.0.0.1 port" in bot.log()


async def _post_reading(url: str, body: bytes) -> tuple[int, bytes]:
    return await _exchange(url, body, {"X-Telegram-Bot-Api-Secret-Token": SECRET})


async def _menu_tap(fake: FakeBotAPI, url: str, chat_id: int) -> dict[str, Any]:
    """The bot's menu in a private chat, and a tap on its glossary button (not yet sent)."""
    assert (await _post_reading(url, _update("/menu", chat_id)))[0] == 200
    message = fake.last_message(chat_id)
    data = next(b["callback_data"] for row in message["reply_markup"]["inline_keyboard"]
                for b in row if "|s|glossary|" in b["callback_data"])
    update = callback_update(data, message=message, from_user=user(chat_id))
    update["update_id"] = chat_id + 1
    return update


async def test_a_taps_acknowledgement_rides_on_the_webhook_answer(
        fake: FakeBotAPI, hook: tuple[BotProcess, str]) -> None:
    """Telegram makes the call a webhook answers with: the tap costs one request, not two."""
    _, url = hook
    tap = await _menu_tap(fake, url, 3400)
    mark = fake.mark()
    status, body = await _post_reading(url, json.dumps(tap).encode())
    assert status == 200
    assert json.loads(body) == {"method": "answerCallbackQuery",
                                "callback_query_id": tap["callback_query"]["id"]}
    made = [c.method for c in fake.calls[mark:]]
    assert made == ["editMessageText"]  # the new screen, before the answer; no acknowledgement

    # Delivered as Telegram delivers it, the acknowledgement is made once the webhook answered.
    again = await _menu_tap(fake, url, 3410)
    mark = fake.mark()
    await TelegramSender(url, secret=SECRET, on_reply=fake.webhook_reply).deliver([again])
    assert [(c.method, c.webhook) for c in fake.calls[mark:]] == [
        ("editMessageText", False), ("answerCallbackQuery", True)]
    assert fake.calls[-1].params == {"callback_query_id": again["callback_query"]["id"]}


async def test_a_tap_redelivered_after_it_was_handled_still_stops_its_spinner(
        fake: FakeBotAPI, hook: tuple[BotProcess, str]) -> None:
    """The first answer (with the acknowledgement on it) may never have reached Telegram: a
    worker that died just after handling. The redelivery is not handled again, but its answer
    carries the acknowledgement; a redelivered message's answer carries nothing."""
    _, url = hook
    tap = await _menu_tap(fake, url, 3600)
    body = json.dumps(tap).encode()
    acknowledgement = {"method": "answerCallbackQuery",
                       "callback_query_id": tap["callback_query"]["id"]}
    status, first = await _post_reading(url, body)
    assert (status, json.loads(first)) == (200, acknowledgement)
    mark = fake.mark()
    status, again = await _post_reading(url, body)
    assert (status, json.loads(again)) == (200, acknowledgement)
    assert fake.calls[mark:] == []  # no second edit
    message = _update("/lung", 3610)
    assert await _post_reading(url, message) == (200, b'{"ok":true}')
    mark = fake.mark()
    assert await _post_reading(url, message) == (200, b'{"ok":true}')
    assert fake.calls[mark:] == []


async def test_a_slow_answer_sends_the_acknowledgement_by_itself(
        fake: FakeBotAPI, hook: tuple[BotProcess, str]) -> None:
    """A tap whose screen is slow to come still has its spinner stopped within half a second."""
    bot, url = hook
    tap = await _menu_tap(fake, url, 3500)
    fake.inject("editMessageText", Fault.delay(2.0))
    loop = asyncio.get_running_loop()
    started = loop.time()  # (the fake's clock: time.monotonic, as the loop's)
    posting = asyncio.create_task(_post_reading(url, json.dumps(tap).encode()))
    ack = await fake.wait_for("answerCallbackQuery", timeout=5)
    assert not ack.webhook  # the bot's own call
    assert ack.ok
    assert ack.params["callback_query_id"] == tap["callback_query"]["id"]
    assert ack.at - started >= 0.45  # it waited its half second for the webhook's answer...
    assert not posting.done()  # ...which still waits for the 2-second edit
    assert await posting == (200, b'{"ok":true}')  # nothing rides on it any more
    assert len(fake.calls_to("answerCallbackQuery")) == 1
    assert "Traceback" not in bot.log()
