"""The services every handler needs, reached through a typed context property.

With several languages served, each update is answered by the services of its language (see
:func:`negotiate`); nothing about the person is stored to decide it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot

from bot.config import Settings
from bot.content.keyboards import Keyboards, decode
from bot.content.languages import SOURCE, Choice, Languages
from bot.content.loader import Content
from bot.content.pictures import PhotoIds, Pictures
from bot.content.render import Renderer
from bot.content.views import Views
from bot.search.conversation.recogniser import Conversation
from bot.search.conversation.views import ConversationViews
from bot.search.index import SearchIndex
from bot.search.inline_results import InlineResults
from bot.search.views import SearchViews
from bot.transport.metrics import Metrics
from bot.transport.recent import RepeatMemory
from bot.transport.shared import SharedState
from bot.usage.budget import PersonBudget
from bot.usage.recorder import Recorder

SERVICES_KEY = "services"
LANGUAGE_COMMANDS = frozenset({"start", "language"})  # their argument may name a language
# Services of the running bot rather than of a language: shared by every language's services.
PER_BOT = ("settings", "usage", "recent", "shared", "metrics", "budget", "photo_ids")


@dataclass
class Services:
    """Built once in :func:`bot.app.build_application`; shared by all handlers."""

    settings: Settings
    content: Content
    renderer: Renderer
    keyboards: Keyboards
    views: Views
    inline: InlineResults
    search: SearchIndex
    search_views: SearchViews
    pictures: Pictures
    usage: Recorder | None = None
    # Per running bot, not per content: build_application gives each Application its own.
    recent: RepeatMemory | None = None
    # Several workers: the Redis connection they share (None in a single process).
    shared: SharedState | None = None
    metrics: Metrics | None = None
    budget: PersonBudget | None = None  # costly requests per person (in memory, per day)
    photo_ids: PhotoIds | None = None  # Telegram's file_id of each uploaded picture
    # Crisis, feelings and small talk (issue 17); built by build_services.
    conversation: Conversation | None = None
    conversation_views: ConversationViews | None = None
    lang: str = SOURCE  # the language of this content, renderer and views
    languages: Languages | None = None  # every served language (None: English only)
    translations: dict[str, Services] = field(default_factory=dict)  # on English's services

    def in_language(self, tag: str) -> Services:
        """The services answering in ``tag`` (English's, for English or an unserved tag)."""
        bundle = self.translations.get(tag)
        if bundle is None:
            return self
        # What belongs to the running bot, not to a language, is the same in every language.
        return dataclasses.replace(bundle, **{name: getattr(self, name) for name in PER_BOT})


class BotContext(CallbackContext[ExtBot[None], dict, dict, dict]):
    """Callback context with typed access to :class:`Services` in the update's language."""

    lang: str = SOURCE
    lang_near: bool = False  # the app's language is only close to ``lang`` (zh-TW -> zh-Hans)

    @classmethod
    def from_update(cls, update: object,  # type: ignore[override]
                    application: Application) -> BotContext:  # type: ignore[type-arg]
        """A context for ``update``, with the language it is to be answered in."""
        context = super().from_update(update, application)
        if isinstance(update, Update):
            choice = negotiate(update, services_of(application).languages)
            context.lang, context.lang_near = choice.tag, choice.near
        return context

    @property
    def services(self) -> Services:
        """The application's services, in the update's language (worked out once per update)."""
        found = self.__dict__.get("_services")
        if found is None or found.lang != self.lang:
            found = self.__dict__["_services"] = services_of(self.application).in_language(
                self.lang)
        return found


def negotiate(update: Update, languages: Languages | None) -> Choice:
    """The language to answer ``update`` in, from the update alone (issue 14, in this order).

    The pressed button's callback data; a ``/start`` or ``/language`` argument; the script of
    typed text; the app's ``language_code``; else English.
    """
    if languages is None or not languages.several:
        return Choice(SOURCE)
    query = update.callback_query
    if query is not None:
        action = decode(query.data)
        if action is not None:
            return Choice(languages.tag(action.lang) or SOURCE)
    message = update.effective_message
    text = (message.text or "") if message is not None else ""
    if update.inline_query is not None:
        text = update.inline_query.query
    if text.startswith("/"):
        parts = text.split(maxsplit=2)
        command = parts[0][1:].split("@", 1)[0].lower()
        if command in LANGUAGE_COMMANDS and len(parts) > 1:
            tag, _ = languages.split_payload(parts[1])
            if tag is not None:
                return Choice(tag)
        text = " ".join(parts[1:])  # /search вопрос, /glossary асцит: the words' script
    if text:
        by_script = languages.from_script(text)
        if by_script is not None:
            return Choice(by_script)
    user = update.effective_user
    return languages.from_code(user.language_code if user else None)


def services_of(app: Application) -> Services:  # type: ignore[type-arg]
    """The services stored on ``app`` by ``build_application``."""
    services = app.bot_data[SERVICES_KEY]
    assert isinstance(services, Services)
    return services
