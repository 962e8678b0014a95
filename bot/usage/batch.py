"""What the usage queue holds, and the counts one write adds up: nothing about who."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

EventKey = tuple[str, str, str, str]  # hour, kind, section, chat_type


@dataclass(frozen=True, slots=True)
class Event:
    """One interaction, as queued: nothing about who."""

    hour: str  # UTC, 'YYYY-MM-DD HH:00'
    kind: str
    section: str
    chat_type: str
    language: str  # already folded into a bucket (bot.usage.buckets)
    new_user: bool  # the first event of this person today


@dataclass(frozen=True, slots=True)
class Answer:
    """One 👍 (helpful) or 👎 under a section."""

    section: str
    helpful: bool


@dataclass
class Batch:
    """Counts gathered from the queue, written in one transaction."""

    events: Counter[EventKey] = field(default_factory=Counter)
    languages: Counter[tuple[str, str]] = field(default_factory=Counter)  # (day, language)
    users: Counter[str] = field(default_factory=Counter)  # day -> people first seen that day
    dropped: Counter[str] = field(default_factory=Counter)  # day -> events dropped
    answers: Counter[tuple[str, bool]] = field(default_factory=Counter)  # (section, helpful)
    items: int = 0  # queue items in this batch (events and answers)

    def add(self, item: Event | Answer) -> None:
        """Count one queued item."""
        self.items += 1
        if isinstance(item, Answer):
            self.answers[(item.section, item.helpful)] += 1
            return
        self.events[(item.hour, item.kind, item.section, item.chat_type)] += 1
        self.languages[(item.hour[:10], item.language)] += 1
        if item.new_user:
            self.users[item.hour[:10]] += 1
