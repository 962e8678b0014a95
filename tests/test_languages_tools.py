"""Issue 14 in the tools: console ``--lang``, the preview per language, privacy in any language."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.app import build_services
from bot.config import Settings
from bot.console.terminal import to_terminal
from bot.content.keyboards import encode
from bot.context import Services, services_of
from bot.review.preview import build_preview
from bot.usage.log import UsageLog
from tests.consoleproc import HANG_GUARD, console_env
from tests.fakeapi import (
    callback_update,
    group_chat,
    inline_query_update,
    make_message,
    message_update,
    private_chat,
    user,
)
from tests.recording import BOT_USER, RecordingRequest, application, feed
from tests.test_preview import Page
from tests.test_privacy import needles, scan
from tests.usagekit import rows

ALL = ("en", "ru", "zh-Hans")
TOKEN = "123456:TEST-token-not-real_abcdefghijklmnop"


@pytest.fixture(scope="module")
def many() -> Services:
    return build_services(Settings(token="", languages=ALL))


def test_console_speaks_the_language_asked_for(tmp_path: Path, many: Services) -> None:
    result = subprocess.run([sys.executable, "-m", "bot", "console", "--lang", "ru"],
                            input="/start\n/breast\n", text=True, capture_output=True,
                            cwd=tmp_path, env=console_env(tmp_path), timeout=HANG_GUARD,
                            check=False)
    assert result.returncode == 0, result.stderr
    russian = many.in_language("ru").views
    assert to_terminal(russian.welcome.html, color=False) in result.stdout
    breast = russian.section("breast")
    assert breast is not None
    assert to_terminal(breast.html, color=False) in result.stdout
    bad = subprocess.run([sys.executable, "-m", "bot", "console", "--lang", "de"], text=True,
                         capture_output=True, cwd=tmp_path, env=console_env(tmp_path),
                         timeout=HANG_GUARD, check=False)
    assert bad.returncode == 2
    assert "expected one of en, ru, zh-Hans" in bad.stderr


def test_preview_shows_each_translation_beside_its_english(tmp_path: Path,
                                                           many: Services) -> None:
    build_preview(Settings(token=""), tmp_path)
    assert '<html lang="en">' in (tmp_path / "index.html").read_text("utf-8")
    assert "ru/index.html" in Page(tmp_path / "index.html").links
    for lang in ("ru", "zh-Hans"):
        site = tmp_path / lang
        bundle = many.in_language(lang)
        for section_id in bundle.renderer.pages:
            path = site / f"section-{section_id}.html"
            text = path.read_text("utf-8")
            assert text.startswith(f'<!DOCTYPE html>\n<html lang="{lang}">')
            translated, english = bundle.views.section(section_id), many.views.section(
                section_id)
            assert translated is not None
            assert english is not None
            assert translated.html in text
            assert english.html in text  # the English original, beside it
            assert "button broken" not in text
            assert "reviews:" in text  # where a clinician's sign-off goes
            for href in Page(path).links:
                file, _, anchor = href.partition("#")
                if file and not file.startswith(("http", "data:")):
                    target = (site / file).resolve()
                    assert target.is_file(), f"{path.name}: {href}"
                    if anchor:
                        assert anchor in Page(target).ids, f"{path.name}: {href}"


PATIENT, DAUGHTER, GROUP = 918_273_645_519, 7_364_519_028_113, -1_007_766_554_433_221
TEXTS = ("у моей мамы Ефросиньи опухоль в печени", "我父亲张伟吐血了", "zymurgical квазар")


async def test_nothing_identifying_stored_after_a_multilingual_session(tmp_path: Path,
                                                                       many: Services) -> None:
    settings = Settings(token=TOKEN, db_path=tmp_path / "usage.sqlite3", languages=ALL)
    app = application(settings, many, RecordingRequest())
    patient = user(PATIENT, "Ефросинья", "efrosinya_lantern", "ru-RU")
    daughter = user(DAUGHTER, "张丽", "zhang_li_watch", "zh-TW")
    mine, group = private_chat(PATIENT), group_chat(GROUP, title="Семья Ивановых")
    bot_message = make_message(chat=mine, from_user=BOT_USER, message_id=48_151_623, text="x")
    session: list[dict[str, Any]] = [
        message_update("/start", chat=mine, from_user=patient),
        message_update("/breast", chat=mine, from_user=patient),
        message_update(TEXTS[0], chat=mine, from_user=patient),
        callback_update(encode("s", "spread", 1, "ru"), message=bot_message, from_user=patient),
        callback_update(encode("s", "spread"), message=bot_message, from_user=patient),
        message_update("/language zh-Hans", chat=mine, from_user=patient),
        message_update(f"/search@LiverTestBot {TEXTS[1]}", chat=group, from_user=daughter),
        message_update(f"/glossary@LiverTestBot {TEXTS[2]}", chat=group, from_user=daughter),
        inline_query_update(TEXTS[1], from_user=daughter),
    ]
    async with app:
        await app.post_init(app)  # type: ignore[misc]
        for number, raw in enumerate(session):
            await feed(app, {"update_id": 77_000_001 + number} | raw)
        usage = services_of(app).usage
        assert isinstance(usage, UsageLog)
        assert await usage.flush()
        forbidden = needles(usage.uniques.key, [usage.uniques.digest(i)
                                                for i in (PATIENT, DAUGHTER)])
        for text in (*TEXTS, "Ефросинья", "efrosinya_lantern", "张丽", "zhang_li_watch",
                     "Семья Ивановых", "Ефросиньи", "张伟"):
            forbidden[repr(text)] = text.encode()
        for number in (PATIENT, DAUGHTER, GROUP):
            forbidden[str(number)] = str(number).encode()
        await app.post_shutdown(app)  # type: ignore[misc]
    assert scan(settings.db_path, forbidden) == []
    # The session was recorded, with the language of each answer.
    languages = {language for (language,) in rows(
        settings.db_path, "SELECT DISTINCT language FROM languages")}
    assert languages == {"ru", "zh", "en"}  # answered in; "en": the English button pressed


def test_languages_benchmark_smoke_run(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks import languages

    assert languages.main(["--rounds", "1"]) == 0
    out = capsys.readouterr().out
    assert "start-up, en, ru, zh-Hans:" in out
    for lang in ALL:
        assert f"search, {lang} (" in out
