"""Button taps (callback queries): move between menus, section pages and glossary words."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.handlers.send import answer, edit, reply
from bot.keyboards import Action, decode
from bot.views import View, Views


def resolve(views: Views, action: Action | None) -> View | None:
    """The screen a button leads to, or None when the button is stale or forged."""
    if action is None:
        return None
    if action.kind == "m":
        return views.menu
    if action.kind == "s":
        return views.section(action.arg, action.page)
    if action.kind == "g":
        return views.term(action.arg)
    if action.kind == "gl":
        return views.glossary(action.page)
    return None


async def button(update: Update, context: BotContext) -> None:
    """Answer the tap at once, then edit the message in place."""
    query = update.callback_query
    if query is None:
        return
    views = context.services.views
    view = resolve(views, decode(query.data))
    if view is None:
        await answer(query, context.services.renderer.label("stale_answer"))
        if query.message is not None:  # inline messages have no chat to write into
            await reply(update, views.stale)
        return
    await answer(query)
    await edit(query, view)
