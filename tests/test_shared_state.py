"""Shared state in a real redis-server, as two workers see it: floods, group pace, deliveries."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from typing import Any

import asyncpg
import pytest
from telegram.error import RetryAfter

from bot.transport.delivery import BUSY, DONE, NEW
from bot.transport.repeats import SharedRepeats
from bot.transport.shared import MAX_CONNECTIONS, SharedState
from bot.transport.shareddelivery import SharedDelivery
from bot.transport.sharedlimit import SharedRateLimiter
from bot.usage.log import UsageLog
from bot.usage.postgres import PostgresStore
from bot.usage.shareduniques import SharedUniques
from tests.servicekit import database_url, postgres_server, redis_server, redis_url
from tests.usagekit import FakeClock

__all__ = ["database_url", "postgres_server", "redis_server", "redis_url"]
pytestmark = pytest.mark.services

GROUP = -1001234509876


async def send(limiter: SharedRateLimiter, call: Any, chat_id: int) -> Any:
    return await limiter.process_request(call, (chat_id,), {}, "sendMessage",
                                         {"chat_id": chat_id}, None)


async def two_workers(url: str) -> list[SharedState]:
    states = [SharedState(url), SharedState(url)]
    for state in states:
        await state.start()
    return states


async def test_a_429_on_one_worker_pauses_that_chat_on_the_other(redis_url: str) -> None:
    one, two = await two_workers(redis_url)
    try:
        sent: list[tuple[str, int, float]] = []
        floods = []

        def worker(name: str) -> Any:
            async def call(chat_id: int) -> bool:
                if name == "one" and not floods:
                    floods.append(chat_id)
                    raise RetryAfter(timedelta(seconds=1))
                sent.append((name, chat_id, time.monotonic()))
                return True
            return call

        first, second = SharedRateLimiter(one), SharedRateLimiter(two)
        start = time.monotonic()
        flooded = asyncio.create_task(send(first, worker("one"), GROUP))
        await asyncio.sleep(0.1)  # worker one got its 429: the group is paused everywhere
        assert await send(second, worker("two"), 4242) is True  # another chat: at once
        assert await send(second, worker("two"), GROUP) is True  # the group: after the pause
        await flooded
        times = {(name, chat): at - start for name, chat, at in sent}
        assert times[("two", 4242)] < 0.5
        assert times[("two", GROUP)] >= 1.0
        assert times[("one", GROUP)] >= 1.0
    finally:
        await asyncio.gather(one.close(), two.close())


async def test_a_pause_and_a_groups_minute_outlive_midnight(redis_url: str) -> None:
    """Chats get new tokens at UTC midnight; a pause or a minute begun before it still holds."""
    now = [datetime.combine(datetime.now(UTC).date(), dtime(23, 59, 59), UTC)]
    states = [SharedState(redis_url, clock=lambda: now[0]) for _ in range(2)]
    for state in states:
        await state.start()
    try:
        floods: list[int] = []

        async def call(chat_id: int) -> bool:
            if chat_id == GROUP and not floods:
                floods.append(chat_id)
                raise RetryAfter(timedelta(seconds=2))
            return True

        first, second = SharedRateLimiter(states[0]), SharedRateLimiter(states[1])
        for _ in range(20):  # a second before midnight: another group's twenty for the minute
            assert await send(first, call, GROUP - 1) is True
        flooded = asyncio.create_task(send(first, call, GROUP))
        await asyncio.sleep(0.2)  # worker one got its 429, a second before midnight
        now[0] += timedelta(seconds=2)  # 00:00:01: every chat has another token now
        assert await states[1].chat_token(GROUP) != await states[0].chat_token(
            GROUP, now[0].date() - timedelta(days=1))
        started = time.monotonic()
        assert await send(second, call, GROUP) is True
        assert time.monotonic() - started >= 1.5  # still paused: 2.1 s from the 429
        await flooded
        late = asyncio.create_task(send(second, call, GROUP - 1))
        await asyncio.sleep(1.0)
        assert not late.done()  # the other group's minute is not over either
        late.cancel()
        await asyncio.gather(late, return_exceptions=True)
    finally:
        await asyncio.gather(*(state.close() for state in states))


async def test_a_groups_twenty_a_minute_are_counted_across_workers(redis_url: str) -> None:
    states = await two_workers(redis_url)
    try:
        limiters = [SharedRateLimiter(state) for state in states]
        done: list[int] = []

        async def call(chat_id: int) -> bool:
            done.append(chat_id)
            return True

        tasks = [asyncio.create_task(send(limiters[i % 2], call, GROUP)) for i in range(24)]
        await asyncio.sleep(1.5)
        assert len(done) == 20  # 10 through each worker, then both wait for the minute
        assert await send(limiters[0], call, 777) is True  # a private chat is not held up
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        await asyncio.gather(*(state.close() for state in states))


async def test_an_update_is_handed_out_once_and_taken_over_from_a_dead_worker(
        redis_url: str) -> None:
    one, two = await two_workers(redis_url)
    try:
        first, second = SharedDelivery(one), SharedDelivery(two)
        assert await first.claim(1) == NEW
        assert await second.claim(1) == BUSY  # worker one is alive and has it
        assert await first.claim(1) == BUSY  # a retry while it is still being handled here
        await first.done(1)
        assert await second.claim(1) == DONE  # redelivered after it was handled
        assert await first.claim(2) == NEW
        await one.close()  # worker one is gone (its heartbeat key with it)
        assert await second.claim(2) == NEW  # so the other one takes the update over
    finally:
        await two.close()


async def test_more_updates_at_once_than_connections_wait_for_one(redis_url: str) -> None:
    """Polling hands 128 updates to the handlers at once, each may be in Redis at that moment;
    redis-py's default pool raised MaxConnectionsError past 100 connections."""
    state = SharedState(redis_url)
    await state.start()
    try:
        delivery = SharedDelivery(state)
        many = 2 * MAX_CONNECTIONS
        verdicts = await asyncio.gather(*(delivery.claim(n, 5000 + n) for n in range(many)))
        assert verdicts == [NEW] * many
        await asyncio.gather(*(delivery.done(n) for n in range(many)))
        assert await delivery.claim(0) == DONE
    finally:
        await state.close()


