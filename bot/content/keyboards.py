"""Menu buttons and the callback-data scheme.

Callback data is ``<version>|<kind>|<arg>|<page>``, ASCII, at most 64 bytes, e.g.
``1|s|colorectal_surgery|2``. The version lets old buttons still sitting in chats be recognised
as stale after the scheme changes, instead of being misread.

Kinds: ``m`` main menu, ``s`` section page, ``g`` glossary term, ``gl`` glossary word list page,
``f`` feedback on a section (page 1 = 👍 helpful, 2 = 👎 not helpful), ``l`` the language list.

A button of a translated message carries its language as a fifth field, e.g.
``1|s|breast|1|ru``, so a tap answers in the language of the message tapped, whoever taps it;
English buttons are exactly as before (no fifth field), and "Read in English" is one of them.

Section pages and glossary words also carry a Share button
(``switch_inline_query_chosen_chat`` with the query ``s:<section id>`` or ``g:<term key>``, see
:class:`bot.content.refs.InlineMatch`). In groups, section keyboards have no Previous/Next: a
long section shows its first page with a "Continue in private chat" deep link instead, so a
family group is never paged through on everyone's screen.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, SwitchInlineQueryChosenChat
from telegram.helpers import create_deep_linked_url

from bot.content.loader import Content, Section
from bot.content.refs import InlineMatch
from bot.content.render import Renderer

VERSION = "1"
MAX_CALLBACK_BYTES = 64  # telegram.constants.InlineKeyboardButtonLimit.MAX_CALLBACK_DATA
KINDS = frozenset({"m", "s", "g", "gl", "f", "l"})
SOURCE_LANG = "en"
_LANG_FIELD = re.compile(r"^[a-z]{2,3}(?:-[A-Z][a-z]{3})?$")
HELPFUL, NOT_HELPFUL = 1, 2  # the "page" of a feedback button
TERMS_PER_PAGE = 10
GLOSSARY_ID = "glossary"  # the section whose page lists the glossary words
FEEDBACK = f"{VERSION}|f|"  # the start of every feedback button's callback data


@dataclass(frozen=True)
class Action:
    """What a button asks for, decoded from its callback data."""

    kind: str
    arg: str = ""
    page: int = 1
    lang: str = SOURCE_LANG


def encode(kind: str, arg: str = "", page: int = 1, lang: str = SOURCE_LANG) -> str:
    """Callback data for a button; raises ValueError if it would not fit Telegram's limit."""
    if lang != SOURCE_LANG:
        data = "|".join((VERSION, kind, arg, str(page), lang))
    elif arg or page != 1:
        data = "|".join((VERSION, kind, arg, str(page)))
    else:
        data = f"{VERSION}|{kind}"
    if (kind not in KINDS or "|" in arg or len(data.encode()) > MAX_CALLBACK_BYTES
            or not _LANG_FIELD.match(lang)):
        raise ValueError(f"cannot encode button {kind!r} {arg!r} {page!r}")
    return data


def decode(data: str | None) -> Action | None:
    """The action behind callback data, or None if it is stale, forged or malformed."""
    if not data or len(data.encode("utf-8", "replace")) > MAX_CALLBACK_BYTES:
        return None
    parts = data.split("|")
    if len(parts) not in (2, 4, 5) or parts[0] != VERSION or parts[1] not in KINDS:
        return None
    if len(parts) == 2:
        return Action(parts[1]) if parts[1] != "f" else None  # feedback always names a section
    lang = parts.pop() if len(parts) == 5 else SOURCE_LANG
    if not _LANG_FIELD.match(lang):
        return None
    _, kind, arg, page = parts
    if not page.isascii() or not page.isdigit() or len(page) > 3 or not arg.isascii():
        return None
    if kind == "f" and (not arg or int(page) not in (HELPFUL, NOT_HELPFUL)):
        return None
    return Action(kind, arg, int(page), lang)


class StaticKeyboard(InlineKeyboardMarkup):
    """A keyboard built once at start-up, whose JSON form is worked out once too.

    python-telegram-bot turns the keyboard into a dict on every send; for these fixed keyboards
    that was a sizeable share of the CPU an answer costs (README, "Speed").
    """

    __slots__ = ("_as_dict",)

    def __init__(self, rows: Sequence[Sequence[InlineKeyboardButton]]) -> None:
        super().__init__(rows)
        with self._unfrozen():
            self._as_dict = super().to_dict()

    def to_dict(self, recursive: bool = True) -> dict[str, Any]:
        """The keyboard as the Bot API expects it (a fresh top-level dict each call)."""
        return dict(self._as_dict) if recursive else super().to_dict(recursive=False)


