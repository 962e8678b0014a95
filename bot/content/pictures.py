"""Pictures: SVG files in the content folder rendered to PNG once, at start-up, with resvg.

A section's front matter may name a picture (``picture: {file, caption, sources}``); the bot
sends it with ``sendPhoto`` before the section's text. The PNG is rendered here once per file
(sections may share one), its caption rendered from ``templates/picture_caption.html.j2``.
Telegram answers an upload with a ``file_id``; :class:`PhotoIds` keeps it in memory, keyed by the
picture's name (``blood_routes``; a translated one ``blood_routes-ru``, while a translated page
without its own SVG shares the English upload), so each picture is uploaded once per running
bot. A ``file_id`` identifies the picture, never a person.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import resvg_py

from bot.content.loader import Content
from bot.content.markdown import visible_length
from bot.content.picture_ref import PictureRef
from bot.content.render import Renderer, RenderError

RENDER_WIDTH = 1000  # pixels: sharp on a phone, and Telegram keeps up to 1280
MIN_WIDTH = 800
MAX_CAPTION = 1024  # telegram.constants.MessageLimit.CAPTION_LENGTH
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
FONT_DIR = Path(__file__).resolve().parent / "fonts"
# DejaVu (Latin, Greek, Cyrillic) first; a subset of Noto Sans CJK SC (made by
# `python -m bot fonts`: only the characters the labels use) draws what DejaVu lacks (Chinese).
# For a glyph its font lacks, resvg takes the first font that has it, whatever its weight: the
# regular one comes first. A picture naming "Noto Sans CJK SC" first gets the bold one too.
FONT_FILES = (str(FONT_DIR / "DejaVuSans.ttf"), str(FONT_DIR / "DejaVuSans-Bold.ttf"),
              *sorted((str(p) for p in FONT_DIR.glob("*.otf")), key=lambda p: ("Bold" in p, p)))
FONT_FAMILY = "DejaVu Sans"
_FONT_PROBE = ('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">'
               '<text x="2" y="16" font-size="16" font-family="sans-serif">{}</text></svg>')


@dataclass(frozen=True)
class Picture:
    """A rendered picture, ready to upload."""

    name: str  # the SVG's file name without ".svg": the key of its Telegram file_id
    png: bytes
    width: int
    height: int
    caption: str  # Telegram HTML


def render_svg(svg: str, width: int = RENDER_WIDTH) -> bytes:
    """PNG bytes of ``svg`` (SVG markup) scaled to ``width`` pixels; ValueError if it is bad.

    Text is drawn with the fonts shipped in ``bot/content/fonts`` (DejaVu: Latin, Greek and
    Cyrillic; a Noto Sans CJK SC subset: the Chinese the labels use; free licences), never the
    system's: the same picture on every machine, and none needs a font installed.
    """
    return bytes(resvg_py.svg_to_bytes(
        svg_string=svg, width=width, background="#ffffff", skip_system_fonts=True,
        font_files=list(FONT_FILES), font_family=FONT_FAMILY, sans_serif_family=FONT_FAMILY))


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from a PNG's header; ValueError when ``png`` is not a PNG."""
    if len(png) < 24 or not png.startswith(_PNG_SIGNATURE) or png[12:16] != b"IHDR":
        raise ValueError("not a PNG image")
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def fonts_available() -> bool:
    """Whether the renderer finds a font: without one, the pictures' labels would be blank."""
    return render_svg(_FONT_PROBE.format("Ag"), 40) != render_svg(_FONT_PROBE.format(""), 40)


class Pictures:
    """Every section's picture, rendered once; sections naming the same file share it."""

    def __init__(self, content: Content, renderer: Renderer) -> None:
        self._by_file: dict[Path, Picture] = {}
        self._by_section: dict[str, Picture] = {}
        for section in content.walk():
            ref = section.picture
            if ref is not None:
                picture = self._by_file.get(ref.file)
                if picture is None:
                    picture = self._by_file[ref.file] = _render(ref, renderer)
                self._by_section[section.id] = picture

    def for_section(self, section_id: str) -> Picture | None:
        """The picture shown before a section's text, if it has one."""
        return self._by_section.get(section_id)

    def by_name(self) -> dict[str, Picture]:
        """Every distinct picture by name (for checks and the preview)."""
        return {p.name: p for p in self._by_file.values()}

    def sections(self) -> dict[str, str]:
        """Section id → picture name."""
        return {sid: p.name for sid, p in self._by_section.items()}


def _render(ref: PictureRef, renderer: Renderer) -> Picture:
    where = f"picture {ref.file.name}"
    try:
        png = render_svg(ref.file.read_text(encoding="utf-8"))
        width, height = png_size(png)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise RenderError(f"{where}: cannot be rendered ({exc})") from exc
    if width < MIN_WIDTH:
        raise RenderError(f"{where}: {width} px wide (at least {MIN_WIDTH})")
    caption = renderer.render("picture_caption", picture=ref)
    if visible_length(caption) > MAX_CAPTION:
        raise RenderError(f"{where}: caption is {visible_length(caption)} characters "
                          f"(max {MAX_CAPTION})")
    return Picture(ref.name or ref.file.stem, png, width, height, caption)


class PhotoIds:
    """Telegram's ``file_id`` of each uploaded picture, by picture name, for one running bot."""

    def __init__(self) -> None:
        self._ids: dict[str, str] = {}

    def get(self, name: str) -> str | None:
        """The ``file_id`` to send instead of uploading again, if the picture was uploaded."""
        return self._ids.get(name)

    def remember(self, name: str, file_id: str) -> None:
        """Keep the ``file_id`` Telegram returned for an upload."""
        self._ids[name] = file_id

    def forget(self, name: str) -> None:
        """Drop a ``file_id`` Telegram no longer accepts: the next send uploads again."""
        self._ids.pop(name, None)
