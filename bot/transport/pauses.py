"""What one worker last read of the flood pauses in Redis, so a send need not ask again.

The script that claims an update (:class:`bot.transport.shareddelivery.SharedDelivery`) also
reads the time left on two pauses: that of the update's chat, when it took the chat's lock, and
that of the calls naming no chat (button and inline answers). :class:`SharedRateLimiter
<bot.transport.sharedlimit.SharedRateLimiter>` then needs no round trip before the update's
first sends:

- **the chat's pause** can only be set by a call to that chat, and while this worker holds the
  chat's lock no other worker handles that chat; so what the claim read holds until the lock is
  released (:meth:`KnownPauses.forget`), for :data:`CHAT_TRUST` seconds at most (less than the
  lock's own time to live), or until this worker gets a 429 for the chat (forgotten too: the
  next send asks Redis again);
- **the pause of calls naming no chat** is shared by every update, so what a claim read is
  trusted for :data:`NONE_TRUST` seconds only; every claim reads it again. Another worker's 429
  reaches this one within that time (before, it would have reached it between one send's look
  and the send itself); a call that goes out meanwhile gets its own 429 and pauses.

Tokens are the chats' day tokens (never an id); the notes are this process's memory only.
"""

from __future__ import annotations

import time
from collections.abc import Callable

NO_CHAT = "none"  # the token of calls that name no chat (callback and inline answers)
CHAT_TRUST = 2.0  # seconds; the chat's lock lives 5 s
NONE_TRUST = 0.5  # seconds
MAX_NOTES = 4096  # chats noted at once (one per update in hand); beyond, the stale ones go


class KnownPauses:
    """Pause notes by token: until when each is trusted, and until when that chat is paused."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._notes: dict[str, tuple[float, float]] = {}  # token -> (trusted until, paused until)

    def note(self, token: str, pttl_ms: int, trust: float) -> None:
        """Redis said ``pttl_ms`` (``PTTL``: negative when there is no pause) just now."""
        now = self.clock()
        if len(self._notes) >= MAX_NOTES:
            self._notes = {t: n for t, n in self._notes.items() if n[0] > now}
        self._notes[token] = (now + trust, now + max(pttl_ms, 0) / 1000)

    def forget(self, token: str) -> None:
        """Ask Redis again next time (the lock was released, or a 429 came)."""
        self._notes.pop(token, None)

    def wait(self, token: str) -> float | None:
        """Seconds the chat is still paused (0: none) if the note is trusted, else None."""
        note = self._notes.get(token)
        if note is None:
            return None
        now = self.clock()
        if now >= note[0]:
            del self._notes[token]
            return None
        return max(note[1] - now, 0.0)
