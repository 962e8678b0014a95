"""What the bot shows for a search: matching topics as buttons, urgent advice first when needed.

One clear best match is shown first with its summary; a question only the care team can answer
(how long, what dose, what one result means) gets the kind "this guide can't answer that" reply
pointing to /specialist, with at most one related topic as reading.

The urgent advice is the ``urgent`` section's own text, converted once at start-up, so a reply to
"my skin is yellow" shows exactly what ``/urgent`` says, not a paraphrase.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.content.keyboards import Keyboards, StaticKeyboard
from bot.content.loader import Content, ContentError, Section, Term
from bot.content.render import Renderer
from bot.content.views import View
from bot.search.index import SPECIALIST_ID, URGENT_ID, Answer

MAX_KEPT = 4096  # rendered replies kept; combinations of up to three topics, not questions


class SearchViews:
    """The search replies: results (rendered per search), no match and usage (rendered once)."""

    def __init__(self, content: Content, renderer: Renderer, keyboards: Keyboards) -> None:
        urgent = content.sections.get(URGENT_ID)
        if urgent is None:
            raise ContentError(f"search needs a section with id '{URGENT_ID}' for red flags")
        self.content = content
        self.renderer = renderer
        self.keyboards = keyboards
        self._urgent = urgent
        self._urgent_blocks = renderer.markdown.blocks(urgent.body)
        menu = keyboards.main_menu()
        self.none = View(renderer.render("search_none"), menu)
        self.usage = View(renderer.render("search_usage"), menu)
        self._seen: dict[tuple[bool, bool, bool, tuple[tuple[str, str], ...]], View] = {}

    def answer(self, answer: Answer) -> View:
        """The reply to a search: urgent advice and matches, the care-team reply, or no match.

        Replies are kept by what they show (section ids and glossary keys, never the words
        typed), so a common question is rendered once.
        """
        if not answer.matches:
            return self.none
        key = (answer.urgent, answer.cannot_answer, answer.best_first,
               tuple((m.kind, m.key) for m in answer.matches))
        view = self._seen.get(key)
        if view is None:
            if len(self._seen) >= MAX_KEPT:
                self._seen.clear()
            view = self._seen[key] = self._render(*key)
        return view

    def _render(self, urgent: bool, cannot: bool, best_first: bool,
                matches: tuple[tuple[str, str], ...]) -> View:
        results: list[tuple[str, Section | Term]] = []
        for kind, key in matches:
            if urgent and kind == "section" and key == URGENT_ID:
                continue  # its advice is shown in full above the other results
            if cannot and kind == "section" and key == SPECIALIST_ID:
                continue  # the care-team text points to it already
            results.append(("term", self.content.terms[key]) if kind == "term"
                           else ("section", self.content.sections[key]))
        html = self.renderer.render("search_cannot" if cannot else "search_results",
                                    urgent=self._urgent if urgent else None,
                                    urgent_blocks=self._urgent_blocks, results=results,
                                    best_first=best_first)
        return View(html, self._keyboard(matches))

    def _keyboard(self, matches: tuple[tuple[str, str], ...]) -> InlineKeyboardMarkup:
        label, cb = self.renderer.label, self.keyboards.cb
        rows = []
        for kind, key in matches:
            if kind == "term":
                term = self.content.terms[key]
                rows.append([InlineKeyboardButton(
                    label("glossary_term", term=term.label),
                    callback_data=cb("g", term.key))])
            else:
                section = self.content.sections[key]
                rows.append([InlineKeyboardButton(label("search_result", title=section.label),
                                                  callback_data=cb("s", section.id))])
        rows.append([InlineKeyboardButton(label("main_menu"), callback_data=cb("m"))])
        return StaticKeyboard(rows)


def stats_section(answer: Answer) -> str | None:
    """What the usage log records for a search: the first section shown, never the words.

    Glossary words count as ``glossary``, as they do for buttons; None means no match.
    """
    if not answer.matches:
        return None
    first = answer.matches[0]
    return first.key if first.kind == "section" else "glossary"
