"""``build_application(settings)``: the one place that wires every handler.

Order matters: within a group python-telegram-bot runs the first handler that matches, so the
specific handlers come first and the catch-alls of :mod:`bot.handlers.fallback` last.
"""

from __future__ import annotations

import dataclasses
import gc
import logging
import os
import re
import sqlite3
from typing import NoReturn

from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    ChosenInlineResultHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot import menus
from bot.bundles import build_services
from bot.config import Settings
from bot.content.keyboards import FEEDBACK, GLOSSARY_ID
from bot.content.loader import Content
from bot.content.pictures import PhotoIds
from bot.context import SERVICES_KEY, BotContext, Services, services_of
from bot.handlers import admin, commands, errors, fallback, feedback, groups, inline, menu, search
from bot.transport.http import CONCURRENT_UPDATES, api_request, updates_request
from bot.transport.metrics import Metrics
from bot.transport.processor import ChatOrderedProcessor
from bot.transport.ratelimit import ChatRateLimiter
from bot.transport.recent import RecentAnswers
from bot.transport.repeats import SharedRepeats
from bot.transport.retry import RetryingRequest
from bot.transport.shared import SharedState
from bot.transport.shareddelivery import SharedDelivery
from bot.transport.sharedlimit import SharedRateLimiter
from bot.transport.webhook import WebhookServer
from bot.usage.budget import PersonBudget
from bot.usage.log import UsageLog
from bot.usage.shareduniques import SharedUniques

log = logging.getLogger(__name__)

# Only new messages trigger commands: an edited "/start" must not be answered twice.
NEW = filters.UpdateType.MESSAGE
# The kinds of update the handlers below handle, and so the only ones asked of Telegram (for
# getUpdates and setWebhook): not member joins with names, reactions, poll answers, business
# messages or channel posts. tests/test_security.py checks this matches register_handlers.
ALLOWED_UPDATES: tuple[str, ...] = (
    Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY, Update.INLINE_QUERY,
    Update.CHOSEN_INLINE_RESULT, Update.MY_CHAT_MEMBER,
)
BUILT_IN = {"start": "Welcome and main menu", "menu": "Main menu", "help": "All commands",
            "privacy": "What this bot records (nothing about you)",
            "search": "Find topics in your own words, e.g. /search what is AFP"}
# Listed only in each admin's own chat (BotCommandScopeChat); checked again in the handler.
ADMIN_ONLY = {"stats": "Usage figures (admins only)"}