async def hold(lock: Any) -> None:
    async with lock:
        pass


async def test_the_claim_takes_the_chats_lock_and_done_releases_it(redis_url: str) -> None:
    """One round trip claims the update and locks its chat; marking it done unlocks the chat."""
    one, two = await two_workers(redis_url)
    try:
        first, second = SharedDelivery(one), SharedDelivery(two)
        lock_key = one.key("lock", await one.chat_token(4242))
        assert await first.claim(10, 4242) == NEW
        assert await one.redis.exists(lock_key)  # the chat is held from the claim on
        await asyncio.wait_for(hold(first.lock(4242, 10)), 0.5)  # its own: no wait
        other = asyncio.create_task(hold(second.lock(4242)))
        await asyncio.sleep(0.2)
        assert not other.done()  # still held: update 10 is not done (its usage not written)
        await first.done(10)
        await asyncio.wait_for(other, 2)
        assert not await one.redis.exists(lock_key)
        assert await second.claim(10, 4242) == DONE
        async with second.lock(4242):  # the chat is busy on worker two
            assert await first.claim(11, 4242) == NEW  # the update is claimed, the chat not
            waiting = asyncio.create_task(hold(first.lock(4242, 11)))
            await asyncio.sleep(0.2)
            assert not waiting.done()
        await asyncio.wait_for(waiting, 2)  # then worker one gets it, until done
        assert await one.redis.exists(lock_key)
        await first.done(11)
        assert not await one.redis.exists(lock_key)
    finally:
        await asyncio.gather(one.close(), two.close())


async def calls(state: SharedState, command: str) -> int:
    """How many times Redis has run ``command`` so far (on its own or in scripts)."""
    stats = await state.redis.info("commandstats")
    return int(stats.get(f"cmdstat_{command}", {}).get("calls", 0))


