"""Button taps (callback queries): move between menus, section pages and glossary words."""

from __future__ import annotations

from telegram import Update

from bot.content.keyboards import Action, decode
from bot.content.views import View, Views
from bot.context import BotContext
from bot.handlers.groups import in_group
from bot.handlers.pictures import already_shown, send_picture
from bot.handlers.send import answer, edit, reply
from bot.handlers.track import track


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
    if action.kind == "l":  # the 🌐 button: the language list (None with English only)
        return views.language_list
    if action.kind == "gl":
        return views.glossary(action.page)
    if action.kind == "f":  # feedback keeps the reader where they are: valid if the section is
        return views.section(action.arg)
    return None



async def button(update: Update, context: BotContext) -> None:
    """Answer the tap at once, then edit the message in place."""
    query = update.callback_query
    if query is None:
        return
    views = context.services.views
    action = decode(query.data)
    view = resolve(views, action)
    if view is not None and action is not None and action.kind == "s" and in_group(update):
        view = views.group_section(action.arg, action.page, context.bot.username) or view
    track(update, context, "button" if view else "unknown", _section_of(action) if view else None)
    if view is None:
        await answer(query, context.services.renderer.label("stale_answer"))
        if query.message is not None:  # inline messages have no chat to write into
            await reply(update, views.stale)
        return
    await answer(query)
    if (action is not None and action.kind == "s" and action.page == 1 and not in_group(update)
            and not already_shown(context, query.message, action.arg)
            and await send_picture(update, context, action.arg)):
        await reply(update, view)  # below the picture: editing would leave the text above it
        return
    await edit(query, view)


def _section_of(action: Action | None) -> str | None:
    """The section a button belongs to, for the usage log (glossary words count as glossary)."""
    if action is None or action.kind == "m":
        return None
    return action.arg if action.kind == "s" else "glossary"
