"""Hardening (issue 7): shutdown under load, a damaged database, admin checks, SQL and escaping."""

from __future__ import annotations

import ast
import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from bot.config import PROJECT_ROOT
from bot.context import Services
from tests.botproc import running_bot
from tests.fakeapi import (
    FakeBotAPI,
    group_chat,
    inline_query_update,
    message_update,
    private_chat,
    user,
)
from tests.recording import RecordingRequest, chat, feed, message
from tests.test_e2e import say

ADMIN = 999  # the settings fixture's admin


async def test_sigterm_under_load_finishes_work_and_keeps_every_event(
        fake: FakeBotAPI, tmp_path: Path) -> None:
    fake.rtt_ms = 20  # answers take a while, so work is in flight when the signal comes
    async with running_bot(fake, tmp_path) as bot:
        for i in range(300):
            fake.push_update(message_update("/colorectal", chat=private_chat(20_000 + i)))
        await fake.wait_for("sendMessage", lambda c: c.ok)
        code = await bot.stop(timeout=10)  # the bound: exit within 10 seconds
    assert code == 0
    answered = {c.params["chat_id"] for c in fake.calls_to("sendMessage") if c.ok}
    assert answered
    with sqlite3.connect(tmp_path / "usage.sqlite3") as db:
        (recorded,) = db.execute("SELECT coalesce(sum(n), 0) FROM events").fetchone()
    # Every update the bot took from Telegram was answered and recorded; the rest stay
    # unconfirmed at Telegram and come again after a restart.
    assert recorded == len(answered)
    assert "Traceback" not in bot.log()


@pytest.mark.parametrize("damage", [b"this is not a database" * 100, b"SQLite format 3\x00" +
                                    b"\xff" * 4000])
async def test_damaged_database_is_reported_and_never_overwritten(
        fake: FakeBotAPI, tmp_path: Path, damage: bytes) -> None:
    db_path = tmp_path / "usage.sqlite3"
    db_path.write_bytes(damage)
    env = {"BOT_DB_PATH": str(db_path), "BOT_ADMIN_IDS": str(ADMIN)}
    async with running_bot(fake, tmp_path, env) as bot:
        assert (await say(fake, "/breast")).result["text"].startswith("Breast cancer")
        mark = fake.mark()
        fake.push_update(message_update("/stats", chat=private_chat(ADMIN),
                                        from_user=user(ADMIN)))
        stats = await fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == ADMIN,
                                    after=mark)
        assert await bot.stop() == 0
    assert db_path.read_bytes() == damage  # untouched, for someone to look at
    assert "usage log unavailable" in bot.log()
    assert "The usage database cannot be read right now" in stats.result["text"]


def _forwarded(text: str, by: int, original_sender: int) -> dict[str, Any]:
    origin = {"type": "user", "date": 0, "sender_user": {"id": original_sender, "is_bot": False,
                                                         "first_name": "Admin"}}
    return message(text, chat_=chat(by), extra={"from": {"id": by, "is_bot": False,
                                                          "first_name": "Someone"},
                                                 "forward_origin": origin})


async def test_admin_commands_refused_for_non_admins_everywhere(
        app: Any, request_: RecordingRequest, services: Services) -> None:
    unknown = services.views.unknown.html
    cases = [
        message("/stats", chat_=chat(1234), extra={"from": {"id": 1234, "is_bot": False,
                                                             "first_name": "A"}}),
        message("/stats@LiverTestBot", chat_=chat(-55, "supergroup"),
                extra={"from": {"id": 1234, "is_bot": False, "first_name": "A"}}),
        message("/stats@LiverTestBot", chat_=chat(-56, "group"),
                extra={"from": {"id": ADMIN, "is_bot": False, "first_name": "A"}}),
        _forwarded("/stats", by=1234, original_sender=ADMIN),
    ]
    for raw in cases:
        request_.calls.clear()
        await feed(app, raw)
        (sent,) = request_.sent("sendMessage")
        assert sent.params["text"] == unknown
    # Inline mode never reveals figures, for anyone.
    for who in (1234, ADMIN):
        request_.calls.clear()
        await feed(app, {"update_id": who} | inline_query_update("stats", from_user=user(who)))
        (answer,) = request_.sent("answerInlineQuery")
        assert "Usage" not in str(answer.params["results"])
    # A channel post is not a person: nothing is answered.
    request_.calls.clear()
    await feed(app, {"update_id": 1, "channel_post": {"message_id": 1, "date": 0, "text": "/stats",
                                                      "chat": {"id": -77, "type": "channel"}}})
    assert request_.sent("sendMessage") == []
    _ = group_chat  # groups covered above with both a member and the admin


def _sql_calls(tree: ast.AST) -> list[ast.Call]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("execute", "executemany", "executescript", "execute_fetchall")]


def test_sql_is_never_built_from_strings_at_run_time() -> None:
    checked = 0
    for path in (PROJECT_ROOT / "bot").rglob("*.py"):
        for call in _sql_calls(ast.parse(path.read_text(encoding="utf-8"))):
            checked += 1
            if not call.args:
                continue
            query = call.args[0]
            assert not isinstance(query, ast.JoinedStr | ast.BinOp), (
                f"{path.name}:{call.lineno}: SQL built with an f-string or +/% formatting")
            if isinstance(query, ast.Call) and isinstance(query.func, ast.Attribute):
                assert query.func.attr != "format", f"{path.name}:{call.lineno}: str.format SQL"
    assert checked >= 5  # the usage log really was inspected


def test_templates_escape_everything(services: Services) -> None:
    assert services.renderer.env.autoescape is True
    for path in (PROJECT_ROOT / "templates").rglob("*.j2"):
        text = path.read_text(encoding="utf-8")
        assert "|safe" not in text.replace(" ", ""), path.name
        assert "autoescape false" not in text, path.name


async def test_asyncio_loop_is_not_blocked_by_a_slow_database(tmp_path: Path) -> None:
    # A locked database must not hold up answers: the writer waits, handlers don't.
    async with FakeBotAPI() as fake, running_bot(fake, tmp_path) as bot:
        assert (await say(fake, "/start")).ok
        holder = sqlite3.connect(tmp_path / "usage.sqlite3", timeout=0)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            for i in range(5):
                call = await say(fake, "/lung", chat=private_chat(30_000 + i))
                assert call.result["text"].startswith("Lung cancer")
        finally:
            holder.rollback()
            holder.close()
        await asyncio.sleep(0.5)
        assert await bot.stop() == 0
    with sqlite3.connect(tmp_path / "usage.sqlite3") as db:
        (recorded,) = db.execute("SELECT sum(n) FROM events").fetchone()
    assert recorded == 6