async def test_the_claims_and_dones_of_one_turn_share_a_script_call(redis_url: str) -> None:
    """Under load a worker claims (and finishes) many updates in one turn of its event loop:
    one script call for them all, each as if it had been a call of its own, in order."""
    one, two = await two_workers(redis_url)
    try:
        first, second = SharedDelivery(one), SharedDelivery(two)
        lock_key = one.key("lock", await one.chat_token(4545))
        before = await calls(one, "evalsha")
        verdicts = await asyncio.gather(
            first.claim(60, 4545), first.claim(60, 4545),  # a redelivery while in hand
            first.claim(61, 4545),  # the chat's next update: claimed, the chat not yet
            first.claim(62), first.claim(63, 4646))
        assert verdicts == [NEW, BUSY, NEW, NEW, NEW]
        assert await calls(one, "evalsha") == before + 1
        waiting = asyncio.create_task(hold(first.lock(4545, 61)))
        await asyncio.sleep(0.2)
        assert not waiting.done()  # 60 holds the chat until done
        before = await calls(one, "evalsha")
        await asyncio.gather(first.done(60), first.done(62), first.done(63))
        assert await calls(one, "evalsha") == before + 1
        await asyncio.wait_for(waiting, 2)  # then 61 has it, until its own done
        assert await one.redis.get(lock_key) is not None
        await first.done(61)
        assert not await one.redis.exists(lock_key)
        assert not await one.redis.exists(one.key("lock", await one.chat_token(4646)))
        assert await asyncio.gather(*(second.claim(n) for n in (60, 61, 62, 63))) == [DONE] * 4
    finally:
        await asyncio.gather(one.close(), two.close())


async def test_a_chat_held_on_the_same_worker_is_waited_for_without_polling(
        redis_url: str) -> None:
    """A tap waiting for a message of its chat on the same worker starts when that one is done,
    without asking Redis over and over meanwhile."""
    one, two = await two_workers(redis_url)
    try:
        first = SharedDelivery(one)
        assert await first.claim(50, 4343) == NEW  # the message holds the chat
        before = await calls(one, "set")
        waiting = asyncio.create_task(hold(first.lock(4343)))  # the tap, on the same worker
        await asyncio.sleep(0.5)
        assert not waiting.done()
        assert await calls(one, "set") - before == 1  # one look, then a wait in memory
        await first.done(50)
        await asyncio.wait_for(waiting, 0.5)
        assert not await one.redis.exists(one.key("lock", await one.chat_token(4343)))
    finally:
        await asyncio.gather(one.close(), two.close())


async def test_the_claim_reads_the_pauses_so_a_send_need_not_ask_again(redis_url: str) -> None:
    """The claim's script reads the chat's pause with its lock: the update's sends ask Redis no
    more, yet wait out a pause another worker's 429 set; after done() a send asks again."""
    one, two = await two_workers(redis_url)
    try:
        first, limiter, other = SharedDelivery(one), SharedRateLimiter(one), SharedRateLimiter(two)
        sent: list[tuple[int, float]] = []
        floods: list[int] = []

        async def call(chat_id: int) -> bool:
            if chat_id == 5151 and not floods:
                floods.append(chat_id)
                raise RetryAfter(timedelta(seconds=1))
            sent.append((chat_id, time.monotonic()))
            return True

        assert await first.claim(30, 4242) == NEW  # locked, and no pause on 4242
        before = await calls(one, "pttl")
        assert await send(limiter, call, 4242) is True
        assert await send(limiter, call, 4242) is True
        assert await calls(one, "pttl") == before  # both sends went without asking Redis
        await first.done(30)
        assert await send(limiter, call, 4242) is True  # the chat is no longer held: ask
        assert await calls(one, "pttl") == before + 1

        start = time.monotonic()
        flooded = asyncio.create_task(send(other, call, 5151))  # a 429 on worker two
        await asyncio.sleep(0.1)
        assert await first.claim(31, 5151) == NEW  # worker one's claim reads that pause
        assert await send(limiter, call, 5151) is True
        await flooded
        assert [at - start >= 1.0 for chat, at in sent if chat == 5151] == [True, True]
        await first.done(31)
    finally:
        await asyncio.gather(one.close(), two.close())


