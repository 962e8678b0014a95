"""``build_application(settings)``: the one place that wires every handler.

Order matters: within a group python-telegram-bot runs the first handler that matches, so the
specific handlers come first and the catch-alls of :mod:`bot.handlers.fallback` last.
"""

from __future__ import annotations

import logging

from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    LinkPreviewOptions,
)
from telegram.constants import ParseMode
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.config import Settings
from bot.content import Content, load_content
from bot.context import SERVICES_KEY, BotContext, Services, services_of
from bot.handlers import commands, errors, fallback, menu
from bot.keyboards import GLOSSARY_ID, Keyboards
from bot.processor import ChatOrderedProcessor
from bot.render import Renderer
from bot.transport import CONCURRENT_UPDATES, api_request, updates_request
from bot.views import Views

log = logging.getLogger(__name__)

# Only new messages trigger commands: an edited "/start" must not be answered twice.
NEW = filters.UpdateType.MESSAGE
BUILT_IN = {"start": "Welcome and main menu", "menu": "Main menu", "help": "All commands",
            "privacy": "What this bot records (nothing about you)"}


def build_services(settings: Settings, content: Content | None = None) -> Services:
    """Load content and render every page once."""
    content = content or load_content(settings.content_dir)
    renderer = Renderer(content, settings.templates_dir)
    keyboards = Keyboards(content, renderer)
    views = Views(settings, content, renderer, keyboards)
    return Services(settings=settings, content=content, renderer=renderer, keyboards=keyboards,
                    views=views)


def build_application(settings: Settings, *, request: BaseRequest | None = None,
                      get_updates_request: BaseRequest | None = None,
                      services: Services | None = None,
                      concurrent_updates: int = CONCURRENT_UPDATES,
                      ) -> Application:  # type: ignore[type-arg]
    """The fully wired application; tests pass a recording ``request``.

    Updates of different chats are handled concurrently, those of one chat in order. Only the
    per-group limit is applied before sending (Telegram's 30 messages/s is for broadcasts, and
    a 429 is still retried); see the README's "Speed" section.
    """
    services = services or build_services(settings)
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.api_base_url)
        .context_types(ContextTypes(context=BotContext))
        .defaults(Defaults(parse_mode=ParseMode.HTML,
                           link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .rate_limiter(AIORateLimiter(overall_max_rate=0, max_retries=3))
        .concurrent_updates(ChatOrderedProcessor(concurrent_updates))
        .request(request or api_request(concurrent_updates))
        .get_updates_request(get_updates_request or request or updates_request())
        .post_init(_post_init)
    )
    app = builder.build()
    app.bot_data[SERVICES_KEY] = services
    register_handlers(app, services.content)
    return app


def register_handlers(app: Application, content: Content) -> None:  # type: ignore[type-arg]
    """Every handler of the bot, in the order they are tried."""
    section_commands = [s.command for s in content.sections.values() if s.id != GLOSSARY_ID]
    glossary_command = content.sections[GLOSSARY_ID].command
    app.add_handlers([
        # Built-in commands, then one command per content section.
        CommandHandler("start", commands.start, filters=NEW),
        CommandHandler("menu", commands.menu, filters=NEW),
        CommandHandler("help", commands.help_, filters=NEW),
        CommandHandler("privacy", commands.privacy, filters=NEW),
        CommandHandler(glossary_command, commands.glossary, filters=NEW),
        CommandHandler(section_commands, commands.section, filters=NEW),
        # Button taps.
        CallbackQueryHandler(menu.button),
        # Catch-alls: edits, unknown commands, plain text, messages without text.
        MessageHandler(filters.UpdateType.EDITED, fallback.edited),
        MessageHandler(filters.COMMAND & NEW, fallback.unknown_command),
        MessageHandler(filters.TEXT & NEW & ~filters.COMMAND, fallback.text),
        MessageHandler(NEW & ~filters.TEXT, fallback.unsupported),
    ])
    app.add_error_handler(errors.on_error)


def command_list(content: Content) -> list[BotCommand]:
    """The public command menu, generated from the content (one source of truth)."""
    listed = [BotCommand(name, text) for name, text in BUILT_IN.items()]
    listed += [BotCommand(s.command, s.title[:256]) for s in content.walk()]
    return listed


async def _post_init(app: Application) -> None:  # type: ignore[type-arg]
    """Publish the command menu for private chats and for groups."""
    content = services_of(app).content
    listed = command_list(content)
    await app.bot.set_my_commands(listed, scope=BotCommandScopeAllPrivateChats())
    await app.bot.set_my_commands(listed, scope=BotCommandScopeAllGroupChats())
    log.info("ready as @%s with %d sections", app.bot.username, len(content.sections))
