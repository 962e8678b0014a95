"""Telegram HTML: turns ``parse_mode=HTML`` texts into (text, entities) like the Bot API does.

Unsupported or unbalanced tags raise :class:`_HTMLError` ("can't parse entities").
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from typing import Any


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class _HTMLError(Exception):
    """Parse error with a Telegram-like message."""


_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
_SUPPORTED_TAGS = frozenset({*_SIMPLE_TAGS, "a", "span", "tg-emoji", "br"})


class _TelegramHTMLParser(HTMLParser):
    """Convert Telegram-flavoured HTML into (text, entities) the way the Bot API does."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self._source = source
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", source)]
        self.parts: list[str] = []
        self.length = 0  # in UTF-16 code units
        self.stack: list[tuple[str, dict[str, str | None], int]] = []
        self.entities: list[dict[str, Any]] = []
        self._pre_language = ""

    def _byte_offset(self) -> int:
        line, col = self.getpos()
        return len(self._source[: self._line_starts[line - 1] + col].encode())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _SUPPORTED_TAGS:
            raise _HTMLError(f'Unsupported start tag "{tag}" at byte offset {self._byte_offset()}')
        if tag == "br":
            raise _HTMLError(f'Unsupported start tag "br" at byte offset {self._byte_offset()}')
        self.stack.append((tag, dict(attrs), self.length))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise _HTMLError(f'Unsupported start tag "{tag}" at byte offset {self._byte_offset()}')

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1][0] != tag:
            raise _HTMLError(
                f'Unmatched end tag at byte offset {self._byte_offset()}, expected "</'
                f'{self.stack[-1][0] if self.stack else ""}>", found "</{tag}>"'
            )
        _, attrs, start = self.stack.pop()
        entity = self._entity(tag, attrs)
        if entity is not None and self.length > start:
            entity.update(offset=start, length=self.length - start)
            self.entities.append(entity)

    def _entity(self, tag: str, attrs: dict[str, str | None]) -> dict[str, Any] | None:
        if tag == "a":
            href = attrs.get("href") or ""
            match = re.fullmatch(r"tg://user\?id=(\d+)", href)
            if match:
                mentioned = {"id": int(match[1]), "is_bot": False, "first_name": ""}
                return {"type": "text_mention", "user": mentioned}
            return {"type": "text_link", "url": href} if href else None
        if tag == "span":
            return {"type": "spoiler"} if attrs.get("class") == "tg-spoiler" else None
        if tag == "tg-emoji":
            return {"type": "custom_emoji", "custom_emoji_id": attrs.get("emoji-id") or ""}
        if tag == "blockquote" and "expandable" in attrs:
            return {"type": "expandable_blockquote"}
        if tag == "code" and self.stack and self.stack[-1][0] == "pre":
            # <pre><code class="language-x">: a single "pre" entity with a language
            self._pre_language = (attrs.get("class") or "").removeprefix("language-")
            return None
        if tag == "pre":
            language, self._pre_language = self._pre_language, ""
            return {"type": "pre", "language": language} if language else {"type": "pre"}
        return {"type": _SIMPLE_TAGS[tag]}

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
        self.length += _utf16_len(data)


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram-flavoured HTML into ``(plain text, entities)``.

    Follows Telegram's HTML-to-entities rules: tags are stripped, character references are
    unescaped, entity offsets/lengths are in UTF-16 code units; raises :class:`_HTMLError` for
    unsupported, unmatched or unclosed tags.
    """
    parser = _TelegramHTMLParser(source)
    parser.feed(source)
    parser.close()
    if parser.stack:
        raise _HTMLError(f'Can\'t find end tag corresponding to start tag "{parser.stack[-1][0]}"')
    entities = sorted(parser.entities, key=lambda e: (e["offset"], -e["length"]))
    return "".join(parser.parts), entities


def _strip_tags(source: str) -> str:
    return html.unescape(re.sub(r"<[^>]*>", "", source))
