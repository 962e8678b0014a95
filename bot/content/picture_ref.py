"""A section's ``picture:`` front matter, checked: which SVG, what it shows, what it follows."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.content.fields import ContentError, as_str_tuple


@dataclass(frozen=True)
class PictureRef:
    """A section's picture: an SVG file in the content folder, what it shows, its sources."""

    file: Path
    caption: str
    sources: tuple[str, ...]


def picture_ref(raw: Any, path: Path) -> PictureRef | None:
    """``picture: {file: images/x.svg, caption: ..., sources: [...]}``, checked."""
    if raw is None:
        return None
    where = path.name
    if not isinstance(raw, dict) or not isinstance(raw.get("file"), str):
        raise ContentError(f"{where}: 'picture' needs a 'file' (an .svg in the content folder)")
    file = (path.parent / raw["file"]).resolve()
    if file.suffix != ".svg" or not file.is_file() or path.parent.resolve() not in file.parents:
        raise ContentError(f"{where}: picture file {raw['file']!r} is not an .svg file in the "
                           "content folder")
    caption = raw.get("caption")
    if not isinstance(caption, str) or not caption.strip():
        raise ContentError(f"{where}: the picture needs a 'caption' saying what it shows")
    sources = as_str_tuple(raw.get("sources"), where, "picture sources")
    if not sources:
        raise ContentError(f"{where}: the picture needs the 'sources' it follows")
    return PictureRef(file, " ".join(caption.split()), sources)
