"""Everything no other handler took: unknown commands, stickers, photos, edits.

Plain text is a question for the search (:mod:`bot.handlers.search`).

In private chats the answer is one kind line and the menu; in groups the bot stays quiet
unless a command was addressed to it by name. Edits and captions are read for a crisis first
(in a group, when they name or reply to the bot): a crisis is answered wherever it is written.
"""

from __future__ import annotations

from telegram import Chat, Update

from bot.context import BotContext
from bot.handlers.conversation import crisis_only
from bot.handlers.groups import speaks_to_bot, words_for_bot
from bot.handlers.send import reply
from bot.handlers.track import track


def _private(update: Update) -> bool:
    return update.effective_chat is not None and update.effective_chat.type == Chat.PRIVATE


async def unknown_command(update: Update, context: BotContext) -> None:
    """A command we don't know: answer in private, or in a group if it named this bot."""
    message = update.effective_message
    if message is None or not message.text:
        return
    target = message.text.split(maxsplit=1)[0].partition("@")[2].lower()
    ours = target == (context.bot.username or "").lower()
    # In private only we can see it, whatever bot it names; in a group, only if it names us.
    if _private(update) or (target and ours):
        track(update, context, "unknown")
        await reply(update, context.services.views.unknown)


async def unsupported(update: Update, context: BotContext) -> None:
    """Stickers, photos, voice notes and other messages without text, in a private chat.

    A caption is read for a crisis first (a photo with "I want to die" under it gets the crisis
    reply), in private and in a group when the caption names or replies to the bot.
    """
    if await _crisis_in(update, context):
        return
    if _private(update):
        track(update, context, "unknown")
        await reply(update, context.services.views.unsupported)


async def edited(update: Update, context: BotContext) -> None:
    """An edited message: never answered twice; in private, say how to get an answer.

    Except a crisis: an edit that reads as one (crisis or risk tier) gets the crisis reply, in
    private and in a group when the edited message speaks to the bot. Other edits of questions
    are not answered again (the note in private says to send it anew).
    """
    if await _crisis_in(update, context):
        return
    if _private(update):
        await reply(update, context.services.views.edited)


async def _crisis_in(update: Update, context: BotContext) -> bool:
    """Send the crisis reply if the message's text or caption reads as a crisis (or the risk
    tier); True if that is the whole answer (a crisis), False if the usual answer follows."""
    message = update.effective_message
    chat = update.effective_chat
    words = (message.text or message.caption) if message is not None else None
    if message is None or not words or chat is None or not speaks_to_bot(
            message, chat, context.bot.bot):
        return False
    decided = await crisis_only(update, context, words_for_bot(words, context.bot.bot))
    return decided is not None and decided.kind == "crisis"
