"""End to end: the bot process records usage, flushes it on SIGTERM, survives a bad database."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from tests.botproc import BotProcess, running_bot
from tests.fakeapi import FakeBotAPI, group_chat
from tests.test_e2e import press, say, tap
from tests.usagekit import rows, total_events, write_locked


async def tap_feedback(fake: FakeBotAPI, chat_id: int, label: str) -> str:
    """Tap 👍 or 👎 on the bot's last message; the toast text once the buttons are gone."""
    mark = press(fake, chat_id, label)
    toast = await fake.wait_for("answerCallbackQuery", after=mark)
    await fake.wait_for("editMessageReplyMarkup", after=mark)
    return str(toast.params["text"])


async def logged(bot: BotProcess, text: str) -> None:
    """Wait (up to 15 s) until the bot has logged ``text``; a log file has no event to await."""
    for _ in range(300):
        if text in bot.log():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the bot never logged {text!r}:\n{bot.log()}")


async def session(fake: FakeBotAPI) -> None:
    """Five interactions, each answered before the next."""
    await say(fake, "/start")
    await tap(fake, 1001, "Treatment")
    assert (await tap_feedback(fake, 1001, "👍 Helpful")).startswith("Thank you")
    await say(fake, "/frobnicate")
    await say(fake, "/breast@MetLiverTestBot", group_chat(-100777))


async def test_sigterm_writes_every_event(fake: FakeBotAPI, tmp_path: Path) -> None:
    async with running_bot(fake, tmp_path) as bot:
        await session(fake)
        assert await bot.stop(signal.SIGTERM) == 0
    path = tmp_path / "usage.sqlite3"
    assert rows(path, "SELECT kind, section, chat_type, sum(n) FROM events "
                      "GROUP BY 1, 2, 3 ORDER BY 1, 2") == [
        ("button", "treatment", "private", 1),
        ("command", "breast", "supergroup", 1),
        ("command", "start", "private", 1),
        ("feedback", "treatment", "private", 1),
        ("unknown", "", "private", 1),
    ]
    assert rows(path, "SELECT * FROM feedback") == [("treatment", 1, 0)]
    assert rows(path, "SELECT n FROM daily_users") == [(1,)]
    assert "Traceback" not in bot.log()


async def test_locked_database_at_shutdown_is_written_once_free(fake: FakeBotAPI,
                                                                tmp_path: Path) -> None:
    path = tmp_path / "usage.sqlite3"
    async with running_bot(fake, tmp_path) as bot:
        with write_locked(path):
            await session(fake)  # every update is answered while the file is locked
            await logged(bot, "database is locked")  # the writer has tried and given way
            bot.process.send_signal(signal.SIGTERM)
        # the lock is gone a moment after SIGTERM: the bot writes what it queued, then exits
        # (only one signal: a second one tells python-telegram-bot to stop at once)
        assert await asyncio.wait_for(bot.process.wait(), 15) == 0
    assert total_events(path) == 5
    assert "could not be written" not in bot.log()


async def test_unusable_database_path(fake: FakeBotAPI, tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("a file where the data folder should be")
    env = {"BOT_DB_PATH": str(tmp_path / "taken" / "usage.sqlite3")}
    async with running_bot(fake, tmp_path, env) as bot:
        await session(fake)
        assert await bot.stop() == 0
    log = bot.log()
    assert log.count("usage log unavailable") == 1
    assert "the bot answers anyway" in log
    assert "6 records (events and feedback answers) could not be written" in log


async def test_admin_stats_end_to_end(fake: FakeBotAPI, tmp_path: Path) -> None:
    async with running_bot(fake, tmp_path, {"BOT_ADMIN_IDS": "1001"}):
        await session(fake)
        report = await say(fake, "/stats")
        text = report.result["text"]
        assert text.startswith("📊 Usage, last 7 days")
        assert "Interactions: 5" in text
        assert "Events dropped: 0" in text
        scopes = [c.params["scope"] for c in fake.calls_to("setMyCommands")]
        assert {"type": "chat", "chat_id": 1001} in scopes
        # in a group, even for an admin, it is an unknown command
        elsewhere = await say(fake, "/stats@MetLiverTestBot", group_chat(-100777))
        assert elsewhere.result["text"].startswith("Sorry, I didn't understand that.")
