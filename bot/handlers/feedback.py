"""👍 / 👎 taps under a section: counted per section, thanked, and the pair taken away."""

from __future__ import annotations

from telegram import Message, Update

from bot.content.keyboards import HELPFUL, Keyboards, decode
from bot.context import BotContext
from bot.handlers import menu
from bot.handlers.send import answer, edit_keyboard
from bot.handlers.track import track_feedback


async def feedback(update: Update, context: BotContext) -> None:
    """Count the answer, thank the reader in a toast, and remove the 👍 / 👎 row (no re-render)."""
    query = update.callback_query
    if query is None:
        return
    action = decode(query.data)
    services = context.services
    if action is None or action.kind != "f" or services.views.section(action.arg) is None:
        await menu.button(update, context)  # stale or forged: the same answer as any such button
        return
    track_feedback(update, context, action.arg, helpful=action.page == HELPFUL)
    await answer(query, services.renderer.label("feedback_thanks"))
    message = query.message
    if isinstance(message, Message) and message.reply_markup is not None:
        # (messages sent through inline mode don't show us their buttons: those stay)
        markup = message.reply_markup
        await edit_keyboard(query, Keyboards.without_feedback(markup))