def build_application(settings: Settings, *, request: BaseRequest | None = None,
                      get_updates_request: BaseRequest | None = None,
                      services: Services | None = None,
                      concurrent_updates: int = CONCURRENT_UPDATES,
                      rate_limit: bool = True) -> Application:  # type: ignore[type-arg]
    """The fully wired application; tests pass a recording ``request``.

    Updates of different chats are handled concurrently, those of one chat in order (see the
    README's "Speed" section). Answers go through the retry policy of ``bot/retry.py``; polling
    retries by itself. ``rate_limit=False`` leaves out the flood-control limiter, for tests that
    feed thousands of updates into an in-process request double.
    """
    services = services or build_services(settings)
    if services.metrics is None:
        services = dataclasses.replace(services, metrics=Metrics())
    if settings.redis_url and services.shared is None:  # state shared by several workers
        shared = SharedState(settings.redis_url)
        services = dataclasses.replace(services, shared=shared, recent=SharedRepeats(shared))
        if isinstance(services.usage, UsageLog):  # one count of people for all workers
            services.usage.uniques = SharedUniques(shared)
    if services.recent is None:  # in-memory group etiquette state belongs to this app only
        services = dataclasses.replace(services, recent=RecentAnswers())
    if services.budget is None:  # so are the per-person token buckets
        services = dataclasses.replace(services, budget=PersonBudget())
    if services.photo_ids is None:  # file_ids belong to the bot that uploaded the pictures
        services = dataclasses.replace(services, photo_ids=PhotoIds())
    processor = ChatOrderedProcessor(concurrent_updates)
    metrics = services.metrics
    assert metrics is not None
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.api_base_url)
        .context_types(ContextTypes(context=BotContext))
        # allow_sending_without_reply: someone may delete their question before we answer.
        .defaults(Defaults(parse_mode=ParseMode.HTML, allow_sending_without_reply=True,
                           link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .concurrent_updates(processor)
        .request(request or RetryingRequest(api_request(concurrent_updates),
                                            on_status=metrics.api_status))
        .get_updates_request(get_updates_request or request
                             or updates_request(hold=lambda: processor.overloaded))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if rate_limit and services.shared is not None:
        builder = builder.rate_limiter(SharedRateLimiter(
            services.shared, max_retries=3, on_flood=metrics.flood_waits.inc))
    elif rate_limit:
        builder = builder.rate_limiter(ChatRateLimiter(max_retries=3))
    app = builder.build()
    app.bot_data[SERVICES_KEY] = services
    register_handlers(app, services.content, languages=services.languages is not None)
    return app


def webhook_server(app: Application) -> WebhookServer:  # type: ignore[type-arg]
    """The webhook endpoint of this worker, with its delivery guard, metrics and checks."""
    services = services_of(app)
    settings, shared, metrics = services.settings, services.shared, services.metrics
    assert settings.webhook_secret is not None
    assert metrics is not None
    checks = {}
    if isinstance(services.usage, UsageLog):
        checks["database"] = services.usage.ready
    if shared is not None:
        checks["redis"] = shared.ready
    usage = services.usage if isinstance(services.usage, UsageLog) else None
    server = WebhookServer(app, settings.webhook_secret, metrics=metrics, ready_checks=checks,
                           delivery=SharedDelivery(shared) if shared is not None else None,
                           after_update=usage.settle if usage else None)
    metrics.watch(in_flight=lambda: server.in_flight, queue=app.update_queue.qsize,
                  dropped=lambda: usage.unsaved_drops if usage else 0,
                  waiting=lambda: usage.waiting if usage else 0)
    return server


def register_handlers(app: Application, content: Content,  # type: ignore[type-arg]
                      *, languages: bool = False) -> None:
    """Every handler of the bot, in the order they are tried."""
    section_commands = [s.command for s in content.sections.values() if s.id != GLOSSARY_ID]
    glossary_command = content.sections[GLOSSARY_ID].command
    app.add_handlers([
        # Built-in commands, then one command per content section.
        CommandHandler("start", commands.start, filters=NEW),
        CommandHandler("menu", commands.menu, filters=NEW),
        CommandHandler("help", commands.help_, filters=NEW),
        CommandHandler("privacy", commands.privacy, filters=NEW),
        CommandHandler("search", search.command, filters=NEW),
        CommandHandler(glossary_command, commands.glossary, filters=NEW),
        CommandHandler(section_commands, commands.section, filters=NEW),
        CommandHandler("stats", admin.stats_command, filters=NEW),
        *([CommandHandler("language", commands.language, filters=NEW)] if languages else []),
        # Button taps: 👍 / 👎 first, then every other button.
        CallbackQueryHandler(feedback.feedback, pattern=f"^{re.escape(FEEDBACK)}"),
        CallbackQueryHandler(menu.button),
        # Inline mode (sharing cards into any chat) and which card was sent.
        InlineQueryHandler(inline.inline_query),
        ChosenInlineResultHandler(inline.chosen),
        # Groups: introduction when added, forget when removed, supergroup upgrades.
        ChatMemberHandler(groups.membership, ChatMemberHandler.MY_CHAT_MEMBER),
        MessageHandler(filters.StatusUpdate.MIGRATE, groups.migrated),
        # Catch-alls: edits, unknown commands, plain text (a question), messages without text.
        MessageHandler(filters.UpdateType.EDITED_MESSAGE, fallback.edited),
        MessageHandler(filters.COMMAND & NEW, fallback.unknown_command),
        MessageHandler(filters.TEXT & NEW & ~filters.COMMAND, search.text),
        MessageHandler(NEW & ~filters.TEXT, fallback.unsupported),
    ])
    app.add_error_handler(errors.on_error)


def command_list(content: Content) -> list[BotCommand]:
    """The public command menu, generated from the content (one source of truth)."""
    listed = [BotCommand(name, text) for name, text in BUILT_IN.items()]
    listed += [BotCommand(s.command, s.title[:256]) for s in content.walk()]
    return listed


async def _post_init(app: Application) -> None:  # type: ignore[type-arg]
    """Open the usage log; publish the command menu for private chats, groups and admins."""
    services = services_of(app)
    if services.shared is not None:
        await services.shared.start()
    if isinstance(services.usage, UsageLog):
        await services.usage.start()
    content = services.content
    listed = command_list(content)
    if services.languages is not None:  # several languages: every menu in every language
        await menus.publish(app.bot, services, BUILT_IN, ADMIN_ONLY)
    else:
        await app.bot.set_my_commands(listed, scope=BotCommandScopeAllPrivateChats())
        await app.bot.set_my_commands(listed, scope=BotCommandScopeAllGroupChats())
        await _publish_admin_commands(app, listed)
    cards = services.inline.prepare(app.bot.username)
    group_pages = services.views.prepare_groups(app.bot.username)
    log.info("ready as @%s with %d sections (%d inline cards, %d group pages)",
             app.bot.username, len(content.sections), cards, group_pages)
    # What start-up built (~100k objects: content, indexes, templates) lives as long as the bot;
    # frozen, no full collection walks it again (each took 80-130 ms, a stall for every update).
    gc.collect()
    gc.freeze()


async def _publish_admin_commands(app: Application,  # type: ignore[type-arg]
                                  listed: list[BotCommand]) -> None:
    """The public menu plus /stats, in each admin's private chat; failures don't stop start-up."""
    with_admin = [*listed, *(BotCommand(name, text) for name, text in ADMIN_ONLY.items())]
    for admin_id in sorted(services_of(app).settings.admin_ids):
        try:
            await app.bot.set_my_commands(with_admin, scope=BotCommandScopeChat(admin_id))
        except TelegramError as exc:  # e.g. "chat not found": that admin never opened the bot
            log.warning("could not add /stats to an admin's command menu (has that admin "
                        "started the bot?): %s", exc.message)


def forced_exit(app: Application) -> NoReturn:  # type: ignore[type-arg]
    """A second signal cut the shutdown short: write the usage queue without the event loop
    (which is gone), and exit at once, not waiting for the database's worker thread."""
    usage = services_of(app).usage
    code = 0
    if isinstance(usage, UsageLog):
        try:
            written = usage.write_left_behind()
            log.warning("second signal: %d queued usage records written; exiting now", written)
        except (*usage.store.faults, sqlite3.Error, OSError) as exc:
            log.error("second signal: the usage queue could not be written (%s)", exc)
            code = 1
    logging.shutdown()
    os._exit(code)


async def _post_shutdown(app: Application) -> None:  # type: ignore[type-arg]
    """Write every queued usage event, then close the database."""
    gc.unfreeze()  # collectable again (a test runs many bots in one process)
    usage = services_of(app).usage
    if isinstance(usage, UsageLog):
        await usage.close()
    shared = services_of(app).shared
    if shared is not None:
        await shared.close()
