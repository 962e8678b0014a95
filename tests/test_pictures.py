"""Pictures (issue 18): SVG in content/, rendered to PNG once, sent before the section text."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from telegram import Bot, InputFile
from telegram.error import BadRequest

from bot.content.loader import ContentError, load_content
from bot.content.markdown import visible_length
from bot.content.pictures import MAX_CAPTION, fonts_available, png_size, render_svg
from bot.context import Services
from tests.botproc import BotProcess
from tests.fakeapi import Call, FakeBotAPI, callback_update, message_update, private_chat
from tests.pngcheck import png_dimensions, tiny_png
from tests.test_cli import _run
from tests.test_content import CONTENT

ROUTES = {"spread", "spread_portal", "spread_artery"}
POSITION = {"overview", "symptoms"}
MARK = "Drawn by the bot's editors; a simplified diagram"


def test_both_pictures_render_once_as_valid_wide_pngs(services: Services) -> None:
    pictures = services.pictures
    assert pictures.sections() == {**dict.fromkeys(ROUTES, "blood_routes"),
                                   **dict.fromkeys(POSITION, "liver_position")}
    assert pictures.for_section("spread") is pictures.for_section("spread_artery")  # one render
    for name, picture in pictures.by_name().items():
        assert png_dimensions(picture.png) == (picture.width, picture.height), name
        assert picture.width >= 800, name
        assert MARK in picture.caption, name
        assert visible_length(picture.caption) <= MAX_CAPTION, name


def test_captions_say_in_words_what_the_pictures_show(services: Services) -> None:
    routes = services.pictures.by_name()["blood_routes"].caption
    for words in ("portal vein", "hepatic artery", "stomach", "bowel", "lung", "breast", "heart"):
        assert words in routes, words
    position = services.pictures.by_name()["liver_position"].caption
    for words in ("upper right", "ribs", "diaphragm", "gallbladder", "stomach", "your right"):
        assert words in position, words
    assert "medlineplus.gov" in position  # the sources it follows


def test_labels_are_drawn_with_a_real_font() -> None:
    """With the shipped fonts only (system fonts are skipped), Latin and Cyrillic are drawn."""
    assert fonts_available()
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="100" height="50">'
           '<text x="5" y="30" font-size="20">{}</text></svg>')
    assert render_svg(svg.format("Liver"), 800) != render_svg(svg.format(""), 800)
    assert render_svg(svg.format("Печень"), 800) != render_svg(svg.format(""), 800)
    assert png_size(render_svg(svg.format("x"), 800)) == (800, 400)


@pytest.mark.parametrize(("old", "new", "message"), [
    ("file: images/blood_routes.svg", "file: images/missing.svg", "is not an .svg file"),
    ("file: images/blood_routes.svg", "file: ../../pyproject.toml", "is not an .svg file"),
    ("  caption: >-", "  capture: >-", "needs a 'caption'"),
])
def test_broken_picture_references_are_reported(tmp_path: Path, old: str, new: str,
                                                message: str) -> None:
    folder = tmp_path / "en"
    shutil.copytree(CONTENT, folder)
    page = folder / "spread.md"
    page.write_text(page.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ContentError, match=re.escape(message)):
        load_content(folder)


async def _ask(fake: FakeBotAPI, text: str, chat_id: int = 1001) -> tuple[Call | None, Call]:
    """Send ``text``; the bot's sendPhoto (if any, before the text) and its sendMessage."""
    mark = fake.mark()
    fake.push_update(message_update(text, chat=private_chat(chat_id)))
    answer = await fake.wait_for("sendMessage", lambda c: c.ok, after=mark)
    photos = [c for c in fake.calls[mark:] if c.method == "sendPhoto" and c.ok]
    assert len(photos) <= 1
    return (photos[0] if photos else None), answer


async def test_pictures_are_uploaded_once_then_sent_by_file_id(fake: FakeBotAPI,
                                                               bot: BotProcess) -> None:
    photo, text = await _ask(fake, "/spread")
    assert photo is not None
    assert photo.ok
    assert fake.calls.index(photo) < fake.calls.index(text)  # the picture comes first
    upload = photo.params["photo"]
    assert isinstance(upload, dict)
    assert upload["filename"] == "blood_routes.png"
    width, _ = png_dimensions(upload["data"])
    assert width >= 800
    assert "portal vein" in photo.result["caption"]
    assert MARK in photo.result["caption"]
    file_id = photo.result["photo"][-1]["file_id"]
    assert text.result["text"].startswith("How cancer spreads to the liver")

    again, _ = await _ask(fake, "/spread_artery", chat_id=2002)  # another chat, same picture
    assert again is not None
    assert again.ok
    assert again.params["photo"] == file_id  # reused: nothing uploaded
    assert len(fake.photos.uploads) == 1

    other, _ = await _ask(fake, "/overview")
    assert other is not None
    assert other.params["photo"]["filename"] == "liver_position.png"
    assert "upper right" in other.result["caption"]
    assert len(fake.photos.uploads) == 2

    none, _ = await _ask(fake, "/colorectal")
    assert none is None  # a section without a picture is text only


