"""/stats for admins only, its figures and small-count suppression, and ``python -m bot stats``."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot.__main__ import main
from bot.config import Settings
from bot.content.markdown import visible_length
from bot.content.render import MAX_MESSAGE
from bot.context import Services, services_of
from bot.usage import stats
from bot.usage.log import UsageLog
from tests.recording import RecordingRequest, application, chat, feed, message, user
from tests.usagekit import rows

ADMIN = 999  # settings fixture: admin_ids={999}


def from_user(text: str, user_id: int, chat_: dict[str, Any] | None = None) -> dict[str, Any]:
    return message(text, chat_=chat_ or chat(user_id), extra={"from": user(user_id)})


def seed(usage: UsageLog) -> None:
    for i in range(12):
        usage.record("command", "colorectal", chat_type="private", language="en", user_id=i)
    for i in range(3):
        usage.record("button", "breast", chat_type="group", language="de", user_id=i)
    for helpful in (True,) * 6 + (False,) * 2:
        usage.answer("overview", helpful)
    usage.answer("breast", True)


def texts(request_: RecordingRequest) -> list[str]:
    return [c.params["text"] for c in request_.sent("sendMessage")]


def test_small_counts_are_suppressed_and_the_rest_rounded() -> None:
    assert [stats.shown(n) for n in (0, 1, 4, 5, 7, 8, 12, 13, 123)] == [
        "<5", "<5", "<5", "5", "5", "10", "10", "15", "125"]
    assert stats.listed((("a", 12), ("b", 4), ("c", 5))) == (("a", 12), ("c", 5))
    assert [stats.percent(y, 8) for y in (0, 1, 6, 8)] == [0, 10, 80, 100]


def test_sparkline() -> None:
    assert stats.sparkline((0, 4, 10, 20)) == "▁▁▅█"  # 4 looks like none
    assert stats.sparkline((0, 0, 0)) == "▁▁▁"
    long = stats.sparkline(tuple(range(62)))
    assert len(long) == 31  # two days a block, to fit a phone's line
    assert long[-1] == "█"


async def test_admin_sees_the_figures(app: Any, request_: RecordingRequest,
                                      services: Services) -> None:
    seed(services_of(app).usage)  # type: ignore[arg-type]
    await feed(app, from_user("/stats", ADMIN))
    (text,) = texts(request_)
    sections = services.content.sections
    assert "Usage, last 7 days" in text
    assert "Interactions: <b>15</b>" in text
    assert f"1. {sections['colorectal'].label}: 10" in text  # 12, rounded to 5
    assert sections["breast"].label not in text  # read 3 times: not named at all
    assert "<b>How</b>: commands 10\n" in text
    assert "<b>Where</b>: private 10\n" in text
    assert "<b>Languages</b>: en 10\n" in text
    assert f"{sections['overview'].label}: 80% 👍 of 10 answers" in text  # 6 of 8
    assert "Events dropped: <b>0</b>" in text
    # 12 people today, none on the 6 days before: 12 / 7 on average
    assert "Different people a day: &lt;5 on average, 10 at most" in text
    assert visible_length(text) <= MAX_MESSAGE


async def test_admin_chooses_the_period(app: Any, request_: RecordingRequest) -> None:
    await feed(app, from_user("/stats 30", ADMIN))
    await feed(app, from_user("/stats 1", ADMIN))
    for bad in ("/stats 0", "/stats abc", "/stats 7 8", "/stats 400", "/stats ٣"):
        await feed(app, from_user(bad, ADMIN))
    sent = texts(request_)
    assert "Usage, last 30 days" in sent[0]
    assert "Usage, last 1 day</b>" in sent[1]
    assert all(t.startswith("Send /stats for the last 7 days") for t in sent[2:])
    assert len(sent) == 7


@pytest.mark.parametrize("text", ["/stats", "/stats 30", "/stats abc"])
async def test_non_admin_gets_exactly_the_unknown_command_answer(
        app: Any, request_: RecordingRequest, text: str) -> None:
    await feed(app, from_user(text, 1001))
    await feed(app, from_user("/frobnicate", 1001))
    stats_reply, unknown_reply = request_.sent("sendMessage")
    assert stats_reply.params == unknown_reply.params


async def test_admin_in_a_group_is_treated_like_anyone(app: Any,
                                                        request_: RecordingRequest) -> None:
    group = chat(-100, "supergroup")
    await feed(app, from_user("/stats", ADMIN, group))
    assert request_.sent("sendMessage") == []  # a bare unknown command in a group: quiet
    await feed(app, from_user("/stats@LiverTestBot", ADMIN, group))
    await feed(app, from_user("/frobnicate@LiverTestBot", ADMIN, group))
    stats_reply, unknown_reply = request_.sent("sendMessage")
    assert stats_reply.params["text"] == unknown_reply.params["text"]


async def test_non_admin_stats_is_counted_as_unknown(app: Any, settings: Settings) -> None:
    await feed(app, from_user("/stats", 1001))
    await services_of(app).usage.close()  # type: ignore[union-attr]
    assert rows(settings.db_path, "SELECT kind, section, n FROM events") == [("unknown", "", 1)]


async def test_stats_listed_only_in_the_admins_chat(app: Any, request_: RecordingRequest) -> None:
    menus = {json.dumps(c.params["scope"], sort_keys=True): [x["command"] for x in
             c.params["commands"]] for c in request_.sent("setMyCommands")}
    admin_scope = json.dumps({"type": "chat", "chat_id": ADMIN}, sort_keys=True)
    assert "stats" in menus.pop(admin_scope)
    assert len(menus) == 2  # all private chats, all groups
    assert all("stats" not in commands for commands in menus.values())


class ChatNotFound(RecordingRequest):
    """Telegram's answer when an admin has never opened a chat with the bot."""

    async def do_request(self, url: str, method: str, request_data: Any = None,
                         *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        params = dict(request_data.parameters) if request_data else {}
        if url.endswith("/setMyCommands") and params.get("scope", {}).get("type") == "chat":
            return 400, b'{"ok": false, "error_code": 400, "description": "Bad Request: chat ' \
                        b'not found"}'
        return await super().do_request(url, method, request_data, *args, **kwargs)


async def test_admin_menu_failure_does_not_stop_start_up(
        settings: Settings, services: Services, caplog: pytest.LogCaptureFixture) -> None:
    request_ = ChatNotFound()
    app = application(settings, services, request_)
    async with app:
        await app.post_init(app)  # type: ignore[misc]
        await feed(app, message("/start"))
        await app.post_shutdown(app)  # type: ignore[misc]
    assert "could not add /stats to an admin's command menu" in caplog.text
    assert "chat not found" in caplog.text.lower()
    assert str(ADMIN) not in caplog.text
    assert len(request_.sent("sendMessage")) == 1


def test_worst_case_report_fits_one_message(services: Services) -> None:
    many = tuple((f"section_{i}", 10_000 + i) for i in range(40))
    report = stats.Report(
        date(2025, 1, 1), date(2026, 1, 1), total=9_999_999, per_day=(12_345,) * 366,
        people=(99_999,) * 366, sections=tuple((s.id, 10_000) for s in
                                               services.content.sections.values()),
        kinds=tuple((k, 10_000) for k in ("command", "button", "deep_link", "inline_query",
                                          "inline_chosen", "search", "share", "feedback",
                                          "unknown")),
        chat_types=many[:5], languages=many, feedback=tuple(
            (s.id, 100_000, 100_000) for s in services.content.sections.values()),
        dropped=10**9, waiting=10**6, available=False)
    html = stats.render(services.renderer, report)
    assert visible_length(html) <= MAX_MESSAGE
    assert "(one block = 12 days)" in html


def seeded_file(tmp_path: Path) -> Path:
    path = tmp_path / "usage.sqlite3"

    async def write() -> None:
        log = UsageLog(path)
        await log.start()
        seed(log)
        await log.close()

    asyncio.run(write())
    return path


def test_cli_prints_the_same_figures(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    path = seeded_file(tmp_path)
    monkeypatch.delenv("BOT_TOKEN", raising=False)  # no token needed to read the file
    monkeypatch.setenv("BOT_DB_PATH", str(path))
    assert main(["stats", "--days", "30"]) == 0
    out = capsys.readouterr().out
    assert "Usage, last 30 days" in out
    assert "Interactions: 15" in out
    assert "<b>" not in out
    assert "on average, 10 at most" in out
    assert "80% 👍 of 10 answers" in out


def test_cli_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = seeded_file(tmp_path)
    assert main(["stats", "--csv", "--db", str(path)]) == 0
    table = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert table[0] == ["metric", "key", "value"]
    assert ["total", "", "15"] in table
    assert ["section", "colorectal", "10"] in table
    assert not [r for r in table if r[1] == "breast"]  # too few to be named
    assert ["helpful", "overview", "5"] in table
    assert ["not_helpful", "overview", "<5"] in table
    assert ["dropped", "", "0"] in table
    assert len([r for r in table if r[0] == "day"]) == 7


def test_cli_without_a_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stats", "--db", str(tmp_path / "missing.sqlite3")]) == 1
    assert "no usage database at" in capsys.readouterr().err
    (tmp_path / "junk.sqlite3").write_bytes(b"not a database at all" * 100)
    assert main(["stats", "--db", str(tmp_path / "junk.sqlite3")]) == 1
    assert "cannot read" in capsys.readouterr().err


def test_the_chart_follows_the_small_count_rule(services: Services) -> None:
    from bot.usage.chart import chart_png, chart_svg, drawn
    from tests.pngcheck import png_dimensions

    assert [drawn(n) for n in (0, 1, 4, 5, 17)] == [(5, "<5"), (5, "<5"), (5, "<5"), (5, "5"),
                                                    (15, "15")]  # rounded to 5 (issue 15)
    report = stats.Report(date(2026, 11, 25), date(2026, 12, 1), total=31,
                          per_day=(0, 1, 12, 4, 3, 5, 6),
                          sections=(("colorectal", 12), ("urgent", 3), ("breast", 1)))
    svg = chart_svg(services.renderer, report)
    labels = re.findall(r">([^<>]*)</text>", svg)
    counts = [t for t in labels if re.fullmatch(r"&lt;5|\d+", t)]
    assert counts == ["&lt;5", "&lt;5", "10", "&lt;5", "&lt;5", "5", "5", "10"]
    heights = re.findall(r'<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="([\d.]+)" '
                         r'fill="#1565c0"', svg)
    # 0, 1, 4, 3 drawn as tall as 5: not even "nobody" can be told from "a few"
    assert heights[0] == heights[1] == heights[3] == heights[4] == heights[5]
    assert "Bowel cancer" in svg  # names, without the emoji the font lacks...
    assert "When to get help urgently" not in svg  # ...but none read fewer than 5 times
    assert "30 interactions" in svg
    width, _ = png_dimensions(chart_png(services.renderer, report))
    assert width == 1000


async def test_admin_gets_the_chart_after_the_figures(app: Any, request_: RecordingRequest
                                                      ) -> None:
    from tests.pngcheck import png_dimensions

    seed(services_of(app).usage)  # type: ignore[arg-type]
    await feed(app, from_user("/stats", ADMIN))
    methods = [c.method for c in request_.calls if c.method in ("sendMessage", "sendPhoto")]
    assert methods == ["sendMessage", "sendPhoto"]
    (photo,) = request_.sent("sendPhoto")
    assert png_dimensions(photo.params["photo"]["data"])[0] >= 800
    assert "most-read sections" in photo.params["caption"]
    await feed(app, from_user("/stats", 1001))  # not an admin: no chart either
    assert len(request_.sent("sendPhoto")) == 1
