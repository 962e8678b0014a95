"""Different people per day across several workers: a HyperLogLog of keyed hashes in Redis.

Each worker hashes a user id with the day's random key (BLAKE2b, keyed; the key is created once
per UTC day in Redis by :meth:`bot.transport.shared.SharedState.day_key` and expires after that
day) and adds the hash to that day's HyperLogLog, ``users:{day}``. Neither the id nor the hash is
kept: the HyperLogLog holds only a sketch of counters (about 0.8 % error). After midnight the
first worker to claim ``users-closed:{day}`` writes the day's count to the usage database and
deletes the sketch. Redis runs without persistence (README, "Running at scale"), so neither the
key nor the sketch reaches a disk. Until then ``/stats`` reads the open days from Redis.
"""

from __future__ import annotations

import hashlib
import logging
import time
from datetime import date, timedelta
from typing import Protocol

from bot.transport.shared import SharedState

log = logging.getLogger(__name__)

MAX_PENDING = 100_000  # hashes waiting for the next write; beyond, people go uncounted
KEEP_DAYS = 3  # an unclosed sketch (no worker ran after midnight) expires after this
SYNC_EVERY = 1.0  # seconds; a worker killed in between leaves that second's people uncounted


class PeopleStore(Protocol):
    """Where a closed day's count goes (the usage store)."""

    async def set_people(self, day: date, n: int) -> None:
        """Store the day's count of different people."""


class SharedUniques:
    """Used by the usage log in place of :class:`bot.usage.uniques.DailyUniques`."""

    def __init__(self, state: SharedState, every: float = SYNC_EVERY) -> None:
        self.state = state
        self.every = every
        self.day: date | None = None
        self._due = 0.0  # (monotonic) the next sync that is not asked for
        self._key = b""
        self._pending: list[tuple[date, bytes]] = []

    def rotate(self, day: date) -> None:
        """Nothing to do here: :meth:`sync` fetches the day's key from Redis."""

    def is_new(self, user_id: int, day: date) -> bool:
        """Queue the keyed hash for the day's sketch; the sketch counts, so never "new" here."""
        if day == self.day and self._key and len(self._pending) < MAX_PENDING:
            digest = hashlib.blake2b(str(user_id).encode(), key=self._key, digest_size=16,
                                     person=b"user").digest()
            self._pending.append((day, digest))
        return False

    async def sync(self, today: date, store: PeopleStore, *, due: bool = False) -> None:
        """Take today's key, add the queued hashes, and close the days before today: when the
        day changes, then every ``every`` seconds at most (the usage log asks after each write,
        once per webhook update or so), and whenever ``due`` (a flush, the close)."""
        now = time.monotonic()
        if not due and self.day == today and now < self._due:
            return
        self._due = now + self.every
        if self.day != today:
            self._key = await self.state.day_key(today)
            self.day = today
        pending, self._pending = self._pending, []
        by_day: dict[date, list[bytes]] = {}
        for day, digest in pending:
            by_day.setdefault(day, []).append(digest)
        earlier = [today - timedelta(days=back) for back in range(1, KEEP_DAYS)]
        async with self.state.redis.pipeline(transaction=False) as pipe:  # one round trip
            for day, digests in by_day.items():
                name = self.state.key("users", day.isoformat())
                pipe.pfadd(name, *digests)
                pipe.expire(name, KEEP_DAYS * 86400)
            for day in earlier:  # a sketch left from before today, to be closed
                pipe.exists(self.state.key("users", day.isoformat()))
            found = (await pipe.execute())[-len(earlier):]
        for day, there in zip(earlier, found, strict=True):
            if there:
                await self._close(day, store)

    async def _close(self, day: date, store: PeopleStore) -> None:
        redis = self.state.redis
        name = self.state.key("users", day.isoformat())
        claim = self.state.key("users-closed", day.isoformat())
        if not await redis.set(claim, self.state.worker, nx=True, ex=KEEP_DAYS * 86400):
            return  # another worker is closing it
        try:
            await store.set_people(day, int(await redis.pfcount(name)))
        except Exception:
            await redis.delete(claim)  # let a later try (or another worker) close it
            raise
        await redis.delete(name)
        log.info("usage log: %s's different people written from the shared count", day)

    async def open_counts(self, first: date, last: date) -> dict[str, int]:
        """The days of ``first``..``last`` whose count is still in Redis."""
        out: dict[str, int] = {}
        day = max(first, last - timedelta(days=KEEP_DAYS))
        while day <= last:
            name = self.state.key("users", day.isoformat())
            if await self.state.redis.exists(name):
                out[day.isoformat()] = int(await self.state.redis.pfcount(name))
            day += timedelta(days=1)
        return out
