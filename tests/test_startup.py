"""Start-up errors are one kind line, never a traceback or the token (``python -m bot run``).

The bot runs as a subprocess (tests/botproc.py) against the fake Bot API on 127.0.0.1, or against
a loopback port where nothing listens yet.
"""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
import sys
from pathlib import Path

from bot.startup import REJECTED
from tests.botproc import ROOT, TOKEN, BotProcess, start_bot
from tests.fakeapi import FakeBotAPI
from tests.fakeapi.faults import Fault

SECRET_PART = TOKEN.split(":")[1]
HANG_GUARD = 60.0


def free_port() -> int:
    """A loopback port nothing listens on (the OS's choice, released again)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def assert_clean(log: str) -> None:
    """No traceback and no part of the token anywhere in what the bot printed."""
    assert "Traceback" not in log, log
    assert TOKEN not in log, log
    assert SECRET_PART not in log, log


async def test_a_rejected_token_is_one_line_and_exit_code_2(fake: FakeBotAPI,
                                                            tmp_path: Path) -> None:
    fake.inject("getMe", Fault.status(401, "Unauthorized"))
    bot = await start_bot(fake.base_url, tmp_path)
    code = await asyncio.wait_for(bot.process.wait(), HANG_GUARD)
    assert code == 2
    assert bot.log() == REJECTED + "\n"
    assert REJECTED == ("Telegram rejected BOT_TOKEN (401 Unauthorized): copy the token from "
                        "@BotFather again")


async def test_a_wrong_api_address_is_one_line(fake: FakeBotAPI, tmp_path: Path) -> None:
    fake.inject("getMe", Fault.status(404, "Not Found"))
    bot = await start_bot(fake.base_url, tmp_path)
    assert await asyncio.wait_for(bot.process.wait(), HANG_GUARD) == 2
    assert bot.log() == (f"Telegram answered 404 Not Found at {fake.base_url}: check "
                         "BOT_API_BASE_URL (it must end in /bot)\n")


async def test_unreachable_telegram_is_retried_until_it_answers(tmp_path: Path) -> None:
    port = free_port()
    bot = await start_bot(f"http://127.0.0.1:{port}/bot", tmp_path)
    try:
        line = f"cannot reach Telegram at 127.0.0.1:{port} (connection refused); trying again"
        log = await bot.wait_for_log(line, count=2)
        assert "trying again in 1 s" in log
        assert "trying again in 2 s" in log
        fake = FakeBotAPI()
        await fake.start(port=port)
        try:
            await fake.wait_for("getUpdates", timeout=HANG_GUARD)
            assert await bot.stop() == 0
        finally:
            await fake.stop()
    finally:
        await _kill(bot)
    assert "ready as @" in bot.log()
    assert_clean(bot.log())


async def test_sigterm_while_waiting_for_telegram_exits_0(tmp_path: Path) -> None:
    bot = await start_bot(f"http://127.0.0.1:{free_port()}/bot", tmp_path)
    try:
        await bot.wait_for_log("cannot reach Telegram at 127.0.0.1:")
        assert await bot.stop(signal.SIGTERM) == 0
    finally:
        await _kill(bot)
    assert_clean(bot.log())


async def test_a_timeout_on_getme_is_one_line_then_the_bot_starts(fake: FakeBotAPI,
                                                                 tmp_path: Path) -> None:
    fake.inject("getMe", Fault.delay(30))  # longer than the 5 s read timeout: TimedOut
    bot = await start_bot(fake.base_url, tmp_path)
    try:
        await bot.wait_for_log(f"cannot reach Telegram at 127.0.0.1:{fake.port} (timed out); "
                               "trying again in 1 s")
        await fake.wait_for("getUpdates", timeout=HANG_GUARD)
    finally:
        assert await bot.stop() == 0
    assert_clean(bot.log())


async def test_failures_while_starting_start_again(fake: FakeBotAPI, tmp_path: Path) -> None:
    # setMyCommands is retried 3 times (bot/transport/retry.py); the 4th drop reaches start-up.
    fake.inject("setMyCommands", *[Fault.drop()] * 4)
    bot = await start_bot(fake.base_url, tmp_path)
    try:
        await bot.wait_for_log(f"lost 127.0.0.1:{fake.port} while starting (")
        await fake.wait_for("getUpdates", timeout=HANG_GUARD)
    finally:
        assert await bot.stop() == 0
    assert "starting again" in bot.log()
    assert "ready as @" in bot.log()
    assert_clean(bot.log())


async def test_a_failing_set_webhook_starts_again(fake: FakeBotAPI, tmp_path: Path) -> None:
    secret = "startup-test-secret_0123456789abcdefghij"
    env = {"BOT_WEBHOOK_URL": "https://bot.example.org/", "BOT_WEBHOOK_SECRET": secret,
           "BOT_PORT": str(free_port())}
    fake.inject("setWebhook", *[Fault.drop()] * 4)  # retried 3 times, then start-up's turn
    bot = await start_bot(fake.base_url, tmp_path, env)
    try:
        await bot.wait_for_log(f"lost 127.0.0.1:{fake.port} while starting (")
        await bot.wait_for_log("webhook server listening")
    finally:
        assert await bot.stop() == 0
    assert len(fake.calls_to("setWebhook")) == 5
    assert_clean(bot.log())
    assert secret not in bot.log()


async def test_a_taken_webhook_port_is_one_line_until_it_is_free(fake: FakeBotAPI,
                                                                 tmp_path: Path) -> None:
    holder = socket.socket()
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    holder.bind(("0.0.0.0", 0))
    holder.listen()
    port = holder.getsockname()[1]
    env = {"BOT_WEBHOOK_URL": "https://bot.example.org/",
           "BOT_WEBHOOK_SECRET": "startup-test-secret_0123456789abcdefghij", "BOT_PORT": str(port)}
    bot = await start_bot(fake.base_url, tmp_path, env)
    try:
        await bot.wait_for_log(f"the webhook server cannot listen on port {port} (address "
                               "already in use); starting again in 1 s")
        holder.close()
        await bot.wait_for_log("webhook server listening")
    finally:
        holder.close()
        assert await bot.stop() == 0
    assert_clean(bot.log())


def test_an_uncaught_error_is_printed_without_the_token() -> None:
    code = ("from bot.logs import install_excepthook; install_excepthook(); "
            f"raise RuntimeError('GET https://api.telegram.org/bot{TOKEN}/getMe failed')")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, timeout=HANG_GUARD, check=False)
    assert result.returncode == 1
    assert "RuntimeError: GET https://api.telegram.org/bot<token>/getMe failed" in result.stderr
    assert SECRET_PART not in result.stderr


def test_version() -> None:
    result = subprocess.run([sys.executable, "-m", "bot", "--version"], capture_output=True,
                            text=True, cwd=ROOT, timeout=HANG_GUARD, check=False)
    assert result.returncode == 0
    assert result.stdout.startswith("liverbot ")


async def _kill(bot: BotProcess) -> None:
    if bot.process.returncode is None:
        bot.process.kill()
        await bot.process.wait()
