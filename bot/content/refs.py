"""What a share button, an inline result or a group pointer refers to: a section or a term.

Kept with the content because keyboards build share buttons from it and search finds them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.content.loader import ID_RE


@dataclass(frozen=True)
class InlineMatch:
    """One thing an inline query found: a section (by id) or a glossary term (by key)."""

    kind: Literal["section", "term"]
    key: str

    @property
    def token(self) -> str:
        """``s:<section id>`` or ``g:<term key>``: the inline result id and the Share query."""
        return f"{_PREFIX[self.kind]}{self.key}"

    @classmethod
    def from_token(cls, text: str) -> InlineMatch | None:
        """The match a token stands for, or None if ``text`` is not exactly a token."""
        for kind, prefix in _PREFIX.items():
            key = text.removeprefix(prefix)
            if key != text and ID_RE.fullmatch(key):
                return cls(kind, key)
        return None


_PREFIX: dict[Literal["section", "term"], str] = {"section": "s:", "term": "g:"}
