"""Questions in the user's own words: plain text in private chats, /search anywhere, and group
messages that speak to the bot (``@bot …``, or a reply to one of its messages).

The words go to the search index and are dropped: they are never logged or stored. The usage log
gets only "search" and the first section shown (or nothing, for no match).
"""

from __future__ import annotations

from telegram import Chat, Update

from bot.context import BotContext
from bot.handlers.budget import within_budget
from bot.handlers.conversation import respond
from bot.handlers.groups import speaks_to_bot, words_for_bot
from bot.handlers.send import reply
from bot.handlers.track import track
from bot.search.views import stats_section

MAX_RESULTS = 3  # a phone screen's worth of buttons


async def text(update: Update, context: BotContext) -> None:
    """Plain text in a private chat: a question; in a group only if it speaks to the bot, and
    then read and answered as ``/search`` would be (crisis first), in the group."""
    message = update.effective_message
    chat = update.effective_chat
    if message is None or not message.text or chat is None:
        return
    if chat.type == Chat.PRIVATE:
        await _answer(update, context, message.text)
    elif speaks_to_bot(message, chat, context.bot.bot):
        words = words_for_bot(message.text, context.bot.bot)
        if not words:  # "@bot" alone: how to ask, as for /search alone
            track(update, context, "command", "search")
            await reply(update, context.services.search_views.usage)
            return
        await _answer(update, context, words)


async def command(update: Update, context: BotContext) -> None:
    """``/search <words>`` in any chat; ``/search`` alone explains how to use it."""
    words = " ".join(context.args or ())
    if not words.strip():
        track(update, context, "command", "search")
        await reply(update, context.services.search_views.usage)
        return
    await _answer(update, context, words)


async def _answer(update: Update, context: BotContext, words: str) -> None:
    # Crisis, feelings, small talk (in that order), in the language being answered in.
    language = context.lang if context.services.languages is not None else None
    if await respond(update, context, words, language):
        return
    services = context.services
    if not await within_budget(update, context):
        return
    answer = services.search.answer(words, MAX_RESULTS)
    track(update, context, "search", stats_section(answer))
    await reply(update, services.search_views.answer(answer))
