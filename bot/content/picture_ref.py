"""A section's ``picture:`` front matter, checked: which SVG, what it shows, what it follows.

A translated page's ``picture:`` carries only its ``caption``; the file and sources come from
English. Its labels are ``content/<lang>/images/<name>.svg`` when that file exists (the same
shapes, the labels translated), else the English picture, and the caption then says so.
"""

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
    name: str = ""  # the key of its Telegram file_id: the SVG's name, plus "-<lang>" if translated
    english_labels: bool = False  # a translated page showing the English picture
    english_caption: bool = False  # ... and its English caption (not translated yet)


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
    return PictureRef(file, " ".join(caption.split()), sources, name=file.stem)


def translated_picture(english: PictureRef | None, raw: Any, directory: Path,
                       where: str) -> PictureRef | None:
    """A translated page's picture: English's, with the language's SVG and caption if any."""
    if english is None:
        if raw is not None:
            raise ContentError(f"{where}: 'picture' comes from English, which has none here")
        return None
    if raw is not None and (not isinstance(raw, dict) or set(raw) - {"caption"}):
        raise ContentError(f"{where}: a translated picture carries only its 'caption'; the file "
                           "and sources come from English")
    caption = raw.get("caption") if raw is not None else None
    if caption is not None and (not isinstance(caption, str) or not caption.strip()):
        raise ContentError(f"{where}: the picture's 'caption' must be a non-empty string")
    own = directory / "images" / english.file.name
    translated = own.is_file()
    return PictureRef(own.resolve() if translated else english.file,
                      " ".join(caption.split()) if caption else english.caption, english.sources,
                      name=f"{english.name}-{directory.name}" if translated else english.name,
                      english_labels=not translated, english_caption=caption is None)