class Keyboards:
    """Builds the inline keyboards for menus, sections and the glossary."""

    def __init__(self, content: Content, renderer: Renderer, *, languages: bool = False,
                 english_pages: dict[str, int] | None = None) -> None:
        self.content = content
        self.renderer = renderer
        self.lang = renderer.lang
        # english_pages: how many pages each English section has, for "Read in English".
        self._english_pages = english_pages if self.lang != SOURCE_LANG else None
        main = [[InlineKeyboardButton(s.label, callback_data=self.cb("s", s.id))]
                for s in content.top]
        if languages:
            main.append([InlineKeyboardButton(renderer.label("languages"),
                                              callback_data=self.cb("l"))])
        self._main = StaticKeyboard(main)
        self._pages: dict[tuple[str, int], InlineKeyboardMarkup] = {
            (page.section_id, page.number): self._section(content.sections[page.section_id],
                                                         page.number, page.total)
            for pages in renderer.pages.values() for page in pages
        }
        self._glossary = {page: self._glossary_page(page)
                          for page in range(1, self.glossary_pages() + 1)}

    def cb(self, kind: str, arg: str = "", page: int = 1) -> str:
        """Callback data for a button of this language's messages."""
        return encode(kind, arg, page, self.lang)

    def main_menu(self) -> InlineKeyboardMarkup:
        """One button per top-level topic."""
        return self._main

    def section(self, section_id: str, page: int) -> InlineKeyboardMarkup:
        """The keyboard under one page of a section (built once at start-up)."""
        return self._pages[(section_id, page)]

    def group_section(self, section_id: str, page: int, bot_username: str
                      ) -> InlineKeyboardMarkup:
        """The keyboard under a section page in a group: no paging, a private-chat link instead."""
        section = self.content.sections[section_id]
        total = len(self.renderer.pages[section_id])
        return self._section(section, page, total,
                             private_url=create_deep_linked_url(bot_username, section_id))

    def _section(self, section: Section, page: int, total: int,
                 private_url: str | None = None) -> InlineKeyboardMarkup:
        label = self.renderer.label
        rows: list[list[InlineKeyboardButton]] = []
        if section.id == GLOSSARY_ID:
            rows.extend(self._terms_rows(1))
        rows.extend([InlineKeyboardButton(label("child", title=c.label),
                                          callback_data=self.cb("s", c.id))]
                    for c in section.children)
        if page == total:
            for other_id in section.see_also:
                other = self.content.sections[other_id]
                rows.append([InlineKeyboardButton(label("see_also", title=other.label),
                                                  callback_data=self.cb("s", other.id))])
        if total > 1 and private_url is not None:
            rows.append([InlineKeyboardButton(label("continue_private"), url=private_url)])
        elif total > 1:
            nav = []
            if page > 1:
                nav.append(InlineKeyboardButton(label("prev_page"),
                                                callback_data=self.cb("s", section.id, page - 1)))
            if page < total:
                nav.append(InlineKeyboardButton(label("next_page"),
                                                callback_data=self.cb("s", section.id, page + 1)))
            rows.append(nav)
        if section.id != GLOSSARY_ID:
            rows.append(self._feedback_row(section))
        rows.append(self._share_row(InlineMatch("section", section.id)))
        if self._english_pages is not None and not (section.translation
                                                     and section.translation.missing):
            english_page = min(page, self._english_pages.get(section.id, 1))
            rows.append(self._english_row("s", section.id, english_page))
        rows.append(self._back_row(section))
        return StaticKeyboard(rows)

    def _english_row(self, kind: str, arg: str, page: int = 1) -> list[InlineKeyboardButton]:
        """"Read in English": the same page in the source language (an English button)."""
        return [InlineKeyboardButton(self.renderer.label("read_english"),
                                     callback_data=encode(kind, arg, page))]

    def languages(self, names: Sequence[tuple[str, str]]) -> InlineKeyboardMarkup:
        """One button per served language, by its own name; each opens the main menu in it."""
        rows = [[InlineKeyboardButton(("✅ " if tag == self.lang else "") + name,
                                      callback_data=encode("m", lang=tag))]
                for tag, name in names]
        rows.append([InlineKeyboardButton(self.renderer.label("main_menu"),
                                          callback_data=self.cb("m"))])
        return StaticKeyboard(rows)

    def _share_row(self, match: InlineMatch) -> list[InlineKeyboardButton]:
        """Pick a chat (a person or a group) and drop this page's card there via inline mode."""
        chosen = SwitchInlineQueryChosenChat(query=match.token, allow_user_chats=True,
                                             allow_group_chats=True)
        return [InlineKeyboardButton(self.renderer.label("share"),
                                     switch_inline_query_chosen_chat=chosen)]

    def _feedback_row(self, section: Section) -> list[InlineKeyboardButton]:
        label = self.renderer.label
        return [InlineKeyboardButton(label("feedback_yes"),
                                     callback_data=self.cb("f", section.id, HELPFUL)),
                InlineKeyboardButton(label("feedback_no"),
                                     callback_data=self.cb("f", section.id, NOT_HELPFUL))]

    @staticmethod
    def without_feedback(markup: InlineKeyboardMarkup) -> InlineKeyboardMarkup:
        """``markup`` minus its 👍 / 👎 row, shown once the reader has answered."""
        return StaticKeyboard([
            row for row in markup.inline_keyboard
            if not any(isinstance(b.callback_data, str) and b.callback_data.startswith(FEEDBACK)
                       for b in row)])

    def _back_row(self, section: Section) -> list[InlineKeyboardButton]:
        menu = InlineKeyboardButton(self.renderer.label("main_menu"), callback_data=self.cb("m"))
        if section.parent in self.content.sections:
            return [InlineKeyboardButton(self.renderer.label("back"),
                                         callback_data=self.cb("s", section.parent)), menu]
        return [menu]

    def glossary(self, page: int) -> InlineKeyboardMarkup | None:
        """The word list, ``TERMS_PER_PAGE`` words a page, or None if ``page`` is out of range."""
        return self._glossary.get(page)

    def _glossary_page(self, page: int) -> InlineKeyboardMarkup:
        rows = self._terms_rows(page)
        if self._english_pages is not None:
            rows.append(self._english_row("gl", "w", page))
        rows.append(self._back_row(self.content.sections[GLOSSARY_ID]))
        return StaticKeyboard(rows)

    def glossary_pages(self) -> int:
        """How many pages the word list has."""
        return max(1, -(-len(self.content.terms) // TERMS_PER_PAGE))

    def _terms_rows(self, page: int) -> list[list[InlineKeyboardButton]]:
        terms = list(self.content.terms.values())
        chunk = terms[(page - 1) * TERMS_PER_PAGE: page * TERMS_PER_PAGE]
        label = self.renderer.label
        rows = [[InlineKeyboardButton(label("glossary_term", term=t.label),
                                      callback_data=self.cb("g", t.key)) for t in chunk[i:i + 2]]
                for i in range(0, len(chunk), 2)]
        nav = []
        if page > 1:
            nav.append(InlineKeyboardButton(label("glossary_less"),
                                            callback_data=self.cb("gl", "w", page - 1)))
        if page < self.glossary_pages():
            nav.append(InlineKeyboardButton(label("glossary_more"),
                                            callback_data=self.cb("gl", "w", page + 1)))
        if nav:
            rows.append(nav)
        return rows

    def term(self, key: str) -> InlineKeyboardMarkup:
        """Under a glossary definition: the section where it matters, and the word list."""
        term = self.content.terms[key]
        section = self.content.sections[term.section]
        english = [self._english_row("g", key)] if self._english_pages is not None else []
        return StaticKeyboard([
            *english,
            [InlineKeyboardButton(self.renderer.label("read_section", title=section.label),
                                  callback_data=self.cb("s", section.id))],
            self._share_row(InlineMatch("term", key)),
            [InlineKeyboardButton(self.renderer.label("glossary_all"),
                                  callback_data=self.cb("gl", "w", 1)),
             InlineKeyboardButton(self.renderer.label("main_menu"), callback_data=self.cb("m"))],
        ])

