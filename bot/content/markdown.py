"""Markdown content bodies to Telegram HTML, plus checks of the HTML Telegram accepts.

Telegram's HTML mode knows only a handful of inline tags and keeps every newline, so block
structure (paragraphs, lists, headings) becomes plain lines: lists turn into bullet lines,
headings into bold lines. The result is a list of blocks, so pages can be cut between them.
"""

from __future__ import annotations

from html.parser import HTMLParser

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup, escape

# Tags Telegram accepts in parse_mode=HTML (core.telegram.org/bots/api#formatting-options).
ALLOWED_TAGS = frozenset({
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a",
    "tg-emoji", "code", "pre", "blockquote",
})
_SAFE_SCHEMES = ("https://", "http://", "tg://", "mailto:")
_INLINE_TAGS = {"strong": "b", "em": "i", "s": "s"}


class MarkdownConverter:
    """Turns Markdown into a list of Telegram-HTML blocks (one parser, built once)."""

    def __init__(self) -> None:
        self._md = MarkdownIt("commonmark").enable("strikethrough")

    def blocks(self, text: str) -> list[Markup]:
        """Convert ``text`` into blocks (paragraphs, lists, headings, quotes)."""
        tokens = self._md.parse(text)
        out, _ = self._blocks(tokens, 0, None)
        return out

    def inline(self, text: str) -> Markup:
        """Convert a one-line Markdown string (e.g. a note) to inline Telegram HTML."""
        return Markup("\n\n").join(self.blocks(text))

    def _blocks(self, tokens: list[Token], i: int, stop: str | None) -> tuple[list[Markup], int]:
        out: list[Markup] = []
        while i < len(tokens):
            tok = tokens[i]
            if stop is not None and tok.type == stop:
                return out, i + 1
            if tok.type == "paragraph_open":
                out.append(self._inline(tokens[i + 1].children or []))
                i += 3
            elif tok.type == "heading_open":
                out.append(Markup("<b>{}</b>").format(self._inline(tokens[i + 1].children or [])))
                i += 3
            elif tok.type in ("bullet_list_open", "ordered_list_open"):
                lines, i = self._list(tokens, i + 1, tok.type.replace("_open", "_close"), 0,
                                      ordered=tok.type == "ordered_list_open")
                out.append(Markup("\n").join(lines))
            elif tok.type == "blockquote_open":
                inner, i = self._blocks(tokens, i + 1, "blockquote_close")
                out.append(Markup("<blockquote>{}</blockquote>").format(
                    Markup("\n\n").join(inner)))
            elif tok.type in ("fence", "code_block"):
                out.append(Markup("<pre>{}</pre>").format(tok.content.rstrip("\n")))
                i += 1
            else:  # hr, html_block and anything unexpected: left out, never passed through raw
                i += 1
        return out, i

    def _list(self, tokens: list[Token], i: int, close: str, depth: int, *,
              ordered: bool) -> tuple[list[Markup], int]:
        lines: list[Markup] = []
        number = 0
        indent = "   " * depth
        marker: str | None = None  # set by list_item_open, used by the item's first paragraph
        while i < len(tokens) and tokens[i].type != close:
            tok = tokens[i]
            if tok.type == "list_item_open":
                number += 1
                marker = f"{number}." if ordered else ("•" if depth == 0 else "◦")
                i += 1
            elif tok.type == "paragraph_open":
                text = self._inline(tokens[i + 1].children or [])
                lines.append(Markup("{}{} {}").format(indent, marker or " ", text))
                marker = None
                i += 3
            elif tok.type in ("bullet_list_open", "ordered_list_open"):
                nested, i = self._list(tokens, i + 1, tok.type.replace("_open", "_close"),
                                       depth + 1, ordered=tok.type == "ordered_list_open")
                lines.extend(nested)
            else:
                i += 1
        return lines, i + 1

    def _inline(self, children: list[Token]) -> Markup:
        parts: list[Markup] = []
        for tok in children:
            kind = tok.type
            if kind == "text":
                parts.append(escape(tok.content))
            elif kind.endswith("_open") and kind[:-5] in _INLINE_TAGS:
                parts.append(Markup(f"<{_INLINE_TAGS[kind[:-5]]}>"))
            elif kind.endswith("_close") and kind[:-6] in _INLINE_TAGS:
                parts.append(Markup(f"</{_INLINE_TAGS[kind[:-6]]}>"))
            elif kind == "link_open":
                href = str(tok.attrs.get("href", ""))
                parts.append(Markup('<a href="{}">').format(href) if href.startswith(
                    _SAFE_SCHEMES) else Markup("<a>"))
            elif kind == "link_close":
                parts.append(Markup("</a>"))
            elif kind == "code_inline":
                parts.append(Markup("<code>{}</code>").format(tok.content))
            elif kind == "softbreak":
                parts.append(Markup(" "))
            elif kind == "hardbreak":
                parts.append(Markup("\n"))
            else:  # images, raw HTML: shown as their text, escaped
                parts.append(escape(tok.content))
        html = Markup("").join(parts)
        # A link without a safe URL keeps its text but loses the tag.
        return Markup(str(html).replace("<a>", "").replace("</a>", "")) if "<a>" in html else html


class _TagChecker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag <{tag}> is not allowed by Telegram")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> does not close the open tag")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def html_problems(html: str) -> list[str]:
    """Everything in ``html`` that Telegram would reject: unknown or unbalanced tags."""
    checker = _TagChecker()
    checker.feed(html)
    checker.close()
    if checker.stack:
        checker.problems.append(f"unclosed tags: {', '.join(checker.stack)}")
    return checker.problems


def visible_text(html: str) -> str:
    """The text a reader sees: tags dropped, entities decoded (as Telegram parses it)."""
    checker = _TagChecker()
    checker.feed(html)
    checker.close()
    return "".join(checker.text)


def visible_length(html: str) -> int:
    """Length Telegram counts (text after entity parsing, in UTF-16 code units)."""
    return len(visible_text(html).encode("utf-16-le")) // 2
