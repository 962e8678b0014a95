"""The shapes ``search.yaml``'s values must have, checked once when it is read.

A value of the wrong shape is a :class:`~bot.content.loader.ContentError` naming the file and the
key, so that ``python -m bot check`` says what to fix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.content.loader import ContentError


def mapping(path: Path, data: dict[str, Any], key: str) -> list[str]:
    """The keys of a mapping of section ids to lists of words (``primaries:``)."""
    items = data.get(key) or {}
    if not isinstance(items, dict) or not all(isinstance(k, str) for k in items):
        raise ContentError(f"{path.name}: '{key}' must map section ids to lists of words")
    return list(items)


def strings(path: Path, data: dict[str, Any], key: str) -> tuple[str, ...]:
    """A list of words or phrases (absent: none)."""
    items = data.get(key) or []
    if not isinstance(items, list) or not all(isinstance(w, str) for w in items):
        raise ContentError(f"{path.name}: '{key}' must be a list of words or phrases")
    return tuple(items)


def rules(path: Path, data: dict[str, Any], key: str,
          required: bool) -> tuple[tuple[tuple[str, ...], ...], ...]:
    """Rules: lists of groups of words or phrases (``urgent:``, ``cannot_answer:``)."""
    found = data.get(key) or []
    if not isinstance(found, list) or (required and not found) or not all(
            isinstance(rule, list) and rule and all(
                isinstance(group, list) and group and all(isinstance(p, str) for p in group)
                for group in rule)
            for rule in found):
        raise ContentError(f"{path.name}: '{key}' must be a list of rules, each a list of "
                           "groups of words or phrases")
    return tuple(tuple(tuple(group) for group in rule) for rule in found)
