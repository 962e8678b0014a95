"""Two webhook workers sharing real PostgreSQL and Redis, fed like Telegram feeds them.

Behind a balancer, with a Telegram-like sender (:mod:`tests.sender`): every update answered
exactly once and in order per chat; a repeat in a group suppressed across workers; ``/stats``
the same from either worker; nothing that identifies anyone in a ``pg_dump`` or in Redis; and
when one worker is SIGKILLed mid-run nothing is lost (an update in its hands may be answered
twice), and SIGTERM drains with 503 + Retry-After and exit code 0.
"""

from __future__ import annotations

import asyncio
import signal
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest
import redis.asyncio as aioredis

from bot.usage import stats
from tests.fakeapi import FakeBotAPI, group_chat, message_update, private_chat, user
from tests.scalekit import Balancer, free_port, start_worker, workers
from tests.sender import SECRET, SECRET_HEADER, TelegramSender
from tests.servicekit import Postgres, database_url, postgres_server, redis_server, redis_url

__all__ = ["database_url", "postgres_server", "redis_server", "redis_url"]
pytestmark = pytest.mark.services

COMMANDS = ("/breast", "/colorectal", "/ovarian", "/lung", "/diagnosis", "/symptoms",
            "/neuroendocrine", "/treatment", "/tests", "/overview")
ADMIN = 7340099999
FIRST_USER = 7340010000
FIRST_GROUP = -1009876540000
GROUP = -1009876543210
NAME, USERNAME, WORD = "Zelda", "zelda_tester", "quixotic"
ASKED = 10_001  # message ids of the questions: far from the ids of the bot's own messages


def group_updates(chats: int, per_chat: int, first_update: int) -> list[dict[str, Any]]:
    """``per_chat`` different sections asked in each of ``chats`` groups, round-robin.

    In groups every answer quotes the message it answers, so each reply names its update.
    """
    updates = []
    for i in range(per_chat):
        for c in range(chats):
            update = message_update(
                COMMANDS[i], chat=group_chat(FIRST_GROUP - c, title=f"Family of {NAME}"),
                from_user=user(FIRST_USER + c, NAME, USERNAME), message_id=ASKED + i)
            update["update_id"] = first_update + len(updates)
            updates.append(update)
    return updates


def question(chat: int, update_id: int) -> dict[str, Any]:
    """A question in someone's own words, in a private chat."""
    update = message_update(f"{WORD} spots on my liver scan?", chat=private_chat(chat),
                            from_user=user(chat, NAME, USERNAME))
    update["update_id"] = update_id
    return update


def replies(fake: FakeBotAPI) -> dict[int, list[int]]:
    """Per chat, the message ids the bot's messages answered, in the order they were sent.

    A one-line pointer to an earlier answer (a repeat in a group) counts as answering the same
    message again.
    """
    out: dict[int, list[int]] = defaultdict(list)
    answered: dict[tuple[int, int], int] = {}  # (chat, bot's message id) -> message answered
    for call in fake.calls_to("sendMessage"):
        reply = call.params.get("reply_parameters") or {}
        if call.ok and "message_id" in reply:
            chat, to = int(call.params["chat_id"]), int(reply["message_id"])
            asked = answered.get((chat, to), to)
            answered[(chat, int(call.result["message_id"]))] = asked
            out[chat].append(asked)
    return out


def env_for(database_url: str, redis_url: str) -> dict[str, str]:
    return {"BOT_DATABASE_URL": database_url, "BOT_REDIS_URL": redis_url,
            "BOT_ADMIN_IDS": str(ADMIN)}


async def total_events(database_url: str) -> int:
    conn = await asyncpg.connect(database_url)
    try:
        return int(await conn.fetchval("SELECT coalesce(sum(n), 0) FROM events"))
    finally:
        await conn.close()


async def stats_text(fake: FakeBotAPI, worker_url: str, update_id: int) -> str:
    update = message_update("/stats", chat=private_chat(ADMIN), from_user=user(ADMIN))
    update["update_id"] = update_id
    mark = fake.mark()
    await TelegramSender(worker_url + "/telegram").deliver([update])
    call = await fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == ADMIN,
                               after=mark)
    return str(call.params["text"])


async def test_two_workers_answer_once_in_order_and_share_state(
        fake: FakeBotAPI, tmp_path: Path, database_url: str, redis_url: str,
        postgres_server: Postgres) -> None:
    async with workers(fake, tmp_path, 2, env_for(database_url, redis_url)) as running:
        balancer = Balancer([url for _, url in running])
        async with balancer.running():
            sender = TelegramSender(balancer.url, max_connections=20)
            updates = group_updates(chats=16, per_chat=6, first_update=500_000)
            updates += [question(FIRST_USER + c, 550_000 + c) for c in range(4)]
            await asyncio.wait_for(sender.deliver(updates), 120)
            # Exactly once, in order, in every chat; both workers took part.
            got = replies(fake)
            for c in range(16):
                assert got[FIRST_GROUP - c] == list(range(ASKED, ASKED + 6))
            for c in range(4):
                assert len([call for call in fake.calls_to("sendMessage")
                            if call.params["chat_id"] == FIRST_USER + c]) == 1
            assert {i for sent in balancer.sent_to.values() for i in sent} == {0, 1}
            assert await total_events(database_url) == len(updates)

            # The same section asked twice in a group, each time of a different worker.
            group = group_chat(GROUP, title="Family of Zelda")
            asks = []
            for n, who in enumerate((FIRST_USER, FIRST_USER + 1)):
                asks.append(message_update("/breast", chat=group, message_id=100 + n,
                                           from_user=user(who, NAME, USERNAME)))
                asks[-1]["update_id"] = 600_000 + n
            mark = fake.mark()
            await sender.deliver(asks)
            assert balancer.sent_to[600_000] != balancer.sent_to[600_001]
            sent = [c for c in fake.calls[mark:] if c.method == "sendMessage"]
            assert len(sent) == 2
            assert sent[1].params["reply_parameters"]["message_id"] == sent[0].result[
                "message_id"]  # the pointer to the first answer, not the answer again

        # /stats the same from either worker.
        first, second = [await stats_text(fake, url, 700_000 + i)
                         for i, (_, url) in enumerate(running)]
        assert first == second
        assert stats.shown(len(updates) + 2) in first  # (figures are rounded to 5)

        # Nothing that could identify anyone, in PostgreSQL or in Redis.
        needles = [str(FIRST_USER + c).encode() for c in range(16)]
        needles += [str(abs(FIRST_GROUP - c)).encode() for c in range(16)]
        needles += [str(GROUP).encode(), str(-GROUP).encode(), str(ADMIN).encode(),
                    NAME.encode(), USERNAME.encode(), WORD.encode()]
        dump = await pg_dump(postgres_server, database_url)
        assert b"CREATE TABLE public.events" in dump
        assert [n for n in needles if n in dump] == []
        stored = await redis_bytes(redis_url)
        assert b"liverbot:update:" in stored
        assert [n for n in needles if n in stored] == []


