"""Rendering: Telegram's HTML subset only, no message over 4096 characters, escaping."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from markupsafe import Markup

from bot.app import build_services
from bot.config import Settings
from bot.content.markdown import ALLOWED_TAGS, MarkdownConverter, html_problems, visible_length
from bot.content.render import MAX_MESSAGE, PAGE_TARGET
from bot.context import Services

CONTENT = Path(__file__).resolve().parent.parent / "content" / "en"


def test_every_screen_is_valid_telegram_html(services: Services) -> None:
    screens = services.views.screens()
    assert len(screens) > 40
    for name, view in screens.items():
        assert html_problems(view.html) == [], name
        assert 0 < visible_length(view.html) <= MAX_MESSAGE, name
        for forbidden in ("<p>", "<br", "<ul", "<li", "<h1", "<h2", "<div"):
            assert forbidden not in view.html, (name, forbidden)


def test_every_section_has_pages_with_title_and_footer(services: Services) -> None:
    for section in services.content.sections.values():
        pages = services.renderer.pages[section.id]
        assert pages, section.id
        for page in pages:
            assert page.html.startswith(f"<b>{Markup.escape(section.title)}</b>")
            assert "/urgent" in page.html
            assert page.total == len(pages)


def test_long_section_is_split_at_paragraphs(services: Services) -> None:
    longest = max(services.content.sections.values(), key=lambda s: len(s.body))
    pages = services.renderer.pages[longest.id]
    if visible_length(services.renderer.markdown.inline(longest.body)) > PAGE_TARGET:
        assert len(pages) > 1
    for page in pages:
        assert visible_length(page.html) <= MAX_MESSAGE
    if len(pages) > 1:
        assert "Page 1 of" in pages[0].html
        assert "Continued on the next page" in pages[0].html


def test_added_notes_are_set_apart_from_seed_text(services: Services) -> None:
    with_notes = [s for s in services.content.sections.values() if s.notes]
    assert with_notes, "the content should carry added safety notes"
    for section in with_notes:
        last = services.renderer.pages[section.id][-1].html
        assert last.count("<blockquote><b>ℹ️ Added note</b>") == len(section.notes)


def test_pagination_with_small_target() -> None:
    md = MarkdownConverter()
    blocks = md.blocks("\n\n".join(f"Paragraph {i} " + "word " * 200 for i in range(10)))
    assert len(blocks) == 10
    assert all(html_problems(b) == [] for b in blocks)


@pytest.mark.parametrize(("source", "expected"), [
    ("**bold** and *it*", "<b>bold</b> and <i>it</i>"),
    ("## Heading", "<b>Heading</b>"),
    ("- one\n- two", "• one\n• two"),
    ("1. one\n2. two", "1. one\n2. two"),
    ("a <script>x</script> & b", "a &lt;script&gt;x&lt;/script&gt; &amp; b"),
    ("[site](https://e.org/?a=1&b=2)", '<a href="https://e.org/?a=1&amp;b=2">site</a>'),
    ("[bad](javascript:alert(1))", "[bad](javascript:alert(1))"),
    ("> quoted", "<blockquote>quoted</blockquote>"),
    ("line one\nline two", "line one line two"),
])
def test_markdown_to_telegram_html(source: str, expected: str) -> None:
    html = str(MarkdownConverter().inline(source))
    assert html == expected
    assert html_problems(html) == []


def test_tag_checker_finds_what_telegram_rejects() -> None:
    assert html_problems("<p>x</p>") == ["tag <p> is not allowed by Telegram"]
    assert "unclosed tags: b" in html_problems("<b>x")
    assert html_problems("<b>x</i>")
    assert {"b", "i", "a", "code", "pre", "blockquote"} <= ALLOWED_TAGS


def test_visible_length_counts_text_after_entities() -> None:
    assert visible_length("<b>a&amp;b</b>") == 3
    assert visible_length("😀") == 2  # Telegram counts UTF-16 code units


def test_the_missing_word_answer_is_valid_html(services: Services) -> None:
    view = services.views.glossary_missing
    assert html_problems(view.html) == []
    assert view.keyboard is not None  # the list of words to tap


def test_long_section_gets_pages_with_previous_and_next(tmp_path: Path) -> None:
    folder = tmp_path / "en"
    shutil.copytree(CONTENT, folder)
    paragraphs = [f"Paragraph {i}. " + "Plain words for a tired reader. " * 30 for i in range(12)]
    (folder / "long.md").write_text(
        "---\nid: long\ncommand: long\ntitle: A long topic\nparent: treatment\norder: 9\n"
        "summary: Long.\nkeywords: [long]\nsources: [{title: Test}]\nlast_reviewed: 2026-11-30\n"
        "notes: ['An added note.']\n---\n" + "\n\n".join(paragraphs), encoding="utf-8")
    services = build_services(Settings(token="1:a", content_dir=folder))
    pages = services.renderer.pages["long"]
    assert len(pages) >= 3
    seen = []
    for page in pages:
        assert visible_length(page.html) <= PAGE_TARGET
        assert f"Page {page.number} of {len(pages)}" in page.html
        seen += re.findall(r"Paragraph (\d+)\.", page.html)
    assert seen == [str(i) for i in range(12)]  # every paragraph once, in order, never cut
    assert "An added note." in pages[-1].html
    assert "An added note." not in pages[0].html
    first = [b.callback_data for row in services.keyboards.section("long", 1).inline_keyboard
             for b in row if b.callback_data]
    middle = [b.callback_data for row in services.keyboards.section("long", 2).inline_keyboard
              for b in row if b.callback_data]
    assert "1|s|long|2" in first
    assert not any(d.startswith("1|s|long|0") for d in first)
    assert {"1|s|long|1", "1|s|long|3"} <= set(middle)
