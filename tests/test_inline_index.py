"""The inline matcher: what typical queries find, and that odd queries never fail."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.content.refs import InlineMatch
from bot.context import Services
from bot.search.inline import MAX_QUERY, match_inline


def keys(services: Services, query: str, limit: int = 50) -> list[str]:
    return [m.key for m in match_inline(services.content, query, limit)]


@pytest.mark.parametrize(("query", "first"), [
    ("colorectal", "colorectal"),
    ("pet ct", "pet_ct"),
    ("What is a PET-CT?", "pet_ct"),
    ("bowel cancer surgery", "colorectal_surgery"),
    ("breast", "breast"),
    ("jaundise", "jaundice"),  # a typo
    ("tumor markers", "tumour_markers"),  # American spelling
    ("mum has yellow eyes", "jaundice"),  # the alias inside a longer sentence
    ("urgent", "urgent"),
])
def test_typical_queries_find_the_right_thing_first(services: Services, query: str,
                                                    first: str) -> None:
    assert keys(services, query)[0] == first


def test_issue_examples(services: Services) -> None:
    colorectal = keys(services, "colorectal")
    assert {"colorectal", "colorectal_why", "colorectal_surgery", "colorectal_recurrence",
            "colorectal_other"} <= set(colorectal)
    assert set(keys(services, "yellow skin")) >= {"symptoms", "jaundice"}
    pet = match_inline(services.content, "pet ct", 50)
    assert InlineMatch("term", "pet_ct") in pet
    assert InlineMatch("section", "tests_scans") in pet


def test_typing_in_progress_finds_by_prefix(services: Services) -> None:
    assert "jaundice" in keys(services, "yell")
    assert "colorectal" in keys(services, "colo")


def test_limit_is_respected_and_order_is_stable(services: Services) -> None:
    broad = keys(services, "liver")
    assert len(broad) > 5
    assert keys(services, "liver", 3) == broad[:3]
    assert keys(services, "liver", 0) == []


@pytest.mark.parametrize("query", [
    "xyzzy", "qwerty uiop", "💊", "🩺🩺🩺", "黄疸", "желтуха", "the", "what is it", "  ", "",
    "a" * MAX_QUERY, "<b>bold</b> & co", "\u200b\u0000\ufeff",
])
def test_nonsense_and_other_scripts_match_nothing(services: Services, query: str) -> None:
    assert keys(services, query) == []


def test_overlong_query_is_cut_not_refused(services: Services) -> None:
    assert keys(services, "jaundice " + "x" * 1000)[0] == "jaundice"


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=MAX_QUERY))
def test_any_text_is_answered_without_error(services: Services, query: str) -> None:
    matches = match_inline(services.content, query, 50)
    assert len(matches) <= 50
    assert len(set(matches)) == len(matches)
    for match in matches:
        known = services.content.sections if match.kind == "section" else services.content.terms
        assert match.key in known


@pytest.mark.parametrize(("token", "expected"), [
    ("s:colorectal", InlineMatch("section", "colorectal")),
    ("g:pet_ct", InlineMatch("term", "pet_ct")),
    ("s:", None), ("s:Colorectal", None), ("x:colorectal", None), ("s:a b", None),
    ("colorectal", None), ("s:" + "a" * 33, None), ("s:colorectal\n", None),
])
def test_tokens(token: str, expected: InlineMatch | None) -> None:
    assert InlineMatch.from_token(token) == expected
    if expected is not None:
        assert expected.token == token
