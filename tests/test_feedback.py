"""👍 / 👎 under every section page: counted per section, thanked, and the pair taken away."""

from __future__ import annotations

import json
from typing import Any

from bot.content.keyboards import GLOSSARY_ID, encode
from bot.context import Services, services_of
from tests.recording import RecordingRequest, callback, feed
from tests.usagekit import rows


def data_of(markup: Any) -> list[list[str]]:
    if isinstance(markup, str):
        markup = json.loads(markup)
    if not isinstance(markup, dict):
        markup = markup.to_dict()
    return [[b.get("callback_data", "") for b in row] for row in markup["inline_keyboard"]]


def test_every_section_page_asks_was_this_helpful(services: Services) -> None:
    label = services.renderer.label
    pages = {name: view for name, view in services.views.screens().items() if "/" in name}
    assert len(pages) >= len(services.content.sections)
    for name, view in pages.items():
        section_id, number = name.split("/")
        assert view.keyboard is not None
        texts = [[b.text for b in row] for row in view.keyboard.inline_keyboard]
        pair = [label("feedback_yes"), label("feedback_no")]
        if section_id == GLOSSARY_ID:
            assert pair not in texts
            continue
        assert texts[-3] == pair, (section_id, number)  # above Share and Back / Main menu
        assert data_of(view.keyboard)[-3] == [encode("f", section_id, 1),
                                              encode("f", section_id, 2)]


def tap(services: Services, data: str, section_id: str = "overview") -> dict[str, Any]:
    """A tap on a button under a section page that shows its full keyboard."""
    raw = callback(data)
    keyboard = services.views.section(section_id)
    assert keyboard is not None
    assert keyboard.keyboard is not None
    raw["callback_query"]["message"]["reply_markup"] = keyboard.keyboard.to_dict()
    return raw


async def test_helpful_tap_is_counted_thanked_and_removed(
        app: Any, request_: RecordingRequest, services: Services) -> None:
    await feed(app, tap(services, encode("f", "overview", 1)))
    await feed(app, tap(services, encode("f", "overview", 2)))
    await feed(app, tap(services, encode("f", "overview", 1)))
    answers = request_.sent("answerCallbackQuery")
    assert [a.params["text"] for a in answers] == [services.renderer.label("feedback_thanks")] * 3
    assert request_.sent("editMessageText") == []  # the page is not re-rendered
    assert request_.sent("sendMessage") == []
    edits = request_.sent("editMessageReplyMarkup")
    assert len(edits) == 3
    full = data_of(services.views.section("overview").keyboard)  # type: ignore[union-attr]
    assert data_of(edits[0].params["reply_markup"]) == [row for row in full
                                                        if not row[0].startswith("1|f|")]
    usage = services_of(app).usage
    await usage.close()  # type: ignore[union-attr]
    path = services_of(app).settings.db_path
    assert rows(path, "SELECT * FROM feedback") == [("overview", 2, 1)]
    assert rows(path, "SELECT kind, section, n FROM events") == [("feedback", "overview", 3)]


async def test_feedback_for_a_vanished_section_is_stale(
        app: Any, request_: RecordingRequest, services: Services) -> None:
    await feed(app, callback("1|f|no_such_section|1"))
    await feed(app, callback("1|f|overview|7"))
    answers = [a.params["text"] for a in request_.sent("answerCallbackQuery")]
    assert answers == [services.renderer.label("stale_answer")] * 2
    assert [m.params["text"] for m in request_.sent("sendMessage")] == [
        services.views.stale.html] * 2
    await services_of(app).usage.close()  # type: ignore[union-attr]
    path = services_of(app).settings.db_path
    assert rows(path, "SELECT * FROM feedback") == []
    assert rows(path, "SELECT kind, n FROM events") == [("unknown", 2)]
