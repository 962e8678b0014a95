"""Flood control across two webhook workers on a real Redis: a 429 and a group's 20 a minute.

Telegram answers one send to a group with ``429 retry_after=12``. Both workers then leave that
group alone until the pause is over (the group's next update, handed to the *other* worker when
the first one's webhook request is answered at its 10 s deadline, waits too), while other chats
are answered at once by either worker; and the group's sends from both workers together stay
within 20 in any rolling minute (the real limit and window: the code has no shorter one).
"""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from tests.fakeapi import Call, FakeBotAPI, Fault, group_chat, message_update, user
from tests.scalekit import Balancer, workers
from tests.sender import TelegramSender
from tests.servicekit import database_url, postgres_server, redis_server, redis_url
from tests.test_scale import env_for, question

__all__ = ["database_url", "postgres_server", "redis_server", "redis_url"]
pytestmark = pytest.mark.services

GROUP, OTHER_GROUP = -1005550001111, -1005550002222
MEMBER = 7340020000
ASKED = 20_001
PAUSE = 12  # seconds: longer than the webhook's 10 s deadline, so the group's next update comes
COMMANDS = ("/breast", "/colorectal", "/ovarian", "/lung", "/diagnosis", "/neuroendocrine",
            "/treatment", "/tests")  # sections without a picture: one send each


def in_group(i: int) -> dict[str, Any]:
    update = message_update(COMMANDS[i % len(COMMANDS)], message_id=ASKED + i,
                            chat=group_chat(GROUP, title="Family"),
                            from_user=user(MEMBER + i % 3, "Zelda"))
    update["update_id"] = 1_200_000 + i
    return update


def to(chat: int, calls: list[Call]) -> list[Call]:
    return [c for c in calls if c.params.get("chat_id") == chat]


async def test_a_429_pauses_a_group_on_both_workers_and_its_20_a_minute_hold(
        fake: FakeBotAPI, tmp_path: Path, database_url: str, redis_url: str) -> None:
    async with workers(fake, tmp_path, 2, env_for(database_url, redis_url)) as running:
        balancer = Balancer([url for _, url in running])  # the group's updates only
        async with balancer.running():
            fake.inject("sendMessage", Fault.flood(PAUSE))  # the group's first answer gets it
            updates = [in_group(i) for i in range(24)]
            mark = fake.mark()
            group = asyncio.create_task(TelegramSender(balancer.url).deliver(updates))
            flooded = await fake.wait_for("sendMessage", lambda c: c.fault is not None,
                                          after=mark)
            start = flooded.at

            # Meanwhile other chats, sent straight to each worker, are answered at once.
            answered_in: list[float] = []
            for n in range(6):
                url = running[n % 2][1] + "/telegram"
                chat = MEMBER + 100 + n
                other = question(chat, 1_300_000 + n) if n % 3 else message_update(
                    COMMANDS[n], chat=group_chat(OTHER_GROUP), from_user=user(chat))
                other["update_id"] = 1_300_000 + n
                target = chat if n % 3 else OTHER_GROUP
                sent_at, before = time.monotonic(), fake.mark()
                await TelegramSender(url).deliver([other])
                reply = await fake.wait_for("sendMessage", lambda c, t=target: c.params.get(
                    "chat_id") == t, after=before)
                answered_in.append(reply.at - sent_at)
            assert max(answered_in) < 2.0, answered_in
            assert time.monotonic() < start + PAUSE  # all of that while the group was paused

            await asyncio.sleep(start + PAUSE + 10 - time.monotonic())  # the burst, then a hold
            calls = to(GROUP, fake.calls[mark:])
            group.cancel()
            await asyncio.gather(group, return_exceptions=True)
            for worker, _ in running:  # some of the group's updates wait for the minute: stop
                worker.process.send_signal(signal.SIGKILL)
                await worker.process.wait()

    # Nothing to the group from either worker until the pause was over.
    assert calls[0] is flooded
    assert calls[1].at >= start + PAUSE
    replies = {c.params["reply_parameters"]["message_id"]: c for c in calls[1:] if c.ok}
    first, second = updates[0]["update_id"], updates[1]["update_id"]
    assert balancer.sent_to[first] == [0]
    assert balancer.sent_to[second] == [1]
    assert balancer.arrived[second] < start + PAUSE  # in worker 1's hands during the pause
    assert replies[ASKED].at >= start + PAUSE  # worker 0 waited out its own 429,
    assert replies[ASKED + 1].at >= start + PAUSE  # and worker 1 the other worker's 429
    # The group's 20 a minute across both workers: 20 sends (the refused one too), no more.
    assert len(calls) == 20, [c.at - start for c in calls]
    answered = {u["update_id"] for u in updates if u["message"]["message_id"] in replies}
    assert {i for u in answered for i in balancer.sent_to[u]} == {0, 1}
    assert len(answered) < len(updates)  # the rest wait for the minute to pass
