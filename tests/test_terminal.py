"""Telegram HTML to terminal text: ANSI styles on a colour terminal, plain text otherwise."""

from __future__ import annotations

import io

import pytest

from bot.console.terminal import to_terminal, use_color
from bot.context import Services

BOLD, ITALIC, UNDERLINE, RESET = "\x1b[1m", "\x1b[3m", "\x1b[4m", "\x1b[0m"


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_text_drops_tags_and_unescapes() -> None:
    html = "<b>Title</b>\n<i>Page 1</i> &amp; <u>more</u> <s>old</s> <code>x&lt;y</code>"
    assert to_terminal(html, color=False) == "Title\nPage 1 & more old x<y"


def test_colour_text_uses_ansi_styles_and_restores_outer_ones() -> None:
    text = to_terminal("<b>bold <i>both</i> bold</b> <u>under</u>", color=True)
    assert text == (f"{BOLD}bold {ITALIC}both{RESET}{BOLD} bold{RESET} "
                    f"{UNDERLINE}under{RESET}")


def test_unclosed_style_is_reset_at_the_end() -> None:
    assert to_terminal("<b>open", color=True) == f"{BOLD}open{RESET}"


@pytest.mark.parametrize("color", [True, False])
def test_links_show_their_url_once(color: bool) -> None:
    html = ('See <a href="https://example.org/a">the guide</a> or '
            '<a href="https://example.org/b">https://example.org/b</a>.')
    text = to_terminal(html, color=color)
    assert text == ("See the guide (https://example.org/a) or https://example.org/b.")


def test_blockquote_lines_are_indented_with_a_bar() -> None:
    html = "Before\n\n<blockquote><b>Note</b> one\ntwo</blockquote>\nAfter"
    assert to_terminal(html, color=False) == "Before\n\n│ Note one\n│ two\nAfter"


def test_blockquote_bar_stays_outside_the_styles() -> None:
    text = to_terminal("<blockquote><i>a\nb</i></blockquote>", color=True)
    assert text == f"│ {ITALIC}a\n{RESET}│ {ITALIC}b{RESET}"


def test_blockquote_glued_to_text_starts_and_ends_on_its_own_line() -> None:
    assert to_terminal("x<blockquote>q</blockquote>y", color=False) == "x\n│ q\ny"


def test_spoiler_is_shown_reversed_in_colour_and_as_text_in_plain() -> None:
    html = 'a <span class="tg-spoiler">secret</span> <tg-spoiler>too</tg-spoiler> <span>s</span>'
    assert to_terminal(html, color=False) == "a secret too s"
    assert to_terminal(html, color=True) == f"a \x1b[7msecret{RESET} \x1b[7mtoo{RESET} s"


def test_every_real_screen_renders_without_tags_in_plain_mode(services: Services) -> None:
    for name, view in services.views.screens().items():
        text = to_terminal(view.html, color=False)
        assert "</" not in text, name
        assert "href=" not in text, name
        assert "\x1b" not in text, name
        assert text.strip(), name


@pytest.mark.parametrize(("tty", "env", "expected"), [
    (True, {}, True),
    (True, {"NO_COLOR": "1"}, False),
    (True, {"NO_COLOR": ""}, True),  # no-color.org: only a non-empty value counts
    (True, {"TERM": "dumb"}, False),
    (False, {}, False),
])
def test_use_color_only_on_a_terminal_without_no_color(tty: bool, env: dict[str, str],
                                                       expected: bool) -> None:
    stream = _Tty() if tty else io.StringIO()
    assert use_color(stream, env) is expected