async def test_a_refused_file_id_is_uploaded_again(fake: FakeBotAPI, bot: BotProcess) -> None:
    first, _ = await _ask(fake, "/symptoms")
    assert first is not None
    assert first.ok
    fake.photos.by_file_id.clear()  # as if Telegram no longer knew the file
    mark = fake.mark()
    upload, text = await _ask(fake, "/overview")
    refused = [c for c in fake.calls[mark:] if c.method == "sendPhoto" and not c.ok]
    assert len(refused) == 1
    assert isinstance(refused[0].params["photo"], str)
    assert upload is not None
    assert isinstance(upload.params["photo"], dict)
    assert fake.calls.index(upload) < fake.calls.index(text)
    assert "What is secondary liver cancer?" in text.result["text"]
    assert len(fake.photos.uploads) == 2


async def test_a_button_to_a_picture_section_sends_the_picture_then_the_page(
        fake: FakeBotAPI, bot: BotProcess) -> None:
    await _ask(fake, "/causes")
    message = fake.last_message(1001)
    data = next(b["callback_data"] for row in message["reply_markup"]["inline_keyboard"]
                for b in row if b["text"] == "How it spreads")
    mark = fake.mark()
    fake.push_update(callback_update(data, message=message))
    text = await fake.wait_for("sendMessage", lambda c: c.ok, after=mark)
    photos = [c for c in fake.calls[mark:] if c.method == "sendPhoto" and c.ok]
    assert len(photos) == 1
    assert fake.calls.index(photos[0]) < fake.calls.index(text)
    assert text.result["text"].startswith("How cancer spreads to the liver")
    assert not [c for c in fake.calls[mark:] if c.method == "editMessageText"]


async def test_the_fake_api_checks_photos_as_telegram_does(fake: FakeBotAPI) -> None:
    bot = Bot("123:FAKE", base_url=fake.base_url)
    async with bot:
        sent = await bot.send_photo(5, InputFile(tiny_png(1600, 900), filename="a.png"),
                                    caption="<b>A</b> picture", parse_mode="HTML")
        assert [(s.width, s.height) for s in sent.photo] == [(320, 180), (1280, 720)]
        assert sent.caption == "A picture"
        again = await bot.send_photo(5, sent.photo[0].file_id)
        assert again.photo[-1].file_id == sent.photo[-1].file_id
        with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
            await bot.send_photo(5, "no-such-file")
        with pytest.raises(BadRequest, match=r"(?i)image_process_failed"):
            await bot.send_photo(5, InputFile(b"GIF89a not a png", filename="b.png"))
        with pytest.raises(BadRequest, match=r"(?i)caption is too long"):
            await bot.send_photo(5, sent.photo[0].file_id, caption="x" * 1025)
    assert len(fake.photos.uploads) == 1


@pytest.mark.parametrize(("edit", "message"), [
    (lambda svg, md: (svg.replace("</svg>", "<rect"), md), "blood_routes.svg: cannot be rendered"),
    (lambda svg, md: (svg, md.replace("  caption: >-\n", "  caption: >-\n    " + "long " * 210
                                      + "\n", 1)), "blood_routes.svg: caption is"),
])
def test_check_validates_each_picture(tmp_path: Path, edit: Any, message: str) -> None:
    folder = tmp_path / "en"
    shutil.copytree(CONTENT, folder)
    svg_path, md_path = folder / "images" / "blood_routes.svg", folder / "spread.md"
    svg, md = edit(svg_path.read_text(encoding="utf-8"), md_path.read_text(encoding="utf-8"))
    svg_path.write_text(svg, encoding="utf-8")
    md_path.write_text(md, encoding="utf-8")
    result = _run("check", "--content", str(folder), cwd=tmp_path)
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr


async def test_moving_between_sections_of_one_picture_does_not_repeat_it(
        fake: FakeBotAPI, bot: BotProcess) -> None:
    await _ask(fake, "/spread")
    message = fake.last_message(1001)
    data = next(b["callback_data"] for row in message["reply_markup"]["inline_keyboard"]
                for b in row if b["text"] == "Through the portal vein")
    mark = fake.mark()
    fake.push_update(callback_update(data, message=message))
    edit = await fake.wait_for("editMessageText", lambda c: c.ok, after=mark)
    assert "Spread through the portal vein" in edit.result["text"]
    assert not [c for c in fake.calls[mark:] if c.method == "sendPhoto"]
