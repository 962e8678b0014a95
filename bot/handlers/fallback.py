"""Everything no other handler took: unknown commands, stickers, photos, edits.

Plain text is a question for the search (:mod:`bot.handlers.search`).

In private chats the answer is one kind line and the menu; in groups the bot stays quiet
unless a command was addressed to it by name.
"""

from __future__ import annotations

from telegram import Chat, Update

from bot.context import BotContext
from bot.handlers.conversation import crisis_on_edit
from bot.handlers.groups import GROUP_TYPES, addressed, words_for_bot
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
    """Stickers, photos, voice notes and other messages without text, in a private chat."""
    if _private(update):
        track(update, context, "unknown")
        await reply(update, context.services.views.unsupported)


async def edited(update: Update, context: BotContext) -> None:
    """An edited message: never answered twice; in private, say how to get an answer.

    Except a crisis: an edit that reads as one (crisis or risk tier) gets the crisis reply, in
    private and in a group when the edited message speaks to the bot. Other edits of questions
    are not answered again (the note in private says to send it anew).
    """
    message = update.effective_message
    chat = update.effective_chat
    if message is not None and message.text and chat is not None and (
            chat.type == Chat.PRIVATE
            or (chat.type in GROUP_TYPES and addressed(message, context.bot.bot))):
        decided = await crisis_on_edit(update, context, words_for_bot(message.text,
                                                                      context.bot.bot))
        if decided is not None and decided.kind == "crisis":
            return
    if _private(update):
        await reply(update, context.services.views.edited)
