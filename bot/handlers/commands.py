"""Commands: /start (with deep links), /menu, /help, /privacy, /glossary and one per section."""

from __future__ import annotations

from telegram import Update

from bot.content.keyboards import GLOSSARY_ID
from bot.context import BotContext
from bot.handlers.budget import within_budget
from bot.handlers.groups import reply_section, reply_term
from bot.handlers.send import reply
from bot.handlers.track import track


def command_name(update: Update) -> str:
    """The command of a message, without the slash and the ``@botname`` part."""
    message = update.effective_message
    text = (message.text or "") if message else ""
    return text.split(maxsplit=1)[0][1:].split("@", 1)[0].lower() if text.startswith("/") else ""

TERM_WORDS = 12  # the longest glossary name has 7 words; more is not a term


async def start(update: Update, context: BotContext) -> None:
    """Welcome and main menu; ``/start <section_id>`` (a deep link) opens that section."""
    views = context.services.views
    payload = context.args[0] if context.args else ""
    languages = context.services.languages
    if languages is not None and payload:  # /start ru, /start ru-breast (the language is set)
        tag, payload = languages.split_payload(payload)
        if tag is not None and not payload:
            track(update, context, "deep_link", "start")
            await reply(update, views.welcome)
            return
    view = views.section(payload) if payload else None
    if view is not None:
        track(update, context, "deep_link", payload)
        await reply_section(update, context, payload)
        return
    track(update, context, "command", "start")
    # An app in a language we only stand in for (zh-TW: Simplified Chinese) is told so.
    near = views.welcome_near if context.lang_near else None
    await reply(update, near or views.welcome)


async def language(update: Update, context: BotContext) -> None:
    """``/language``: the served languages by their own names; ``/language ru`` switches."""
    services = context.services
    track(update, context, "command", "language")
    languages, views = services.languages, services.views
    if languages is None or views.language_list is None:
        await reply(update, views.menu)
        return
    if context.args and languages.tag(context.args[0]) is not None:
        await reply(update, views.menu)  # already in that language (see negotiate)
        return
    await reply(update, views.language_list)


async def menu(update: Update, context: BotContext) -> None:
    """The main menu."""
    track(update, context, "command", "menu")
    await reply(update, context.services.views.menu)


async def help_(update: Update, context: BotContext) -> None:
    """Every command, generated from the content."""
    track(update, context, "command", "help")
    await reply(update, context.services.views.help)


async def privacy(update: Update, context: BotContext) -> None:
    """What is and isn't recorded."""
    track(update, context, "command", "privacy")
    await reply(update, context.services.views.privacy)


async def section(update: Update, context: BotContext) -> None:
    """Any section's own command, e.g. /colorectal: its first page."""
    services = context.services
    found = services.content.by_command(command_name(update))
    track(update, context, "command" if found else "unknown", found.id if found else None)
    if found is None:
        await reply(update, services.views.unknown)
        return
    await reply_section(update, context, found.id)


async def glossary(update: Update, context: BotContext) -> None:
    """``/glossary`` lists the words; ``/glossary <word>`` explains one.

    What was typed is never repeated: a URL, phone number or @mention in the bot's answer
    would be a link posted with the bot's authority. Only the first few words are looked up.
    """
    views = context.services.views
    word = " ".join((context.args or ())[:TERM_WORDS])
    track(update, context, "command", GLOSSARY_ID)
    if not word:
        view = views.glossary(1) or views.section(GLOSSARY_ID) or views.menu
    elif not await within_budget(update, context):
        return
    else:
        term = context.services.search.find_term(word)  # typos and split words allowed
        found = views.term(term.key) if term else None
        if term is not None and found is not None:
            await reply_term(update, context, term.key, found)
            return
        view = views.glossary_missing
    await reply(update, view)
