"""Inline mode on the real Application: answers, share queries, chosen results, privacy."""

from __future__ import annotations

import dataclasses
import itertools
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram.ext import Application

from bot.app import build_application
from bot.config import Settings
from bot.content.markdown import visible_length
from bot.content.refs import InlineMatch
from bot.content.render import MAX_MESSAGE
from bot.context import Services
from tests.recording import RecordingRequest, feed, user
from tests.test_track import ListRecorder

BOT_LINK = "https://t.me/LiverTestBot?start="
_ids = itertools.count(700000)


def inline(query: str, user_id: int = 1001) -> dict[str, Any]:
    return {"update_id": next(_ids), "inline_query": {
        "id": str(next(_ids)), "from": user(user_id), "query": query, "offset": "",
        "chat_type": "sender"}}


def chosen(result_id: str, query: str = "whatever") -> dict[str, Any]:
    return {"update_id": next(_ids), "chosen_inline_result": {
        "result_id": result_id, "from": user(), "query": query}}


@pytest.fixture
def recorder() -> ListRecorder:
    return ListRecorder()


@pytest.fixture
async def inline_app(settings: Settings, services: Services, request_: RecordingRequest,
                     recorder: ListRecorder) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    app = build_application(settings, request=request_,
                            services=dataclasses.replace(services, usage=recorder))
    async with app:
        yield app


def answered(request_: RecordingRequest) -> dict[str, Any]:
    (call,) = request_.sent("answerInlineQuery")
    request_.calls.clear()
    return call.params


def ids(params: dict[str, Any]) -> list[str]:
    return [r["id"] for r in params["results"]]


async def test_query_lists_matching_sections_and_terms(
        inline_app: Any, request_: RecordingRequest, recorder: ListRecorder) -> None:
    await feed(inline_app, inline("pet ct"))
    params = answered(request_)
    assert ids(params)[:2] == ["g:pet_ct", "s:tests_scans"]
    assert params["cache_time"] == 300
    assert params["is_personal"] is False
    assert "button" not in params
    assert recorder.events == [("inline_query", None, "inline", "en")]


async def test_cards_have_summary_footer_and_read_more_link(
        inline_app: Any, request_: RecordingRequest, services: Services) -> None:
    await feed(inline_app, inline("jaundice"))
    results = {r["id"]: r for r in answered(request_)["results"]}
    term, section = results["g:jaundice"], results["s:symptoms"]
    assert term["type"] == "article"
    assert term["title"] == "📖 Jaundice"
    message = term["input_message_content"]
    assert message["parse_mode"] == "HTML"
    assert message["link_preview_options"] == {"is_disabled": True}
    assert services.content.terms["jaundice"].definition in message["message_text"]
    assert term["reply_markup"]["inline_keyboard"] == [[
        {"text": "📖 Read more", "url": BOT_LINK + "symptoms"}]]  # the term's section
    assert section["title"] == "Symptoms"
    assert section["description"] == services.content.sections["symptoms"].summary
    assert section["reply_markup"]["inline_keyboard"][0][0]["url"] == BOT_LINK + "symptoms"
    for card in (term, section):
        text = card["input_message_content"]["message_text"]
        assert 0 < visible_length(text) <= MAX_MESSAGE
        assert "local emergency number" in text


async def test_every_card_fits_and_links_to_a_section(services: Services) -> None:
    cards = [services.inline.article(m, "LiverTestBot") for m in (
        *(InlineMatch("section", key) for key in services.content.sections),
        *(InlineMatch("term", key) for key in services.content.terms))]
    assert len(cards) == len(services.content.sections) + len(services.content.terms) <= 60
    for card in cards:
        assert card is not None
        assert visible_length(card.input_message_content.message_text) <= MAX_MESSAGE
        start = card.reply_markup.inline_keyboard[0][0].url.removeprefix(BOT_LINK)
        assert start in services.content.sections
        assert len(card.id.encode()) <= 64


async def test_empty_query_lists_the_main_topics(
        inline_app: Any, request_: RecordingRequest, services: Services) -> None:
    for query in ("", "   "):
        await feed(inline_app, inline(query))
        assert ids(answered(request_)) == [f"s:{s.id}" for s in services.content.top]


async def test_no_match_offers_to_open_the_bot(
        inline_app: Any, request_: RecordingRequest, recorder: ListRecorder) -> None:
    await feed(inline_app, inline("🌈🌈 ☂"))
    params = answered(request_)
    assert params["results"] == []
    assert params["button"]["start_parameter"] == "inline"
    assert params["button"]["text"].startswith("Nothing found")
    assert recorder.events == [("inline_query", None, "inline", "en")]


async def test_share_query_returns_exactly_that_page_and_counts_a_share(
        inline_app: Any, request_: RecordingRequest, recorder: ListRecorder) -> None:
    for query in ("s:breast", "g:afp", " s:breast "):
        await feed(inline_app, inline(query))
        params = answered(request_)
        assert ids(params) == [query.strip()]
        assert params["cache_time"] == 0
    await feed(inline_app, inline("s:no_such_section"))
    assert answered(request_)["results"] == []
    assert recorder.events == [("share", "breast", "inline", "en"),
                               ("share", "glossary", "inline", "en"),
                               ("share", "breast", "inline", "en"),
                               ("share", None, "inline", "en")]


async def test_user_who_never_started_the_bot_gets_answers(
        inline_app: Any, request_: RecordingRequest) -> None:
    await feed(inline_app, inline("colorectal", user_id=424242))
    assert ids(answered(request_))[0] == "s:colorectal"
    assert request_.sent("sendMessage") == []  # nothing needed a chat with the user


async def test_long_odd_queries_never_fail(inline_app: Any, request_: RecordingRequest) -> None:
    for query in ("ж" * 256, "🩺" * 128, "colorectal " * 23, "\u202e\u0000<b>&amp;"):
        await feed(inline_app, inline(query))
        assert len(answered(request_)["results"]) <= 50


async def test_chosen_result_is_recorded_without_the_query(
        inline_app: Any, recorder: ListRecorder) -> None:
    await feed(inline_app, chosen("s:colorectal", query="my dad John Smith colorectal"))
    await feed(inline_app, chosen("g:afp"))
    await feed(inline_app, chosen("forged|id"))
    assert recorder.events == [("inline_chosen", "colorectal", "inline", "en"),
                               ("inline_chosen", "glossary", "inline", "en"),
                               ("inline_chosen", None, "inline", "en")]


async def test_query_text_is_never_logged(inline_app: Any, request_: RecordingRequest,
                                          caplog: pytest.LogCaptureFixture) -> None:
    secret = "Margaret Oduya jaundice"
    with caplog.at_level(logging.DEBUG):
        await feed(inline_app, inline(secret))
        await feed(inline_app, chosen("g:jaundice", query=secret))
    assert "g:jaundice" in ids(answered(request_))
    assert caplog.records  # PTB did log at debug level; none of it holds the query
    assert not any("Oduya" in record.getMessage() for record in caplog.records)


async def test_inline_uses_the_search_index_lay_words_and_red_flags(
        inline_app: Any, request_: RecordingRequest) -> None:
    await feed(inline_app, inline("my dad is vomiting blood"))
    assert ids(answered(request_))[0] == "s:urgent"  # red flags first, as in a private chat
    request_.calls.clear()
    await feed(inline_app, inline("colo"))  # still typing: prefixes match too
    assert "s:colorectal" in ids(answered(request_))
