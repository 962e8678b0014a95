"""Group repeat suppression shared by several workers, in Redis (see :mod:`bot.transport.recent`).

The first worker to answer a section in a group (and topic) takes ``repeat:{chat}:{topic}:{what}``
with ``SET NX EX 600`` and, once its answer is sent, stores that answer's message id there; any
worker asked the same within ten minutes finds it and sends the one-line pointer instead. The
chat is named by its day token (:meth:`bot.transport.shared.SharedState.chat_token`), never its
id. A claim whose answer was never sent holds no message id and does not suppress anything.
"""

from __future__ import annotations

from bot.transport.recent import WINDOW_SECONDS
from bot.transport.shared import SharedState

PENDING = b"-"
# Claim KEYS[1] for ARGV[2] seconds, or return what an earlier answer stored there: one trip.
_CLAIM = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then return false end
return redis.call('GET', KEYS[1])
"""


class SharedRepeats:
    """:class:`bot.transport.recent.RepeatMemory` in Redis."""

    def __init__(self, state: SharedState, window: float = WINDOW_SECONDS) -> None:
        self.state = state
        self.window = int(window)
        self._claim = state.redis.register_script(_CLAIM)

    async def _name(self, chat_id: int, thread_id: int | None, what: str) -> str:
        token = await self.state.chat_token(chat_id)
        return self.state.key("repeat", token, thread_id if thread_id is not None else "", what)

    async def lookup(self, chat_id: int, thread_id: int | None, what: str) -> int | None:
        """Claim the answer (None: answer in full) or return the earlier answer's message id."""
        name = await self._name(chat_id, thread_id, what)
        value = await self._claim(keys=[name], args=[PENDING, self.window])
        return int(value) if isinstance(value, bytes) and value.isdigit() else None

    async def keep(self, chat_id: int, thread_id: int | None, what: str,
                   message_id: int) -> None:
        """The answer was sent: repeats within the window point to ``message_id``."""
        name = await self._name(chat_id, thread_id, what)
        await self.state.redis.set(name, message_id, ex=self.window)

    async def drop(self, chat_id: int, thread_id: int | None = None,
                   what: str | None = None) -> None:
        """Forget one answer, or every answer in the chat (the bot left the group)."""
        if what is not None:
            await self.state.redis.delete(await self._name(chat_id, thread_id, what))
            return
        for name in await self._all(chat_id):
            await self.state.redis.delete(name)

    async def move(self, old_chat_id: int, new_chat_id: int) -> None:
        """The group became a supergroup: its answers move to the new chat's token."""
        old = self.state.key("repeat", await self.state.chat_token(old_chat_id), "")
        new = self.state.key("repeat", await self.state.chat_token(new_chat_id), "")
        for name in await self._all(old_chat_id):
            target = new + name.removeprefix(old)
            ttl = await self.state.redis.ttl(name)
            value = await self.state.redis.get(name)
            if value is not None and ttl > 0:
                await self.state.redis.set(target, value, ex=ttl, nx=True)
            await self.state.redis.delete(name)

    async def _all(self, chat_id: int) -> list[str]:
        prefix = self.state.key("repeat", await self.state.chat_token(chat_id), "")
        return [name.decode() if isinstance(name, bytes) else name
                async for name in self.state.redis.scan_iter(match=prefix + "*", count=500)]
