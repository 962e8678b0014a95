"""Run by ``tests/test_forced_exit.py`` in a process of its own: stop an event loop in the
middle of a usage write, the way a second signal does, then write what is left and exit at once
(``os._exit``, as :func:`bot.app.forced_exit` does). Prints how many records it wrote.

``python -m tests.forcedexit_child {lock|commit|commit-race|idle} FILE``
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Coroutine
from contextlib import ExitStack, closing
from functools import partial
from pathlib import Path
from typing import Any

from bot.usage.log import UsageLog
from bot.usage.sqlitestore import SqliteStore
from tests.usagekit import write_locked

Step = Callable[[], Coroutine[Any, Any, None]]


def record(log: UsageLog, n: int) -> None:
    for i in range(n):
        log.record("command", "breast", chat_type="private", language="en", user_id=i)


def abandon(step: Step) -> None:
    """Run ``step``, then close the loop with its tasks still pending: SystemExit from a second
    signal leaves python-telegram-bot's ``run_until_complete`` like this."""
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(step())
    finally:
        loop.close()


def lock_is_held(path: Path) -> bool:
    with closing(sqlite3.connect(path, timeout=0, isolation_level=None)) as db:
        try:
            db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            return True
        db.execute("ROLLBACK")
        return False


def lock(path: Path) -> UsageLog:
    """The writer's BEGIN IMMEDIATE waits for a lock; the loop dies; the lock is freed and the
    writer's thread takes it, with no coroutine left to finish or roll back its transaction."""
    log = UsageLog(SqliteStore(path, busy_timeout=30), linger=0)
    held = ExitStack()

    async def step() -> None:
        await log.start()
        held.enter_context(write_locked(path))
        record(log, 5)
        assert not await log.flush(timeout=0.5)  # its BEGIN is waiting

    abandon(step)
    held.close()
    deadline = time.monotonic() + 10
    while not lock_is_held(path):  # the orphaned transaction has the lock now
        assert time.monotonic() < deadline, "the writer's thread never took the lock"
        time.sleep(0.02)
    return log


def commit(path: Path, *, wait: bool) -> UsageLog:
    """The loop dies while the writer's COMMIT is about to run in aiosqlite's thread; two more
    records were queued behind it. With ``wait``, the COMMIT is done before the last write;
    without, the last write races it (and may cut it short)."""
    store = SqliteStore(path)
    log = UsageLog(store, linger=0)
    started, gone = threading.Event(), threading.Event()

    def trace(statement: str) -> None:  # in aiosqlite's thread, before each statement
        if statement == "COMMIT" and not gone.is_set():
            started.set()
            gone.wait(10)

    async def step() -> None:
        await log.start()
        assert store._raw is not None  # the sqlite3 connection aiosqlite's thread drives
        store._raw.set_trace_callback(trace)
        record(log, 5)
        asyncio.get_running_loop().create_task(log.flush(timeout=10))
        await asyncio.to_thread(started.wait, 10)
        record(log, 2)

    abandon(step)
    gone.set()
    deadline = time.monotonic() + 10
    while wait and lock_is_held(path):  # the COMMIT releases it
        assert time.monotonic() < deadline, "the COMMIT never finished"
        time.sleep(0.02)
    return log


def idle(path: Path) -> UsageLog:
    """No write in progress: three records queued, the writer lingering."""
    log = UsageLog(SqliteStore(path), linger=3600)

    async def step() -> None:
        await log.start()
        record(log, 3)

    abandon(step)
    return log


def main() -> None:
    scenario, path = sys.argv[1], Path(sys.argv[2])
    log = {"lock": lock, "idle": idle, "commit": partial(commit, wait=True),
           "commit-race": partial(commit, wait=False)}[scenario](path)
    print(log.write_left_behind(), flush=True)
    os._exit(0)


if __name__ == "__main__":
    main()
