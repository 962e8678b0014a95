"""``python -m bot console``: chat with the real bot in a terminal, without Telegram.

The Application is built exactly as ``python -m bot run`` builds it, but with
:class:`bot.console.request.ConsoleRequest` in place of the HTTP client, so what you type goes
through the same handlers, templates and content. Each line becomes an update: text (a message,
with a ``bot_command`` entity for ``/commands``) or a number (a tap on that button of the bot's
last message that had buttons). What the bot sends or edits is printed, buttons numbered.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import logging
import threading
import time
from collections.abc import Callable, Mapping
from queue import SimpleQueue
from typing import Any, TextIO

import yaml
from telegram import Update
from telegram.ext import Application

from bot.app import build_application
from bot.config import Settings
from bot.console.request import ChatMessage, ConsoleRequest, Shown
from bot.console.terminal import to_terminal, use_color
from bot.logs import setup_logging

# Never sent anywhere: the in-process request ignores it, but the Application needs one.
DUMMY_TOKEN = "1:console-no-token"
USER: dict[str, Any] = {"id": 100001, "is_bot": False, "first_name": "You", "language_code": "en"}
CHAT: dict[str, Any] = {"id": USER["id"], "type": "private", "first_name": "You"}
QUIT = "/quit"


def console_settings(settings: Settings, *, admin: bool) -> Settings:
    """``settings`` with the dummy token, and the console user made an admin if asked."""
    admins = settings.admin_ids | {USER["id"]} if admin else settings.admin_ids
    return dataclasses.replace(settings, token=DUMMY_TOKEN, admin_ids=frozenset(admins))


def run_console(settings: Settings, *, admin: bool, stdin: TextIO, stdout: TextIO,
                env: Mapping[str, str], lang: str | None = None) -> int:
    """Build the bot around an in-process Bot API and chat until ``/quit`` or end of input.

    ``lang`` (``--lang ru``) serves that language too and makes it the console app's language.
    """
    settings = console_settings(settings, admin=admin)
    if lang:
        settings = dataclasses.replace(settings, languages=(*settings.languages, lang))
    setup_logging(logging.WARNING, secrets=(settings.token,))
    strings = yaml.safe_load((settings.templates_dir / "console.yaml").read_text("utf-8"))
    request = ConsoleRequest()
    app = build_application(settings, request=request)
    console = Console(app, request, strings, stdout=stdout, color=use_color(stdout, env),
                      language_code=lang or "en")
    read = _tty_reader(strings["prompt"]) if stdin.isatty() else _pipe_reader(
        stdin, stdout, strings["prompt"])
    try:
        asyncio.run(console.run(_LineReader(read), admin=admin))
    except KeyboardInterrupt:  # Ctrl-C: the Application was shut down on the way out
        console.say("\n" + strings["bye"])
    return 0


class Console:
    """Turns typed lines into updates for the Application and prints what the bot shows."""

    def __init__(self, app: Application, request: ConsoleRequest,  # type: ignore[type-arg]
                 strings: dict[str, str], *, stdout: TextIO, color: bool,
                 language_code: str = "en") -> None:
        self.app = app
        self.user = {**USER, "language_code": language_code}  # the console app's language
        self.request = request
        self.strings = strings
        self.stdout = stdout
        self.color = color
        self.buttons_on: int | None = None  # id of the bot's last message that had buttons
        self._update_ids = itertools.count(1)

    async def run(self, reader: _LineReader, *, admin: bool = False) -> None:
        """Start the Application as ``run`` does, chat, then shut it down cleanly."""
        app = self.app
        await app.initialize()
        try:
            if app.post_init:
                await app.post_init(app)
            await app.start()
            self.say(self.strings["intro"])
            if admin:
                self.say(self.strings["admin"])
            while (line := await reader.read()) and line.strip() != QUIT:
                await self.handle(line.strip())
            self.say(self.strings["bye"])
        finally:
            if app.running:
                await app.stop()
            if app.post_stop:
                await app.post_stop(app)
            await app.shutdown()
            if app.post_shutdown:
                await app.post_shutdown(app)

    async def handle(self, line: str) -> None:
        """Send one typed line to the bot and show the answer."""
        if not line:
            return
        pressed = line.isascii() and line.isdigit()
        raw = self._press(int(line)) if pressed else self._message(line)
        if raw is not None:
            await self.app.process_update(Update.de_json(raw, self.app.bot))
        for shown in self.request.take_shown():
            self.show(shown)

    def show(self, shown: Shown) -> None:
        """Print a new or edited message with its numbered buttons, or a button's pop-up."""
        if shown.message is None:
            self.say(self.strings["notice"].format(text=shown.text))
            return
        message = shown.message
        if shown.kind == "picture":  # a terminal shows what the picture shows, in words
            self.say(self.strings["sent"])
            self.say(self.strings["picture"].format(
                caption=to_terminal(message.html, color=self.color)))
            return
        self.say(self.strings[shown.kind])
        self.say(to_terminal(message.html, color=self.color))
        if message.keyboard:
            self.buttons_on = message.message_id
            self.say("\n" + self._keyboard_text(message.keyboard))
        elif message.message_id == self.buttons_on:  # an edit took the buttons away
            self.buttons_on = max((m.message_id for m in self.request.messages.values()
                                   if m.keyboard), default=None)

    def say(self, text: str) -> None:
        """Print one block of console output."""
        print(text, file=self.stdout, flush=True)

    def _keyboard_text(self, keyboard: dict[str, Any]) -> str:
        numbers = itertools.count(1)
        lines = []
        for row in keyboard["inline_keyboard"]:
            shown = [self._button_text(next(numbers), button) for button in row]
            lines.append(self.strings["button_indent"] + self.strings["button_gap"].join(shown))
        return "\n".join(lines)

    def _button_text(self, number: int, button: dict[str, Any]) -> str:
        if button.get("url"):
            return self.strings["url_button"].format(number=number, label=button["text"],
                                                     url=button["url"])
        return self.strings["button"].format(number=number, label=button["text"])

    def _press(self, number: int) -> dict[str, Any] | None:
        """A callback query for button ``number``, or None (with a hint) if there is none."""
        message = self.request.messages.get(self.buttons_on or 0)
        if message is None or not message.keyboard:
            self.say(self.strings["no_buttons"])
            return None
        buttons = [b for row in message.keyboard["inline_keyboard"] for b in row]
        if not 1 <= number <= len(buttons):
            self.say(self.strings["no_such_button"].format(number=number, count=len(buttons)))
            return None
        button = buttons[number - 1]
        if button.get("url"):
            self.say(self.strings["url_pressed"].format(url=button["url"]))
            return None
        if "callback_data" not in button:
            self.say(self.strings["other_pressed"])
            return None
        return self._callback(message, button["callback_data"])

    def _callback(self, message: ChatMessage, data: str) -> dict[str, Any]:
        update_id = next(self._update_ids)
        return {"update_id": update_id, "callback_query": {
            "id": str(update_id), "from": self.user, "chat_instance": "console", "data": data,
            "message": message.as_json()}}

    def _message(self, text: str) -> dict[str, Any]:
        message: dict[str, Any] = {"message_id": self.request.next_id(), "date": int(time.time()),
                                   "chat": CHAT, "from": self.user, "text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            message["entities"] = [{"type": "bot_command", "offset": 0,
                                    "length": len(command.encode("utf-16-le")) // 2}]
        return {"update_id": next(self._update_ids), "message": message}


class _LineReader:
    """Reads lines on a daemon thread, so the event loop keeps running while you type.

    A daemon thread (unlike ``asyncio.to_thread``) never holds up the exit on Ctrl-C.
    """

    def __init__(self, read: Callable[[], str]) -> None:
        self._read = read
        self._wanted: SimpleQueue[tuple[asyncio.AbstractEventLoop, asyncio.Future[str]]] = (
            SimpleQueue())
        threading.Thread(target=self._serve, name="console-input", daemon=True).start()

    async def read(self) -> str:
        """The next line, or ``""`` at the end of input."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[str] = loop.create_future()
        self._wanted.put((loop, future))
        return await future

    def _serve(self) -> None:
        while True:
            loop, future = self._wanted.get()
            try:
                line = self._read()
            except Exception as exc:  # handed to the awaiting coroutine, raised there
                loop.call_soon_threadsafe(_settle, future, None, exc)
            else:
                loop.call_soon_threadsafe(_settle, future, line, None)


def _settle(future: asyncio.Future[str], line: str | None, exc: BaseException | None) -> None:
    if future.done():
        return
    if exc is not None:
        future.set_exception(exc)
    else:
        future.set_result(line or "")


def _tty_reader(prompt: str) -> Callable[[], str]:
    """``input()`` with line editing and history; Ctrl-D gives the end of input."""
    import readline  # noqa: F401  (importing it turns on editing for input())

    def read() -> str:
        try:
            return input(prompt) + "\n"
        except EOFError:
            print()
            return ""

    return read


def _pipe_reader(stdin: TextIO, stdout: TextIO, prompt: str) -> Callable[[], str]:
    """Lines from a pipe or file, echoed after the prompt so the transcript reads as a chat."""

    def read() -> str:
        print(prompt, end="", file=stdout, flush=True)
        line = stdin.readline()
        print(line.rstrip("\n"), file=stdout, flush=True)
        return line

    return read

