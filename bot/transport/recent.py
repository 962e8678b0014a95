"""Which answers were sent recently in which group, so a repeat gets a pointer instead.

This is the only place the bot keeps chat and message ids, and only in process memory: entries
expire after :data:`WINDOW_SECONDS`, the number of chats and of answers per chat is bounded, and
nothing is ever written to disk or logged. A restart forgets everything.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

WINDOW_SECONDS = 600.0  # "the same section again within ten minutes" gets a pointer
MAX_CHATS = 2000
MAX_PER_CHAT = 32

# (forum topic id or None, what was answered, e.g. "s:breast")
_Key = tuple[int | None, str]


@dataclass(frozen=True)
class _Answer:
    message_id: int
    at: float


class RepeatMemory(Protocol):
    """What the group handlers use: this module in one process, Redis for several workers."""

    async def lookup(self, chat_id: int, thread_id: int | None, what: str) -> int | None:
        """The earlier answer's message id, or None: then the caller answers in full."""

    async def keep(self, chat_id: int, thread_id: int | None, what: str,
                   message_id: int) -> None:
        """Note that ``what`` was just answered with message ``message_id``."""

    async def drop(self, chat_id: int, thread_id: int | None = None,
                   what: str | None = None) -> None:
        """Forget one answer, or everything about a chat."""

    async def move(self, old_chat_id: int, new_chat_id: int) -> None:
        """A group became a supergroup: its recent answers follow it."""


class RecentAnswers:
    """An expiring, size-bounded memory of the answers sent in each group chat."""

    def __init__(self, window: float = WINDOW_SECONDS, max_chats: int = MAX_CHATS,
                 max_per_chat: int = MAX_PER_CHAT,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.window = window
        self.max_chats = max_chats
        self.max_per_chat = max_per_chat
        self.clock = clock
        self._chats: OrderedDict[int, OrderedDict[_Key, _Answer]] = OrderedDict()

    def find(self, chat_id: int, thread_id: int | None, what: str) -> int | None:
        """The message id of the same answer sent in this chat (and topic) within the window."""
        answers = self._fresh(chat_id)
        answer = answers.get((thread_id, what)) if answers is not None else None
        return answer.message_id if answer is not None else None

    def remember(self, chat_id: int, thread_id: int | None, what: str, message_id: int) -> None:
        """Note that ``what`` was just answered with message ``message_id``."""
        answers = self._fresh(chat_id)
        if answers is None:
            answers = self._chats[chat_id] = OrderedDict()
            while len(self._chats) > self.max_chats:
                self._chats.popitem(last=False)
        answers.pop((thread_id, what), None)
        answers[(thread_id, what)] = _Answer(message_id, self.clock())
        while len(answers) > self.max_per_chat:
            answers.popitem(last=False)

    def forget(self, chat_id: int, thread_id: int | None = None, what: str | None = None) -> None:
        """Drop one answer (when ``what`` is given) or everything known about a chat."""
        if what is None:
            self._chats.pop(chat_id, None)
            return
        answers = self._chats.get(chat_id)
        if answers is not None:
            answers.pop((thread_id, what), None)

    def migrate(self, old_chat_id: int, new_chat_id: int) -> None:
        """A group became a supergroup with a new id: its recent answers move with it.

        If Telegram cannot find an old answer in the new supergroup, the pointer is not sent and
        the full answer is (see :func:`bot.handlers.groups.reply_once`).
        """
        answers = self._chats.pop(old_chat_id, None)
        if answers is not None and new_chat_id not in self._chats:
            self._chats[new_chat_id] = answers

    async def lookup(self, chat_id: int, thread_id: int | None, what: str) -> int | None:
        """:meth:`find`, as :class:`RepeatMemory`."""
        return self.find(chat_id, thread_id, what)

    async def keep(self, chat_id: int, thread_id: int | None, what: str,
                   message_id: int) -> None:
        """:meth:`remember`, as :class:`RepeatMemory`."""
        self.remember(chat_id, thread_id, what, message_id)

    async def drop(self, chat_id: int, thread_id: int | None = None,
                   what: str | None = None) -> None:
        """:meth:`forget`, as :class:`RepeatMemory`."""
        self.forget(chat_id, thread_id, what)

    async def move(self, old_chat_id: int, new_chat_id: int) -> None:
        """:meth:`migrate`, as :class:`RepeatMemory`."""
        self.migrate(old_chat_id, new_chat_id)

    def __len__(self) -> int:
        """How many chats are remembered (after dropping the expired ones)."""
        for chat_id in list(self._chats):
            self._fresh(chat_id)
        return len(self._chats)

    def _fresh(self, chat_id: int) -> OrderedDict[_Key, _Answer] | None:
        """The chat's unexpired answers (marking the chat as recently used), or None."""
        answers = self._chats.get(chat_id)
        if answers is None:
            return None
        oldest = self.clock() - self.window
        for key in [k for k, a in answers.items() if a.at <= oldest]:
            del answers[key]
        if not answers:
            del self._chats[chat_id]
            return None
        self._chats.move_to_end(chat_id)
        return answers
