"""What the bot shows for a search: matching topics as buttons, urgent advice first when needed.

The urgent advice is the ``urgent`` section's own text, converted once at start-up, so a reply to
"my skin is yellow" shows exactly what ``/urgent`` says, not a paraphrase.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.content import Content, ContentError, Section, Term
from bot.keyboards import Keyboards, encode
from bot.render import Renderer
from bot.search import URGENT_ID, Answer, Match
from bot.views import View


class SearchViews:
    """The search replies: results (rendered per search), no match and usage (rendered once)."""

    def __init__(self, content: Content, renderer: Renderer, keyboards: Keyboards) -> None:
        urgent = content.sections.get(URGENT_ID)
        if urgent is None:
            raise ContentError(f"search needs a section with id '{URGENT_ID}' for red flags")
        self.content = content
        self.renderer = renderer
        self._urgent = urgent
        self._urgent_blocks = renderer.markdown.blocks(urgent.body)
        menu = keyboards.main_menu()
        self.none = View(renderer.render("search_none"), menu)
        self.usage = View(renderer.render("search_usage"), menu)

    def answer(self, answer: Answer) -> View:
        """The reply to a search: urgent advice and matches, or the kind no-match reply."""
        if not answer.matches:
            return self.none
        results: list[tuple[str, Section | Term]] = []
        for match in answer.matches:
            if answer.urgent and match.ref == URGENT_ID:
                continue  # its advice is shown in full above the other results
            results.append(("term", self.content.terms[match.key]) if match.kind == "term"
                           else ("section", self.content.sections[match.key]))
        html = self.renderer.render("search_results", urgent=self._urgent if answer.urgent
                                    else None, urgent_blocks=self._urgent_blocks,
                                    results=results)
        return View(html, self._keyboard(answer.matches))

    def _keyboard(self, matches: tuple[Match, ...]) -> InlineKeyboardMarkup:
        label = self.renderer.label
        rows = []
        for match in matches:
            if match.kind == "term":
                term = self.content.terms[match.key]
                rows.append([InlineKeyboardButton(
                    label("glossary_term", term=term.label),
                    callback_data=encode("g", term.key))])
            else:
                section = self.content.sections[match.key]
                rows.append([InlineKeyboardButton(label("search_result", title=section.label),
                                                  callback_data=encode("s", section.id))])
        rows.append([InlineKeyboardButton(label("main_menu"), callback_data=encode("m"))])
        return InlineKeyboardMarkup(rows)


def stats_section(answer: Answer) -> str | None:
    """What the usage log records for a search: the first section shown, never the words.

    Glossary words count as ``glossary``, as they do for buttons; None means no match.
    """
    if not answer.matches:
        return None
    first = answer.matches[0]
    return first.key if first.kind == "section" else "glossary"
