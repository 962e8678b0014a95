"""State that several webhook workers share in Redis, with no chat id or user id in it.

Every key that concerns a chat names it by a *chat token*: a keyed BLAKE2b hash of the chat id
with the day's random key. That key is created once per UTC day in Redis (``SET NX``) by
whichever worker needs it first, expires an hour after that day ends, and is never written
anywhere else; Redis must run without persistence (``save ""``, ``appendonly no``), which
:meth:`SharedState.check_persistence` verifies at start-up. So neither the key nor anything
derived from a chat id reaches a disk, and yesterday's tokens cannot be recomputed. What must
outlive midnight (a 429's pause, a group's last minute) is written under both days' tokens.

Keys (all under ``liverbot:``): ``key:{day}`` the day's key · ``alive:{worker}`` a worker's
heartbeat · ``update:{update_id}`` who is handling an update, or ``done`` · ``lock:{chat}``
the per-chat lock · ``pause:{chat}`` a 429's wait · ``group:{chat}`` a group's sends in the
last minute · ``repeat:{chat}:…`` recent answers in groups (:mod:`bot.transport.repeats`) ·
``users:{day}`` the day's HyperLogLog (:mod:`bot.usage.uniques`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import secrets
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from bot.transport.http import CONCURRENT_UPDATES
from bot.transport.pauses import KnownPauses

log = logging.getLogger(__name__)

PREFIX = "liverbot:"
HEARTBEAT = 1.0  # seconds between a worker's heartbeats
ALIVE_TTL = 4  # a worker not heard from for this long is dead; its updates may be taken over
MAX_CONNECTIONS = CONCURRENT_UPDATES + 8  # one per update in hand, and the background tasks'
POOL_WAIT = 3.0  # seconds a command waits for a free connection (as long as for an answer)



class SharedState:
    """The Redis connection of one worker, its identity and the day's key."""

    def __init__(self, url: str, *, prefix: str = PREFIX,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        # A connection per command in flight; at the cap a command waits for one (POOL_WAIT
        # at most) instead of failing: redis-py's default pool raises MaxConnectionsError past
        # 100, which polling's 128 updates at once reached, failing those updates.
        self.redis = aioredis.Redis.from_pool(aioredis.BlockingConnectionPool.from_url(
            url, max_connections=MAX_CONNECTIONS, timeout=POOL_WAIT, socket_timeout=3,
            socket_connect_timeout=3, health_check_interval=30))
        self.prefix = prefix
        self.clock = clock  # the UTC time that says which day's key names chats
        self.worker = secrets.token_hex(8)  # random per process: says nothing about anyone
        self._day_keys: dict[date, bytes] = {}
        self.pauses = KnownPauses()  # what the last claims read of the flood pauses
        self._heartbeat: asyncio.Task[None] | None = None

    def key(self, *parts: object) -> str:
        """``liverbot:part:part…``."""
        return self.prefix + ":".join(str(p) for p in parts)

    async def day_key(self, day: date) -> bytes:
        """The day's random key, created in Redis by the first worker that asks for it."""
        cached = self._day_keys.get(day)
        if cached is not None:
            return cached
        expires = datetime.combine(day + timedelta(days=1), time(1), UTC)
        name = self.key("key", day.isoformat())
        # (an hour at least, should the caller's clock be behind the real one)
        expires_at = max(int(expires.timestamp()), int(datetime.now(UTC).timestamp()) + 3600)
        await self.redis.set(name, secrets.token_bytes(32), nx=True, exat=expires_at)
        value = await self.redis.get(name)
        if not isinstance(value, bytes) or len(value) != 32:
            raise RedisError("the day's key vanished from Redis")
        self._day_keys = {d: k for d, k in self._day_keys.items() if d >= day} | {day: value}
        return value

    async def chat_token(self, chat: int | str, day: date | None = None) -> str:
        """What stands for a chat in Redis today, or on ``day`` (keyed hash; the id itself never
        goes there)."""
        key = await self.day_key(day or self.clock().date())
        digest = hashlib.blake2b(str(chat).encode(), key=key, digest_size=12, person=b"chat")
        return digest.hexdigest()

    async def start(self) -> None:
        """Check the server, warn about persistence, and start this worker's heartbeat."""
        await self.check_persistence()
        await self._beat()
        self._heartbeat = asyncio.create_task(self._beat_forever(), name="redis-heartbeat")

    async def close(self) -> None:
        """Stop the heartbeat, say this worker is gone, close the connection."""
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._heartbeat
        with contextlib.suppress(RedisError, OSError):
            await self.redis.delete(self.key("alive", self.worker))
        await self.redis.aclose()

    async def check_persistence(self) -> bool:
        """Warn loudly if Redis writes snapshots or an append-only file; True if it does not."""
        try:
            save = text((await self.redis.config_get("save")).get("save", ""))
            aof = text((await self.redis.config_get("appendonly")).get("appendonly", "no"))
        except RedisError as exc:
            log.warning("could not check Redis persistence (%s); make sure it runs with "
                        "save \"\" and appendonly no (README, Running at scale)",
                        type(exc).__name__)
            return False
        if save or aof != "no":
            log.error("REDIS PERSISTENCE IS ON (save=%r, appendonly=%s): the day's keys and "
                      "counts would reach a disk. Run redis-server with --save '' "
                      "--appendonly no (README, Running at scale).", save, aof)
            return False
        return True

    async def ready(self) -> bool:
        """Redis answers a PING."""
        try:
            return bool(await self.redis.ping())
        except (RedisError, OSError):
            return False

    async def _beat(self) -> None:
        await self.redis.set(self.key("alive", self.worker), 1, ex=ALIVE_TTL)

    async def _beat_forever(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT)
            try:
                await self._beat()
            except (RedisError, OSError) as exc:
                log.warning("Redis heartbeat failed: %s", type(exc).__name__)


def text(value: object) -> str:
    """A Redis reply as text."""
    return value.decode() if isinstance(value, bytes) else str(value)
