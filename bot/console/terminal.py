"""Telegram HTML as terminal text: ANSI styles where the terminal shows them, plain otherwise.

The bot's messages use the few tags Telegram allows (``b``, ``i``, ``u``, ``s``, ``a``, ``code``,
``pre``, ``blockquote``, spoilers). Here they become bold/italic/underline escape codes on a colour
terminal and nothing on a plain one; links become ``text (url)``; quotes are indented with a bar.
"""

from __future__ import annotations

from collections.abc import Mapping
from html.parser import HTMLParser
from typing import TextIO

_CODES = {
    "b": "1", "strong": "1",
    "i": "3", "em": "3",
    "u": "4", "ins": "4",
    "s": "9", "strike": "9", "del": "9",
    "code": "36", "pre": "36",
    "tg-spoiler": "7",
}
RESET = "\x1b[0m"
QUOTE = "│ "


def use_color(stream: TextIO, env: Mapping[str, str]) -> bool:
    """ANSI styles only on a terminal, and not when ``NO_COLOR`` is set (no-color.org)."""
    if env.get("NO_COLOR", "") or env.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def to_terminal(html: str, *, color: bool) -> str:
    """``html`` (Telegram's subset) as text for a terminal."""
    converter = _Converter(color)
    converter.feed(html)
    converter.close()
    return converter.text()


class _Converter(HTMLParser):
    """Walks the tags once, writing text with styles, link targets and quote bars."""

    def __init__(self, color: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.color = color
        self.out: list[str] = []
        self.styles: list[str] = []  # open ANSI codes, innermost last
        self.spans: list[bool] = []  # for each open <span>: is it a spoiler?
        self.links: list[tuple[str, int]] = []  # (href, index in self.out where its text starts)
        self.quote_depth = 0
        self.at_line_start = True
        self.block_ended = False  # a quote just closed: what follows starts on a new line

    def text(self) -> str:
        """The converted text, with every style closed."""
        text = "".join(self.out)
        return text + RESET if self.color and self.styles else text

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("blockquote", "pre"):
            self._block_start()
            self.quote_depth += tag == "blockquote"
        if tag == "span":
            self.spans.append(("class", "tg-spoiler") in attrs)
            tag = "tg-spoiler" if self.spans[-1] else "span"
        if tag == "a":
            self.links.append((dict(attrs).get("href") or "", len(self.out)))
        elif tag in _CODES:
            self._ensure_prefix()
            self.styles.append(_CODES[tag])
            self._write_code(_CODES[tag])

    def handle_endtag(self, tag: str) -> None:
        if tag == "blockquote":
            self.quote_depth = max(0, self.quote_depth - 1)
            self.block_ended = True
        elif tag == "pre":
            self.block_ended = True
        if tag == "a" and self.links:
            href, start = self.links.pop()
            shown = "".join(part for part in self.out[start:] if not part.startswith("\x1b"))
            if href and shown.strip() != href:
                self._write(f" ({href})")
        elif (tag in _CODES or (tag == "span" and self.spans.pop())) and self.styles:
            self.styles.pop()
            self._write_code(None)

    def handle_data(self, data: str) -> None:
        if self.block_ended and data and not data.startswith("\n"):
            self._write("\n")
        self.block_ended = False
        self._write(data)

    def _block_start(self) -> None:
        if not self.at_line_start:
            self._write("\n")

    def _write(self, text: str) -> None:
        for i, line in enumerate(text.split("\n")):
            if i:
                self.out.append("\n")
                self.at_line_start = True
            if not line:
                continue
            self._ensure_prefix()
            self.out.append(line)

    def _ensure_prefix(self) -> None:
        """Start a line inside a quote with its bar(s), outside any style."""
        if not self.at_line_start:
            return
        self.at_line_start = False
        if not self.quote_depth:
            return
        prefix = QUOTE * self.quote_depth
        if self.color and self.styles:
            self.out.extend([RESET, prefix, *(f"\x1b[{c}m" for c in self.styles)])
        else:
            self.out.append(prefix)

    def _write_code(self, code: str | None) -> None:
        """Open ``code``, or (``None``) close the innermost style and reopen the outer ones."""
        if not self.color:
            return
        if code is not None:
            self.out.append(f"\x1b[{code}m")
        else:
            self.out.append(RESET)
            self.out.extend(f"\x1b[{c}m" for c in self.styles)
