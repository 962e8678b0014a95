"""The one error handler: log what failed (never the update's contents), apologise in private."""

from __future__ import annotations

import logging

from telegram import Chat, Update
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.context import BotContext
from bot.handlers.send import reply

log = logging.getLogger(__name__)


async def on_error(update: object, context: BotContext) -> None:
    """Log the exception with its type only; tell a private-chat user something went wrong."""
    error = context.error
    if isinstance(error, Forbidden):
        log.info("not allowed to write to a chat (blocked or removed): %s", error.message)
        return
    if isinstance(error, ChatMigrated):  # its message holds the group's new chat id: not logged
        log.info("a group became a supergroup before an answer reached it: ChatMigrated")
        return
    # BadRequest subclasses NetworkError in python-telegram-bot, but it is our mistake, not the
    # network's: it gets a traceback below.
    if isinstance(error, NetworkError | RetryAfter) and not isinstance(error, BadRequest):
        log.warning("network problem talking to Telegram: %s", type(error).__name__)
        return
    log.error("error while handling an update: %s", type(error).__name__, exc_info=error)
    if (
        isinstance(update, Update)
        and update.effective_chat is not None
        and update.effective_chat.type == Chat.PRIVATE
        and update.effective_message is not None
    ):
        try:
            await reply(update, context.services.views.error)
        except TelegramError as exc:
            log.warning("could not send the error message: %s", type(exc).__name__)
