"""What the bot shows: a message and its keyboard for each screen, rendered once where static.

Handlers ask for a view and send it; they never render or build keyboards themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardMarkup

from bot.config import Settings
from bot.content.keyboards import GLOSSARY_ID, Keyboards
from bot.content.loader import Content
from bot.content.render import Renderer


@dataclass(frozen=True)
class View:
    """A message in Telegram HTML and the keyboard under it."""

    html: str
    keyboard: InlineKeyboardMarkup | None = None


STATIC = ("welcome", "menu", "help", "privacy", "unknown", "unsupported", "edited", "stale",
          "error", "repeat_pointer")


class Views:
    """Every screen of the bot; static screens are rendered at start-up."""

    def __init__(self, settings: Settings, content: Content, renderer: Renderer,
                 keyboards: Keyboards, languages: list[tuple[str, str]] | None = None) -> None:
        self.content = content
        self.renderer = renderer
        self.keyboards = keyboards
        menu = keyboards.main_menu()
        depth = {s.id: _depth(content, s.id) for s in content.sections.values()}
        self.welcome = View(renderer.render("welcome"), menu)
        self.menu = View(renderer.render("menu"), menu)
        self.help = View(renderer.render(
            "help", sections=[(s, depth[s.id]) for s in content.walk()],
            languages=", ".join(name for _, name in languages or ())), menu)
        self.privacy = View(renderer.render("privacy", retention_days=settings.retention_days),
                            menu)
        self.unknown = View(renderer.render("unknown"), menu)
        self._missing = renderer.render("glossary_missing")
        self.slow_down = View(renderer.render("slow_down"))
        self.unsupported = View(renderer.render("unsupported"), menu)
        self.edited = View(renderer.render("edited"))
        self.stale = View(renderer.render("stale"), menu)
        self.error = View(renderer.render("error"), menu)
        self.repeat_pointer = View(renderer.render("repeat_pointer"))
        self.welcome_near = View(renderer.render("welcome", near=True), menu) if languages \
            else None
        # The language list (/language, 🌐): (tag, own name) of each served language, if several.
        self.language_list = View(renderer.render("languages"),
                                  keyboards.languages(languages)) if languages else None
        self._pages = {
            (page.section_id, page.number): View(page.html,
                                                 keyboards.section(page.section_id, page.number))
            for pages in renderer.pages.values() for page in pages
        }
        self._terms = {
            key: View(renderer.render("glossary_term", term=term,
                                      section=content.sections[term.section],
                                      translation=content.glossary_translation),
                      keyboards.term(key))
            for key, term in content.terms.items()
        }
        self._group_pages: dict[str, dict[tuple[str, int], View]] = {}
        self._group_intros: dict[str, View] = {}

    def screens(self) -> dict[str, View]:
        """Every pre-rendered screen by a readable name (for checks and previews)."""
        named = {name: getattr(self, name) for name in STATIC}
        if self.language_list is not None:
            named["languages"] = self.language_list
        named.update({f"{sid}/{n}": view for (sid, n), view in self._pages.items()})
        named.update({f"glossary:{key}": view for key, view in self._terms.items()})
        return named

    def section(self, section_id: str, page: int = 1) -> View | None:
        """A page of a section, or None when the section or page does not exist."""
        return self._pages.get((section_id, page))

    def group_section(self, section_id: str, page: int, bot_username: str) -> View | None:
        """A section page as shown in groups (no paging buttons), built once per bot username."""
        return self._group_views(bot_username).get((section_id, page))

    def group_intro(self, bot_username: str) -> View:
        """What the bot posts once when it is added to a group."""
        intro = self._group_intros.get(bot_username)
        if intro is None:
            intro = self._group_intros[bot_username] = View(
                self.renderer.render("group_intro", bot_username=bot_username))
        return intro

    def prepare_groups(self, bot_username: str) -> int:
        """Build the group variants now (at start-up); returns how many pages there are."""
        self.group_intro(bot_username)
        return len(self._group_views(bot_username))

    def _group_views(self, bot_username: str) -> dict[tuple[str, int], View]:
        pages = self._group_pages.get(bot_username)
        if pages is None:
            pages = self._group_pages[bot_username] = {
                key: View(view.html, self.keyboards.group_section(*key, bot_username))
                for key, view in self._pages.items()}
        return pages

    def term(self, key: str) -> View | None:
        """A glossary definition, or None for an unknown key."""
        return self._terms.get(key)

    def glossary(self, page: int = 1) -> View | None:
        """The glossary page with one page of its word buttons."""
        keyboard = self.keyboards.glossary(page)
        first = self._pages.get((GLOSSARY_ID, 1))
        if keyboard is None or first is None:
            return None
        return View(first.html, keyboard)

    @property
    def glossary_missing(self) -> View:
        """The answer to ``/glossary <word>`` when the word is not in the glossary.

        The same for every word: what was typed is never repeated (see ``commands.glossary``).
        """
        return View(self._missing, self.keyboards.glossary(1))


def _depth(content: Content, section_id: str) -> int:
    depth, node = 0, content.sections[section_id]
    while node.parent in content.sections:
        depth, node = depth + 1, content.sections[node.parent]
    return depth
