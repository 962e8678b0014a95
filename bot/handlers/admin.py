"""Admin commands: ``/stats`` shows anonymous usage figures to the ids in ``BOT_ADMIN_IDS``.

To anyone else, and in any group, ``/stats`` is answered exactly like an unknown command, so
nothing hints that it exists (Telegram's command scopes only hide it from menus).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from telegram import Chat, InputFile, Update
from telegram.error import TelegramError

from bot.content.views import View
from bot.context import BotContext
from bot.handlers.fallback import unknown_command
from bot.handlers.send import reply
from bot.usage import stats
from bot.usage.chart import chart_png
from bot.usage.log import UsageLog

log = logging.getLogger(__name__)

DEFAULT_DAYS = 7
MAX_DAYS = 366


def is_admin(update: Update, context: BotContext) -> bool:
    """An admin's own private chat with the bot."""
    user, chat = update.effective_user, update.effective_chat
    return (user is not None and chat is not None and chat.type == Chat.PRIVATE
            and user.id in context.services.settings.admin_ids)


def requested_days(args: list[str] | None) -> int | None:
    """Days asked for with ``/stats [days]``; None when the argument is not 1..MAX_DAYS."""
    if not args:
        return DEFAULT_DAYS
    raw = args[0]
    if len(args) > 1 or not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_DAYS:
        return None
    return int(raw)


async def stats_command(update: Update, context: BotContext) -> None:
    """Usage figures for the last days, for admins in private; an unknown command otherwise."""
    if not is_admin(update, context):
        await unknown_command(update, context)
        return
    renderer = context.services.renderer
    days = requested_days(context.args)
    if days is None:
        await reply(update, View(renderer.render("stats_usage", max_days=MAX_DAYS)))
        return
    usage = context.services.usage
    if isinstance(usage, UsageLog):
        report = await usage.report(days)
    else:  # recording is switched off
        report = stats.unavailable(*stats.period(days, datetime.now(UTC).date()))
    await reply(update, View(stats.render(renderer, report)))
    await _send_chart(update, context, report)


async def _send_chart(update: Update, context: BotContext, report: stats.Report) -> None:
    """The period as a small chart, after the figures; left out when there is nothing to draw."""
    message = update.effective_message
    if message is None or not report.available or not report.total:
        return
    renderer = context.services.renderer
    png = await asyncio.to_thread(chart_png, renderer, report)  # a few ms of CPU, off the loop
    try:
        await message.reply_photo(InputFile(png, filename="stats.png"),
                                  caption=renderer.render("stats_chart_caption", report=report))
    except TelegramError as exc:  # the figures were sent; the chart is extra
        log.warning("stats chart not sent: %s", type(exc).__name__)