async def test_a_killed_worker_loses_nothing_and_sigterm_drains(
        fake: FakeBotAPI, tmp_path: Path, database_url: str, redis_url: str) -> None:
    fake.rtt_ms = 20  # every Bot API call takes a while: updates are in flight when one dies
    async with workers(fake, tmp_path, 2, env_for(database_url, redis_url)) as running:
        balancer = Balancer([url for _, url in running])
        async with balancer.running():
            sender = TelegramSender(balancer.url, max_connections=20)
            updates = group_updates(chats=20, per_chat=8, first_update=800_000)
            delivery = asyncio.create_task(sender.deliver(updates))
            await fake.wait_for("sendMessage", timeout=60, after=fake.mark() + 60)
            running[0][0].process.send_signal(signal.SIGKILL)
            await asyncio.wait_for(delivery, 180)

        in_hand = balancer.unanswered[0]  # sent to the killed worker, never answered
        assert in_hand  # it died with updates in its hands (20 queues were busy)
        got = replies(fake)
        doubled = set()
        for c in range(20):
            counts = Counter(got[FIRST_GROUP - c])
            assert sorted(counts) == list(range(ASKED, ASKED + 8))  # answered: none lost
            doubled |= {(FIRST_GROUP - c, m) for m, n in counts.items() if n > 1}
        by_message = {(u["message"]["chat"]["id"], u["message"]["message_id"]): u["update_id"]
                      for u in updates}
        assert {by_message[d] for d in doubled} <= in_hand
        events = await total_events(database_url)
        assert len(updates) <= events <= len(updates) + len(in_hand)

        # SIGTERM: the update in hand is finished, new ones get 503 + Retry-After, exit 0.
        survivor, url = running[1]
        fake.rtt_ms = 1500
        slow, late = question(FIRST_USER, 900_000), question(FIRST_USER + 1, 900_001)
        headers = {SECRET_HEADER: SECRET}
        async with aiohttp.ClientSession() as session:
            in_flight = asyncio.create_task(session.post(url + "/telegram", json=slow,
                                                         headers=headers))
            await asyncio.sleep(0.5)
            survivor.process.send_signal(signal.SIGTERM)
            await asyncio.sleep(0.3)
            async with session.post(url + "/telegram", json=late, headers=headers) as resp:
                assert resp.status == 503
                assert int(resp.headers["Retry-After"]) > 0
            async with session.get(url + "/readyz") as resp:
                assert resp.status == 503
            async with await in_flight as resp:
                assert resp.status == 200
        assert await asyncio.wait_for(survivor.process.wait(), 30) == 0


async def pg_dump(server: Postgres, database_url: str) -> bytes:
    name = database_url.rsplit("/", 1)[-1]
    proc = await asyncio.create_subprocess_exec(
        server.tool("pg_dump"), "-h", "127.0.0.1", "-p", str(server.executor.port),
        "-U", "postgres", name, stdout=asyncio.subprocess.PIPE)
    out, _ = await proc.communicate()
    assert proc.returncode == 0
    return out


async def redis_bytes(url: str) -> bytes:
    """Every key and the serialized value of each, as Redis would write them to a disk."""
    client = aioredis.from_url(url)
    try:
        parts = []
        async for key in client.scan_iter(count=1000):
            parts += [key, await client.dump(key) or b""]
        return b"\n".join(parts)
    finally:
        await client.aclose()



async def test_workers_flag_runs_several_processes_on_one_port(
        fake: FakeBotAPI, tmp_path: Path, database_url: str, redis_url: str) -> None:
    port = free_port()
    env = env_for(database_url, redis_url) | {"BOT_PORT": str(port)}
    worker = await start_worker(fake, tmp_path, env, ["--workers", "2"])
    try:
        first = await fake.wait_for("setWebhook", timeout=30)  # both workers have started
        await fake.wait_for("setWebhook", timeout=30, after=fake.calls.index(first) + 1)
        updates = group_updates(chats=6, per_chat=3, first_update=950_000)
        await TelegramSender(f"http://127.0.0.1:{port}/telegram").deliver(updates)
        got = replies(fake)
        for c in range(6):
            assert got[FIRST_GROUP - c] == list(range(ASKED, ASKED + 3))
    finally:
        assert await worker.stop(timeout=40) == 0
