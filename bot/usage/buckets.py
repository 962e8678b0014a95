"""The fixed buckets usage is counted in, so that no bucket is small enough to be one person.

A language outside :data:`LANGUAGES` is counted as ``other`` when it is recorded (not later), so
the database never holds a rare language next to a time. Grow the list only with languages many
people use the bot in; every store (SQLite, PostgreSQL) folds with :func:`language_bucket`.
"""

from __future__ import annotations

# Two-letter codes counted by name; everything else is "other". Order is not significant.
LANGUAGES: tuple[str, ...] = (
    "en", "ru", "uk", "es", "pt", "de", "fr", "it", "ar", "fa", "tr", "zh", "hi", "id", "pl",
    "nl",
)
OTHER = "other"
_KNOWN = frozenset(LANGUAGES)


def language_bucket(code: str | None) -> str:
    """``code``'s first two letters if they are in :data:`LANGUAGES`, else ``other``."""
    prefix = (code or "")[:2].lower()
    return prefix if prefix in _KNOWN else OTHER
