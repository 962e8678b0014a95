"""Inline-mode answers: one article per section and glossary term, built once per bot.

The results are the same for everyone (no personal data), so they are built the first time they
are needed (or at start-up, see :func:`bot.app._post_init`) and reused. They are keyed by the
bot's username because every card carries a "Read more" deep link to ``t.me/<bot>?start=<id>``.
"""

from __future__ import annotations

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    LinkPreviewOptions,
)
from telegram.constants import ParseMode
from telegram.helpers import create_deep_linked_url

from bot.content.loader import Content
from bot.content.refs import InlineMatch
from bot.content.render import Renderer
from bot.search.inline import InlineMatcher


class InlineResults:
    """Pre-built :class:`InlineQueryResultArticle` objects for every section and term."""

    def __init__(self, content: Content, renderer: Renderer) -> None:
        self.content = content
        self.renderer = renderer
        self.matcher = InlineMatcher(content)  # the content's words, split once
        self._built: dict[str, dict[InlineMatch, InlineQueryResultArticle]] = {}

    def article(self, match: InlineMatch, bot_username: str) -> InlineQueryResultArticle | None:
        """The card for one section or term, or None if it does not exist (e.g. a stale id)."""
        return self._for(bot_username).get(match)

    def top(self, bot_username: str) -> list[InlineQueryResultArticle]:
        """The cards of the main topics, in menu order: the answer to an empty query."""
        built = self._for(bot_username)
        return [built[InlineMatch("section", s.id)] for s in self.content.top]

    def prepare(self, bot_username: str) -> int:
        """Build every card now (at start-up) and say how many there are."""
        return len(self._for(bot_username))

    def _for(self, bot_username: str) -> dict[InlineMatch, InlineQueryResultArticle]:
        built = self._built.get(bot_username)
        if built is None:
            built = self._built[bot_username] = self._build(bot_username)
        return built

    def _build(self, bot_username: str) -> dict[InlineMatch, InlineQueryResultArticle]:
        built: dict[InlineMatch, InlineQueryResultArticle] = {}
        for section in self.content.walk():
            match = InlineMatch("section", section.id)
            html = self.renderer.render("inline_result", section=section, term=None,
                                        translation=section.translation)
            built[match] = self._card(match, section.title, section.summary, html,
                                      bot_username, section.id)
        for term in self.content.terms.values():
            match = InlineMatch("term", term.key)
            html = self.renderer.render("inline_result",
                                        section=self.content.sections[term.section], term=term,
                                        translation=self.content.glossary_translation)
            title = self.renderer.label("inline_term_title", term=term.term)
            built[match] = self._card(match, title, term.definition, html, bot_username,
                                      term.section)
        return built

    def _card(self, match: InlineMatch, title: str, description: str, html: str,
              bot_username: str, section_id: str) -> InlineQueryResultArticle:
        lang = self.renderer.lang  # a translated card opens the bot in its own language
        payload = section_id if lang == "en" else f"{lang}-{section_id}"
        read_more = InlineKeyboardButton(self.renderer.label("read_more"),
                                         url=create_deep_linked_url(bot_username, payload))
        return InlineQueryResultArticle(
            id=match.token,
            title=title,
            description=description,
            input_message_content=InputTextMessageContent(
                html, parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True)),
            reply_markup=InlineKeyboardMarkup([[read_more]]),
        )
