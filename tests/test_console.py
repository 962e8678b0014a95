"""``python -m bot console``: the real bot in a terminal, driven through stdin and stdout."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from telegram.error import BadRequest

from bot.app import build_application
from bot.config import Settings
from bot.console.chat import DUMMY_TOKEN, USER, Console, console_settings
from bot.console.request import ConsoleRequest
from bot.console.terminal import to_terminal
from bot.context import Services
from tests.consoleproc import HANG_GUARD, ConsoleSession, console_env, parse_buttons

STRINGS = yaml.safe_load((Settings(token="").templates_dir / "console.yaml").read_text("utf-8"))


def plain(html: str) -> str:
    """A message as the console prints it when stdout is not a terminal."""
    return to_terminal(html, color=False)


def test_a_conversation_goes_through_the_real_handlers(tmp_path: Path,
                                                       services: Services) -> None:
    views, content, label = services.views, services.content, services.renderer.label
    session = ConsoleSession(tmp_path)
    try:
        assert "Type /start" in session.intro
        welcome = session.send("/start")
        assert welcome.text.startswith("\n── bot ──\n")
        assert plain(views.welcome.html) in welcome.text
        assert "Hello. I'm here to help." in welcome.text
        assert list(welcome.buttons) == [s.label for s in content.top]

        treatment = session.send(welcome.press("Treatment"))
        assert "── bot (edited its message) ──" in treatment.text
        assert plain(views.section("treatment").html) in treatment.text
        assert "Treatment: an overview" in treatment.text

        bowel = session.send(treatment.press(content.sections["colorectal"].label))
        assert "Bowel (colorectal) cancer that has spread to the liver" in bowel.text
        assert plain(views.section("colorectal").html) in bowel.text
        surgery = session.send(bowel.press(content.sections["colorectal_surgery"].label))
        assert plain(views.section("colorectal_surgery").html) in surgery.text

        back = session.send(surgery.press(label("back")))
        assert plain(views.section("colorectal").html) in back.text
        back = session.send(back.press(label("back")))
        assert "Treatment: an overview" in back.text
        menu = session.send(back.press(label("main_menu")))
        assert plain(views.menu.html) in menu.text
        assert list(menu.buttons) == [s.label for s in content.top]

        term = session.send("/glossary afp")
        assert "── bot ──" in term.text
        assert "📖 Alpha-fetoprotein (AFP)" in term.text
        assert plain(views.term("afp").html) in term.text

        urgent = session.send("/urgent")
        assert plain(views.section("urgent").html) in urgent.text

        free = session.send("is this serious?")  # free text is a search; nothing matches
        assert plain(services.search_views.none.html) in free.text
        assert list(free.buttons) == [s.label for s in content.top]

        code, out, err = session.finish("/quit")
        assert (code, out.strip(), err) == (0, "/quit\nBye.", "")
    finally:
        session.close()


def test_piped_input_is_plain_text_and_ends_at_end_of_input(tmp_path: Path,
                                                            services: Services) -> None:
    typed = "1\n\n/start\n42\n/frobnicate\n"  # no /quit: the end of input leaves, like Ctrl-D
    result = subprocess.run([sys.executable, "-m", "bot", "console"], input=typed, text=True,
                            capture_output=True, cwd=tmp_path, env=console_env(tmp_path),
                            timeout=HANG_GUARD, check=False)
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "you> 1\nThere are no buttons to press yet. Type /start to begin." in out
    assert "you> 42\nThere is no button 42: the last buttons are numbered 1 to 11." in out
    assert plain(services.views.unknown.html) in out.split("you> /frobnicate")[1]
    assert out.rstrip().endswith("Bye.")
    assert "\x1b" not in out
    assert DUMMY_TOKEN not in out + result.stderr
    assert "admin" not in out
    assert result.stderr == ""


def _run_on_a_terminal(tmp_path: Path, typed: str, **env: str) -> str:
    """Run the console with its stdout on a pseudo-terminal; everything it printed."""
    leader, follower = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "bot", "console", "--admin"],
                               cwd=tmp_path, env=console_env(tmp_path, TERM="xterm", **env),
                               stdin=subprocess.PIPE, stdout=follower, stderr=subprocess.PIPE)
    os.close(follower)
    try:
        process.communicate(typed.encode(), timeout=HANG_GUARD)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal is closed once the console has exited
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(leader)
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0
    return b"".join(chunks).decode().replace("\r\n", "\n")


def test_a_terminal_gets_bold_and_italic_unless_no_color(tmp_path: Path) -> None:
    styled = _run_on_a_terminal(tmp_path, "/start\n/quit\n")
    assert "\x1b[1mHello. I'm here to help.\x1b[0m" in styled
    assert "\x1b[3mThis is general information" in styled
    assert "You are an admin in this chat" in styled  # --admin
    plain_out = _run_on_a_terminal(tmp_path, "/start\n/quit\n", NO_COLOR="1")
    assert "\x1b" not in plain_out
    assert "Hello. I'm here to help." in plain_out


def test_admin_flag_adds_only_the_console_user_to_the_admins() -> None:
    settings = Settings(token="", admin_ids=frozenset({5}))
    assert console_settings(settings, admin=True).admin_ids == {5, USER["id"]}
    assert console_settings(settings, admin=False).admin_ids == {5}
    assert console_settings(settings, admin=False).token == DUMMY_TOKEN


@pytest.fixture
async def console(services: Services) -> Any:
    """A console around the real Application, printing into a string buffer."""
    request = ConsoleRequest()
    app = build_application(console_settings(Settings(token=""), admin=False), request=request,
                            services=services)
    out = io.StringIO()
    async with app:
        yield Console(app, request, STRINGS, stdout=out, color=False), out


async def test_an_old_button_gets_the_stale_answer_and_a_new_menu(console: Any,
                                                                  services: Services) -> None:
    chat, out = console
    await chat.handle("/start")
    message = chat.request.messages[chat.buttons_on]
    message.keyboard = {"inline_keyboard": [[{"text": "old", "callback_data": "0|s|gone|1"}]]}
    out.truncate(0)
    await chat.handle("1")
    shown = out.getvalue()
    assert f"(pop-up) {services.renderer.label('stale_answer')}" in shown
    assert plain(services.views.stale.html) in shown
    assert list(parse_buttons(shown)) == [s.label for s in services.content.top]


async def test_url_and_other_buttons_are_explained_not_pressed(console: Any) -> None:
    chat, out = console
    await chat.handle("/start")
    chat.request.messages[chat.buttons_on].keyboard = {"inline_keyboard": [[
        {"text": "Site", "url": "https://example.org"},
        {"text": "Share", "switch_inline_query": "x"}]]}
    await chat.handle("1")
    await chat.handle("2")
    assert out.getvalue().endswith(
        "That button opens https://example.org in a web browser.\n"
        "That button only works inside Telegram.\n")


async def test_request_refuses_edits_like_telegram(console: Any) -> None:
    chat, _ = console
    bot = chat.app.bot
    sent = await bot.send_message(USER["id"], "<b>hi</b>")
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("<b>hi</b>", chat_id=USER["id"], message_id=sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=USER["id"], message_id=9999)
    await bot.edit_message_text("<i>new</i>", chat_id=USER["id"], message_id=sent.message_id)
    assert [s.kind for s in chat.request.take_shown()] == ["sent", "edited"]
    assert chat.request.messages[sent.message_id].html == "<i>new</i>"


async def test_a_picture_is_shown_as_its_caption_before_the_text(console: Any,
                                                                 services: Services) -> None:
    chat, out = console
    await chat.handle("/spread")
    shown = out.getvalue()
    caption = services.pictures.for_section("spread")
    assert caption is not None
    picture = STRINGS["picture"].format(caption=plain(caption.caption))
    assert picture.startswith("[picture: How cancer cells can reach the liver")
    assert shown.index(picture) < shown.index(plain(services.views.section("spread").html))
    messages = list(chat.request.messages.values())
    file_id = messages[0].photo[0]["file_id"]
    await chat.handle("/spread_artery")  # the same picture: sent again by its file_id
    assert [m.photo[0]["file_id"] for m in chat.request.messages.values() if m.photo] == [
        file_id, file_id]