async def test_a_repeat_is_found_by_the_other_worker(redis_url: str) -> None:
    one, two = await two_workers(redis_url)
    try:
        first, second = SharedRepeats(one), SharedRepeats(two)
        assert await first.lookup(GROUP, None, "s:breast") is None  # first: answer in full
        assert await second.lookup(GROUP, None, "s:breast") is None  # not sent yet: in full
        await first.keep(GROUP, None, "s:breast", 321)
        assert await second.lookup(GROUP, None, "s:breast") == 321
        assert await second.lookup(GROUP, 7, "s:breast") is None  # another topic
        await second.move(GROUP, GROUP - 1)  # became a supergroup
        assert await first.lookup(GROUP - 1, None, "s:breast") == 321
        await first.drop(GROUP - 1)
        assert await second.lookup(GROUP - 1, None, "s:breast") is None
    finally:
        await asyncio.gather(one.close(), two.close())


async def test_persistence_is_checked_and_warned_about(redis_url: str,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    state = SharedState(redis_url)
    try:
        assert await state.check_persistence() is True
        await state.redis.config_set("appendonly", "yes")
        assert await state.check_persistence() is False
        assert "REDIS PERSISTENCE IS ON" in caplog.text
    finally:
        await state.redis.config_set("appendonly", "no")
        await state.close()


async def test_people_are_counted_once_across_workers_and_the_day_closed_into_the_db(
        redis_url: str, database_url: str) -> None:
    clock = FakeClock()
    states = await two_workers(redis_url)
    logs = [UsageLog(PostgresStore(database_url), clock=clock, linger=0) for _ in states]
    for log, state in zip(logs, states, strict=True):
        log.uniques = SharedUniques(state)
        await log.start()
    try:
        for person in range(1, 51):  # 1..50 on one worker, 26..75 on the other
            logs[0].record("command", "breast", chat_type="private", language="en",
                           user_id=person)
            logs[1].record("command", "breast", chat_type="private", language="en",
                           user_id=person + 25)
        assert all([await log.flush() for log in logs])
        report = await logs[1].report(1)
        assert abs(report.people[-1] - 75) <= 1  # a HyperLogLog: 0.8 % standard error
        day = clock.now.date().isoformat()
        assert await states[0].redis.exists(f"liverbot:users:{day}")
        clock.advance(days=1)  # after midnight, the next write closes yesterday
        logs[0].record("command", "lung", chat_type="private", language="en", user_id=1)
        assert await logs[0].flush()
        assert not await states[0].redis.exists(f"liverbot:users:{day}")
        conn = await asyncpg.connect(database_url)
        try:
            stored = await conn.fetchval("SELECT n FROM daily_users WHERE day = $1", day)
        finally:
            await conn.close()
        assert stored == report.people[-1]
    finally:
        for log in logs:
            await log.close()
        await asyncio.gather(*(state.close() for state in states))


async def test_people_reach_the_shared_count_once_a_second_and_at_every_flush(
        redis_url: str, database_url: str) -> None:
    """A webhook worker writes its usage after every update; the people it counted go to Redis
    at most once a second (not one more round trip per write), and at once when flushed."""
    state = SharedState(redis_url)
    await state.start()
    log = UsageLog(PostgresStore(database_url), linger=0)
    log.uniques = SharedUniques(state)
    await log.start()
    try:
        before = await calls(state, "pfadd")
        for person in range(1, 11):  # ten updates, each written before it is answered
            log.record("command", "breast", chat_type="private", language="en",
                       user_id=person)
            assert await log.settle()
        assert log.written == 10
        assert await calls(state, "pfadd") - before <= 1  # (1 if that took over a second)
        report = await log.report(1)  # flushes: the people counted so far are added now
        assert abs(report.people[-1] - 10) <= 1
        assert await calls(state, "pfadd") - before <= 2
    finally:
        await log.close()
        await state.close()
