"""The callback-data scheme, and that every button of every screen leads somewhere."""

from __future__ import annotations

import pytest

from bot.content.keyboards import MAX_CALLBACK_BYTES, Action, decode, encode
from bot.content.refs import InlineMatch
from bot.context import Services
from bot.handlers.menu import resolve


@pytest.mark.parametrize(("kind", "arg", "page"), [
    ("m", "", 1), ("s", "colorectal_surgery", 1), ("s", "overview", 3), ("g", "afp", 1),
    ("gl", "w", 2), ("f", "overview", 1), ("f", "colorectal_surgery", 2),
])
def test_round_trip(kind: str, arg: str, page: int) -> None:
    data = encode(kind, arg, page)
    assert len(data.encode()) <= MAX_CALLBACK_BYTES
    assert decode(data) == Action(kind, arg, page)


@pytest.mark.parametrize("data", [
    None, "", "1", "0|s|overview|1", "2|m", "1|x|overview|1", "1|s|overview", "1|s|overview|x",
    "1|s|overview|-1", "1|s|overview|1|extra", "1|s|über|1", "1|s|overview|٣", "a" * 65,
    "1|s|" + "a" * 70 + "|1", "1|f", "1|f||1", "1|f|overview|3", "1|f|overview|0",
])
def test_forged_or_stale_data_is_rejected(data: str | None) -> None:
    assert decode(data) is None


def test_encode_refuses_what_would_not_fit() -> None:
    with pytest.raises(ValueError, match="cannot encode"):
        encode("s", "x" * 64)
    with pytest.raises(ValueError, match="cannot encode"):
        encode("s", "a|b")
    with pytest.raises(ValueError, match="cannot encode"):
        encode("zz", "a")


def test_every_button_everywhere_resolves(services: Services) -> None:
    seen = 0
    for name, view in services.views.screens().items():
        if view.keyboard is None:
            continue
        for row in view.keyboard.inline_keyboard:
            assert len(row) <= 8
            for button in row:
                share = button.switch_inline_query_chosen_chat
                if share is not None:  # the Share button: its query names this very page
                    match = InlineMatch.from_token(share.query)
                    assert match is not None, (name, share.query)
                    assert services.inline.article(match, "SomeBot") is not None, name
                    continue
                assert isinstance(button.callback_data, str), name
                assert resolve(services.views, decode(button.callback_data)) is not None, (
                    name, button.text, button.callback_data)
                seen += 1
    assert seen > 100


def test_unknown_section_or_page_resolves_to_nothing(services: Services) -> None:
    views = services.views
    assert resolve(views, Action("s", "nope", 1)) is None
    assert resolve(views, Action("s", "overview", 99)) is None
    assert resolve(views, Action("s", "overview", 0)) is None
    assert resolve(views, Action("g", "nope", 1)) is None
    assert resolve(views, Action("gl", "w", 50)) is None


def test_section_keyboard_has_children_back_and_menu(services: Services) -> None:
    rows = services.keyboards.section("spread", 1).inline_keyboard
    texts = [b.text for row in rows for b in row]
    data = [b.callback_data for row in rows for b in row]
    children = services.content.sections["spread"].children
    assert [encode("s", c.id) for c in children] == data[:len(children)]
    assert data[-2:] == [encode("s", "causes"), encode("m")]
    assert texts[-1] == services.renderer.label("main_menu")


def test_top_level_section_has_no_back_button(services: Services) -> None:
    rows = services.keyboards.section("overview", 1).inline_keyboard
    assert [b.callback_data for b in rows[-1]] == [encode("m")]


def test_main_menu_lists_top_sections_in_order(services: Services) -> None:
    rows = services.keyboards.main_menu().inline_keyboard
    assert [r[0].callback_data for r in rows] == [encode("s", s.id) for s in services.content.top]
    assert [s.id for s in services.content.top][:3] == ["overview", "causes", "symptoms"]
