"""The update mix of the load benchmark: what thousands of people would send the bot at once.

Built from the bot's own content and keyboards (``build_services``), so commands, deep links and
button taps carry exactly what the real bot would receive: section commands, ``/start
<section_id>`` links, callback data read from every pre-rendered screen's keyboard, tapped on a
copy of that screen (text, entities and keyboard, as Telegram sends it back). Inline queries use
the sections' keywords; free-text questions are what worried people type. Updates come from many
private chats and family groups; now and then one chat sends two updates back to back (a double
tap), which is where per-chat ordering matters.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from bot.app import build_services
from bot.config import Settings
from tests.fakeapi import parse_html  # Telegram's HTML-to-entities rules, shared with the tests

BOT_ID = 7000001
BOT_USERNAME = "MetLiverBenchBot"
BOT_USER: dict[str, Any] = {"id": BOT_ID, "is_bot": True, "first_name": "Liver info",
                            "username": BOT_USERNAME}
GET_ME = BOT_USER | {"can_join_groups": True, "can_read_all_group_messages": False,
                     "supports_inline_queries": True}
# How often each kind of update occurs, per 100.
MIX = {"button": 30, "command": 16, "deep_link": 8, "text": 14, "inline": 10,
       "group_command": 10, "group_button": 12}
DOUBLE_TAP = 0.05  # share of updates followed at once by another one from the same chat
PRIVATE_CHATS = 5000
GROUPS = 300
DATE = 1_760_000_000
QUESTIONS = (
    "what does it mean if cancer has spread to the liver",
    "Is secondary liver cancer curable?",
    "my mum has bowel cancer and now spots on the liver, what now",
    "how long do people live with liver metastases",
    "what is a CT scan",
    "can they operate on the liver",
    "thank you",
    "hello?",
)
LANGUAGES = ("en", "en", "en", "en", "de", "fr", "es", "it", "pt-br", None)


@dataclass(frozen=True)
class Screen:
    """A message the bot sends, as Telegram echoes it: plain text, entities, keyboard."""

    text: str
    entities: list[dict[str, Any]]
    keyboard: dict[str, Any]
    buttons: tuple[str, ...]


class Workload:
    """Builds the updates; deterministic for a given seed."""

    def __init__(self, seed: int = 1) -> None:
        self.rng = random.Random(seed)
        services = build_services(Settings(token="1:benchmark"))
        content = services.content
        self.commands = ["start", "menu", "help", "privacy", "glossary"]
        self.commands += [s.command for s in content.sections.values()]
        self.terms = [t.term for t in content.terms.values()]
        self.sections = list(content.sections)
        self.keywords = sorted({k for s in content.sections.values() for k in s.keywords})
        self.screens = [_screen(view.html, view.keyboard.to_dict())
                        for view in services.views.screens().values() if view.keyboard]
        self._ids = iter(range(1, 10**9))

    def build(self, count: int) -> list[dict[str, Any]]:
        """``count`` items ``{"kind": ..., "update": {...}}`` (update ids are set on release)."""
        kinds, weights = list(MIX), list(MIX.values())
        items: list[dict[str, Any]] = []
        while len(items) < count:
            kind = self.rng.choices(kinds, weights)[0]
            group = kind.startswith("group_")
            chat = self._group() if group else self._private()
            member = self._user(self.rng.randrange(PRIVATE_CHATS)) if group else None
            items.append(self.item(kind, chat, member))
            if self.rng.random() < DOUBLE_TAP and len(items) < count:
                again = "group_button" if group else self.rng.choice(("button", "command"))
                items.append(self.item(again, chat, member))
        return items

    def warmup(self, per_kind: int = 3) -> list[dict[str, Any]]:
        """A few updates of every kind, each in its own chat, sent before measuring."""
        items = []
        for kind in MIX:
            for _ in range(per_kind):
                group = kind.startswith("group_")
                chat = self._group() if group else self._private()
                member = self._user(self.rng.randrange(PRIVATE_CHATS)) if group else None
                items.append(self.item(kind, chat, member))
        return items

    def item(self, kind: str, chat: dict[str, Any], member: dict[str, Any] | None
             ) -> dict[str, Any]:
        """One update of ``kind`` in ``chat`` (from ``member`` in a group)."""
        sender = member or self._user(chat["id"])
        if kind in ("button", "group_button"):
            update = {"callback_query": self._tap(chat, sender)}
        elif kind == "inline":
            update = {"inline_query": {"id": str(next(self._ids)), "from": sender,
                                       "query": self.rng.choice(self.keywords), "offset": "",
                                       "chat_type": "sender"}}
        else:
            update = {"message": self._message(kind, chat, sender)}
        return {"kind": kind, "update": update}

    def _message(self, kind: str, chat: dict[str, Any], sender: dict[str, Any]
                 ) -> dict[str, Any]:
        if kind == "text":
            text = self.rng.choice(QUESTIONS)
        elif kind == "deep_link":
            text = "/start " + self.rng.choice(self.sections)
        else:
            command = self.rng.choice(self.commands)
            if command == "glossary" and self.rng.random() < 0.5:
                command += " " + self.rng.choice(self.terms).lower()
            text = "/" + command
            if kind == "group_command":
                name, _, rest = text.partition(" ")
                text = f"{name}@{BOT_USERNAME}" + (f" {rest}" if rest else "")
        message: dict[str, Any] = {"message_id": next(self._ids), "date": DATE, "chat": chat,
                                   "from": sender, "text": text}
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0,
                                    "length": len(text.split()[0])}]
        return message

    def _tap(self, chat: dict[str, Any], sender: dict[str, Any]) -> dict[str, Any]:
        screen = self.rng.choice(self.screens)
        message = {"message_id": next(self._ids), "date": DATE, "chat": chat, "from": BOT_USER,
                   "text": screen.text, "entities": screen.entities,
                   "reply_markup": screen.keyboard}
        return {"id": str(next(self._ids)), "from": sender, "message": message,
                "chat_instance": str(abs(chat["id"]) * 7919), "data":
                self.rng.choice(screen.buttons)}

    def _private(self) -> dict[str, Any]:
        user_id = 10_000_000 + self.rng.randrange(PRIVATE_CHATS)
        return {"id": user_id, "type": "private", "first_name": "Reader"}

    def _group(self) -> dict[str, Any]:
        number = self.rng.randrange(GROUPS)
        return {"id": -1_001_000_000_000 - number, "type": "supergroup",
                "title": f"Family {number}"}

    def _user(self, number: int) -> dict[str, Any]:
        user_id = number if number >= 10_000_000 else 10_000_000 + number
        language = LANGUAGES[user_id % len(LANGUAGES)]
        user = {"id": user_id, "is_bot": False, "first_name": "Reader"}
        return user | ({"language_code": language} if language else {})


def _screen(html: str, keyboard: dict[str, Any]) -> Screen:
    text, entities = parse_html(html)
    buttons = tuple(button["callback_data"] for row in keyboard["inline_keyboard"]
                    for button in row if "callback_data" in button)
    return Screen(text, entities, keyboard, buttons)


def build(count: int, seed: int = 1) -> dict[str, Any]:
    """The benchmark's warm-up updates and ``count`` measured updates for ``seed``."""
    workload = Workload(seed)
    return {"warmup": workload.warmup(), "items": workload.build(count)}
