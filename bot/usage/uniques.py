"""Counting different people per day without knowing who they are.

A user id is turned into a keyed hash with a random key that lives only in memory and is
replaced, together with every hash made with it, at each UTC midnight. The hash is BLAKE2b in
its keyed mode, which the standard library documents as a faster, simpler replacement for HMAC
(a keyed pseudo-random function either way; this one costs a third of HMAC-SHA256). Neither the
key nor the hashes are ever written anywhere; the usage log stores only how many were new that
day. A restart starts a new key, so someone who comes back after a restart on the same day is
counted twice.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date


class DailyUniques:
    """Tells whether a user id is new today, knowing ids only as keyed hashes until midnight."""

    def __init__(self) -> None:
        self.day: date | None = None
        self._key = b""
        self._seen: set[bytes] = set()

    @property
    def key(self) -> bytes:
        """Today's key (tests check it is never written anywhere)."""
        return self._key

    def rotate(self, day: date) -> None:
        """On a new day: a fresh random key, and every hash made with the old one forgotten."""
        if day != self.day:
            self.day = day
            self._key = secrets.token_bytes(32)
            self._seen = set()

    def digest(self, user_id: int) -> bytes:
        """The keyed hash standing for ``user_id`` today."""
        return hashlib.blake2b(str(user_id).encode(), key=self._key, digest_size=16).digest()

    def is_new(self, user_id: int, day: date) -> bool:
        """True the first time ``user_id`` is seen on ``day`` (UTC)."""
        self.rotate(day)
        digest = self.digest(user_id)
        if digest in self._seen:
            return False
        self._seen.add(digest)
        return True
