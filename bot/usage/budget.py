"""How much costly work (searches, inline queries, glossary look-ups) one person may ask for.

A token bucket per person, in memory only: each person has up to ``burst`` tokens, refilled at
``rate`` a second, and each costly request spends some. People are known only by the daily keyed
hash of :mod:`bot.usage.uniques` (a random key that lives in memory and is replaced, with every
bucket, at each UTC midnight), so nothing here can be linked to a user id, and nothing is kept
past the day. Buckets that are full again are dropped as they are met, so memory stays at the
people active in the last ``burst / rate`` seconds.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from itertools import islice

from bot.usage.uniques import DailyUniques

RATE = 0.5  # tokens a second: one search every two seconds, sustained
BURST = 12.0  # a person may ask this much at once (typing an inline query costs INLINE a key)
INLINE = 0.25  # an inline query (Telegram sends one per pause in typing) is cheaper


class Spend(enum.Enum):
    """What a request may do."""

    OK = "ok"
    SLOW_DOWN = "slow_down"  # the first refusal since the last request allowed: say so, once
    QUIET = "quiet"  # refused again: stay silent, so a flood gets no flood of answers


def _today() -> date:
    return datetime.now(UTC).date()


class PersonBudget:
    """Token buckets keyed by today's keyed hash of the user id."""

    def __init__(self, *, rate: float = RATE, burst: float = BURST,
                 clock: Callable[[], float] = time.monotonic,
                 today: Callable[[], date] = _today) -> None:
        self.rate, self.burst = rate, burst
        self._clock, self._today = clock, today
        self._keys = DailyUniques()
        self._buckets: dict[bytes, tuple[float, float, bool]] = {}  # tokens, at, warned

    def __len__(self) -> int:
        """People with a bucket right now."""
        return len(self._buckets)

    def spend(self, user_id: int | None, cost: float = 1.0) -> Spend:
        """Take ``cost`` tokens from this person's bucket, if there are enough."""
        if user_id is None:
            return Spend.OK
        day = self._today()
        if day != self._keys.day:
            self._keys.rotate(day)
            self._buckets = {}  # yesterday's hashes mean nothing with today's key
        key = self._keys.digest(user_id)
        now = self._clock()
        tokens, at, warned = self._buckets.get(key, (self.burst, now, False))
        tokens = min(self.burst, tokens + (now - at) * self.rate)
        if tokens >= cost:
            self._buckets[key] = (tokens - cost, now, False)
            self._forget_full(now)
            return Spend.OK
        self._buckets[key] = (tokens, now, True)
        return Spend.QUIET if warned else Spend.SLOW_DOWN

    def _forget_full(self, now: float) -> None:
        """Drop a few buckets that have refilled completely (they equal a new one)."""
        for key in list(islice(self._buckets, 4)):
            tokens, at, _ = self._buckets[key]
            if tokens + (now - at) * self.rate >= self.burst:
                del self._buckets[key]
