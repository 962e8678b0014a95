"""The one interface handlers record usage through: the usage log implements it, tests fake it."""

from __future__ import annotations

from typing import Protocol


class Recorder(Protocol):
    """Anything that can take usage events without blocking (the usage log, or a test double)."""

    def record(self, kind: str, section: str | None, *, chat_type: str, language: str,
               user_id: int | None) -> None:
        """Queue one event; must never raise or wait."""

    def answer(self, section: str, helpful: bool) -> None:
        """Queue one 👍 / 👎 answer for a section; must never raise or wait."""
