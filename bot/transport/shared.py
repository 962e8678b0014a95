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
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, time, timedelta

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from bot.transport.delivery import BUSY, DONE, NEW
from bot.transport.http import CONCURRENT_UPDATES
from bot.transport.pauses import CHAT_TRUST, NO_CHAT, NONE_TRUST, KnownPauses

log = logging.getLogger(__name__)

PREFIX = "liverbot:"
HEARTBEAT = 1.0  # seconds between a worker's heartbeats
ALIVE_TTL = 4  # a worker not heard from for this long is dead; its updates may be taken over
CLAIM_TTL = 60  # an update claim outlives any handling (the webhook answers within ~10 s)
DONE_TTL = 24 * 3600  # Telegram gives up on an update well within a day
LOCK_TTL_MS = 5000  # the per-chat lock: longer than any one update takes, short if one dies
LOCK_WAIT = 5.0  # after this long a worker handles the update anyway (order over silence)
LOCK_POLL = 0.02  # seconds at most between looks at a chat's lock another worker holds
MAX_CONNECTIONS = CONCURRENT_UPDATES + 8  # one per update in hand, and the background tasks'
POOL_WAIT = 3.0  # seconds a command waits for a free connection (as long as for an answer)

# Claim an update (KEYS[1]) for this worker unless it is done, or held by a worker that is still
# alive, and read the pause of calls naming no chat (KEYS[2]); when a chat's lock is named
# (KEYS[3]), try to take it in the same round trip ('locked') and then read its pause (KEYS[4]).
# Returns {verdict, no-chat PTTL[, chat PTTL]}, so the first sends need not ask (.pauses).
_CLAIM = """
local v = redis.call('GET', KEYS[1])
if v == 'done' then return {'done'} end
if v and (v == ARGV[1] or redis.call('EXISTS', ARGV[3] .. v) == 1) then return {'busy'} end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
local none = redis.call('PTTL', KEYS[2])
if KEYS[3] and redis.call('SET', KEYS[3], ARGV[4], 'NX', 'PX', ARGV[5]) then
  return {'locked', none, redis.call('PTTL', KEYS[4])}
end
return {'new', none}
"""
# Mark the update done (KEYS[1]) and release the chat's lock (KEYS[2]) if it is still ours.
_DONE = """
redis.call('SET', KEYS[1], 'done', 'EX', ARGV[1])
if KEYS[2] and redis.call('GET', KEYS[2]) == ARGV[2] then redis.call('DEL', KEYS[2]) end
return 1
"""
_UNLOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


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
            save = _text((await self.redis.config_get("save")).get("save", ""))
            aof = _text((await self.redis.config_get("appendonly")).get("appendonly", "no"))
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


class SharedDelivery:
    """:class:`bot.transport.delivery.Delivery` in Redis, for several workers.

    Two round trips per update in the usual case: :meth:`claim` takes the update and its chat's
    lock in one Lua script (and reads the flood pauses its first sends would ask for, see
    :mod:`bot.transport.pauses`), :meth:`done` marks it handled and releases the lock in another.
    """

    def __init__(self, state: SharedState) -> None:
        self.state = state
        self._claim = state.redis.register_script(_CLAIM)
        self._done = state.redis.register_script(_DONE)
        self._unlock = state.redis.register_script(_UNLOCK)
        self._held: dict[int, tuple[str, str, str]] = {}  # update id -> (lock key, our value,
        # the chat's token if its pause was noted with the lock)
        self._mine: dict[str, asyncio.Event] = {}  # locks held here -> set when let go

    async def claim(self, update_id: int, chat: int | None = None) -> str:
        """Take the update unless it is done or a live worker has it (and, if it can, the
        ``chat``'s lock for it, which :meth:`done` releases); note the pauses it read."""
        state = self.state
        keys = [state.key("update", update_id), state.key("pause", NO_CHAT)]
        me, token = secrets.token_hex(8), ""
        if chat is not None:
            token = await state.chat_token(chat)
            keys += [state.key("lock", token), state.key("pause", token)]
        reply = await self._claim(keys=keys, args=[
            state.worker, CLAIM_TTL, state.key("alive", ""), me, LOCK_TTL_MS])
        verdict = _text(reply[0])
        if len(reply) > 1:
            state.pauses.note(NO_CHAT, int(reply[1]), NONE_TRUST)
        if verdict == "locked":
            self._held[update_id] = (keys[2], me, token)
            self._mine[keys[2]] = asyncio.Event()
            state.pauses.note(token, int(reply[2]), CHAT_TRUST)
        return {"done": DONE, "busy": BUSY}.get(verdict, NEW)

    async def done(self, update_id: int) -> None:
        """Remember for a day that the update was handled; release its chat's lock."""
        state = self.state
        name, me, token = self._held.pop(update_id, ("", "", ""))
        if token:
            state.pauses.forget(token)  # another worker may have the chat from now on
        keys = [state.key("update", update_id)] + ([name] if name else [])
        try:
            await self._done(keys=keys, args=[DONE_TTL, me])
        finally:
            self._let_go(name)

    def _let_go(self, name: str) -> None:
        """Wake this worker's updates waiting for the chat's lock ``name`` (now free)."""
        released = self._mine.pop(name, None)
        if released is not None:
            released.set()

    @contextlib.asynccontextmanager
    async def lock(self, chat: int | None, update_id: int | None = None) -> AsyncIterator[None]:
        """Hold the chat across workers for one update (at most ``LOCK_WAIT`` of waiting).

        With ``update_id`` the lock is the update's: taken by :meth:`claim` if it was free then
        (no wait here), and released by :meth:`done`, once the update's usage is written. If an
        update of this worker holds it, the wait ends the moment that one lets go; if another
        worker does, the lock is looked at again every few milliseconds (at most
        :data:`LOCK_POLL`).
        """
        if chat is None or (update_id is not None and update_id in self._held):
            yield
            return
        name = self.state.key("lock", await self.state.chat_token(chat))
        me = secrets.token_hex(8)
        loop = asyncio.get_running_loop()
        give_up = loop.time() + LOCK_WAIT
        delay = 0.005
        while not await self.state.redis.set(name, me, nx=True, px=LOCK_TTL_MS):
            if loop.time() > give_up:
                log.warning("per-chat lock still held after %.0f s; handling anyway", LOCK_WAIT)
                break
            released = self._mine.get(name)
            if released is None:  # another worker's
                await asyncio.sleep(delay)
                delay = min(delay * 2, LOCK_POLL)
                continue
            with contextlib.suppress(TimeoutError):  # ours: until it is let go
                async with asyncio.timeout(give_up - loop.time()):
                    await released.wait()
        self._mine.setdefault(name, asyncio.Event())
        if update_id is not None:
            self._held[update_id] = (name, me, "")
            yield
            return
        try:
            yield
        finally:
            with contextlib.suppress(RedisError, OSError):
                await self._unlock(keys=[name], args=[me])
            self._let_go(name)

    async def ready(self) -> bool:
        """Redis answers."""
        return await self.state.ready()


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
