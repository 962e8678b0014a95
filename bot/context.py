"""The services every handler needs, reached through a typed context property."""

from __future__ import annotations

from dataclasses import dataclass

from telegram.ext import Application, CallbackContext, ExtBot

from bot.config import Settings
from bot.content.keyboards import Keyboards
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


class BotContext(CallbackContext[ExtBot[None], dict, dict, dict]):
    """Callback context with typed access to :class:`Services`."""

    @property
    def services(self) -> Services:
        """The application's services."""
        return services_of(self.application)


def services_of(app: Application) -> Services:  # type: ignore[type-arg]
    """The services stored on ``app`` by ``build_application``."""
    services = app.bot_data[SERVICES_KEY]
    assert isinstance(services, Services)
    return services
