"""What every content file's checks share: the error they raise and list fields' validation."""

from __future__ import annotations

from typing import Any


class ContentError(ValueError):
    """The content folder is inconsistent; the message names the file and the problem."""


def as_str_tuple(value: Any, where: str, key: str) -> tuple[str, ...]:
    """A front-matter list of strings (missing: empty); anything else is a ContentError."""
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ContentError(f"{where}: '{key}' must be a list of strings")
    return tuple(value)
