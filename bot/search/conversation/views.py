"""The conversation replies: crisis (per language), small talk, and feelings with any topics.

Everything but the feelings reply is rendered once at start-up. The help lines shown with the
human, talk-to-someone and feelings replies are the "Help lines" part of the ``support`` section,
so they read exactly as ``/support`` does.
"""

from __future__ import annotations

from markupsafe import Markup
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    LinkPreviewOptions,
)
from telegram.constants import ParseMode
from telegram.helpers import create_deep_linked_url

from bot.content.keyboards import Keyboards, StaticKeyboard
from bot.content.loader import Content, ContentError, Section, Term
from bot.content.render import Renderer
from bot.content.views import View
from bot.search.conversation.recogniser import Conversation
from bot.search.index import Answer

SUPPORT_ID = "support"
CRISIS_CARD = "crisis"  # the inline result id of the crisis card (not a section's token)
HELPLINES = "## Help lines"
WITH_MENU = ("greeting",)  # a greeting shows the topics; thanks and goodbye stand alone
WITH_SUPPORT = ("human", "talk_to_someone")


class ConversationViews:
    """Replies for every route but the search's own."""

    def __init__(self, content: Content, renderer: Renderer, keyboards: Keyboards,
                 conversation: Conversation, help_view: View,
                 english_support: Section | None = None) -> None:
        """``english_support``: for a translation, the English page, to find the same part."""
        support = content.sections.get(SUPPORT_ID)
        if support is None:
            raise ContentError(f"conversation needs a section with id '{SUPPORT_ID}'")
        self.content = content
        self.renderer = renderer
        self._cb = keyboards.cb  # buttons carry this language, as every keyboard does
        self._menu = keyboards.main_menu()
        self._support_label = support.label
        self._helplines = _part(renderer, support, _heading(support, english_support))
        self._support_only = StaticKeyboard([[self._support_button()]])
        self._small_talk = {"help": help_view}
        for kind in ("greeting", "thanks", "goodbye", "ok", *WITH_SUPPORT):
            html = renderer.render(f"conversation_{kind}", helplines=self._helplines)
            keyboard = (self._menu if kind in WITH_MENU
                        else self._support_only if kind in WITH_SUPPORT else None)
            self._small_talk[kind] = View(html, keyboard)
        self._crisis = {language: self._render_crisis(conversation, language)
                        for language in conversation.languages}
        self._replies = {language: conversation.crisis_reply(language)
                         for language in conversation.languages}
        self._default = conversation.default

    def screens(self) -> dict[str, View]:
        """Every pre-rendered reply by a readable name (for checks and tests)."""
        named = {f"conversation_{kind}": view for kind, view in self._small_talk.items()}
        named.update({f"crisis:{lang}": view for lang, view in self._crisis.items()})
        named["feelings"] = self.feelings(Answer(False, ()))
        return named

    def crisis(self, language: str) -> View:
        """The crisis reply in ``language`` (the default language if it has none)."""
        return self._crisis.get(language) or self._crisis[self._default]

    def crisis_card(self, language: str, bot_username: str) -> InlineQueryResultArticle:
        """The crisis reply as an inline-mode card, to put above any other result: inline mode
        cannot write to the person privately, so the card's message is the crisis reply itself.
        Its button opens ``/support`` in a private chat."""
        reply = self._replies.get(language) or self._replies[self._default]
        lang = self.renderer.lang  # a translated card opens the bot in its own language
        payload = SUPPORT_ID if lang == "en" else f"{lang}-{SUPPORT_ID}"
        support = InlineKeyboardButton(self._support_label,
                                       url=create_deep_linked_url(bot_username, payload))
        return InlineQueryResultArticle(
            id=CRISIS_CARD, title=reply.inline_title, description=reply.inline_description,
            input_message_content=InputTextMessageContent(
                self.crisis(language).html, parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True)),
            reply_markup=InlineKeyboardMarkup([[support]]))

    def small_talk(self, kind: str) -> View:
        """The reply to one kind of small talk (``greeting``, ``thanks``, …)."""
        return self._small_talk[kind]

    def feelings(self, answer: Answer) -> View:
        """An acknowledgement and the help lines, then the topics that match, if any."""
        results: list[tuple[str, Section | Term]] = [
            ("term", self.content.terms[m.key]) if m.kind == "term"
            else ("section", self.content.sections[m.key])
            for m in answer.matches if m.key != SUPPORT_ID]
        html = self.renderer.render("conversation_feelings", helplines=self._helplines,
                                    results=results, support_label=self._support_label)
        label = self.renderer.label
        rows = [[InlineKeyboardButton(
            label("glossary_term", term=item.label) if isinstance(item, Term)
            else label("search_result", title=item.label),
            callback_data=self._cb("g", item.key) if isinstance(item, Term)
            else self._cb("s", item.id))] for _, item in results]
        rows += [[self._support_button()],
                 [InlineKeyboardButton(label("main_menu"), callback_data=self._cb("m"))]]
        return View(html, StaticKeyboard(rows))

    def _support_button(self) -> InlineKeyboardButton:
        return InlineKeyboardButton(self._support_label, callback_data=self._cb("s", SUPPORT_ID))

    def _render_crisis(self, conversation: Conversation, language: str) -> View:
        reply = conversation.crisis_reply(language)
        contacts = [self.renderer.markdown.inline(c.text) for c in reply.contacts]
        # render() refuses a reply longer than one message: no crisis reply is ever cut.
        html = self.renderer.render("conversation_crisis", reply=reply, contacts=contacts)
        return View(html, self._support_only)


def _heading(section: Section, english: Section | None) -> str:
    """The heading of the help lines: a translation's heading in the same place as English's."""
    if english is None:
        return HELPLINES
    ours = [line for line in section.body.splitlines() if line.startswith("## ")]
    theirs = [line for line in english.body.splitlines() if line.startswith("## ")]
    if HELPLINES in theirs and len(ours) == len(theirs):
        return ours[theirs.index(HELPLINES)]
    raise ContentError(f"{section.id}.md: needs the same '## ' headings as English, in order")


def _part(renderer: Renderer, section: Section, heading: str) -> list[Markup]:
    """The blocks under ``heading`` in a section's body, up to the next heading of that level."""
    body = section.body
    start = body.find(heading + "\n")
    if start < 0:
        raise ContentError(f"{section.id}.md needs a '{heading}' part")
    rest = body[start + len(heading):]
    end = rest.find("\n## ")
    return renderer.markdown.blocks(rest if end < 0 else rest[:end])
