"""Typed messages that are not (only) a question: crisis, feelings and small talk.

:func:`respond` is called first for every typed message: private, and in a group ``/search`` or
a message that names or replies to the bot. It follows the order of precedence of
:mod:`bot.search.conversation.route`, answers what is its own and returns False for the search
to answer (red flags first, then topics, then no match). Edits and inline queries are read for
a crisis only (:func:`alarm`). The message is read and dropped; the usage log gets only the kind
(``crisis``, ``greeting``, …).
"""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.handlers.groups import in_group
from bot.handlers.send import reply
from bot.handlers.track import track
from bot.search.conversation.route import ACKNOWLEDGEMENT, SEARCH, Route, route

MAX_TOPICS = 3  # as many topics as the search shows


async def respond(update: Update, context: BotContext, words: str,
                  language: str | None = None) -> bool:
    """Answer ``words`` if they are crisis, feelings or small talk; False leaves it to search.

    ``language`` is the user's language once there are several (the languages work feeds it);
    None means the content's own language.
    """
    services = context.services
    conversation, views = services.conversation, services.conversation_views
    if conversation is None or views is None:
        return False
    decided = route(words, language or conversation.default, conversation, services.search)
    if decided.risk:  # the crisis contacts above whatever else answers the message
        track(update, context, "crisis")
        await reply(update, views.crisis(decided.language))
    if decided.kind == SEARCH:
        return False
    if decided.kind == ACKNOWLEDGEMENT:  # "ok", "haha": a group needs no reply; not counted
        if not in_group(update):
            await reply(update, views.small_talk(ACKNOWLEDGEMENT))
        return True
    if decided.kind == "crisis":
        view = views.crisis(decided.language)
    elif decided.kind == "feelings":
        view = views.feelings(services.search.answer(words, MAX_TOPICS))
    else:
        view = views.small_talk(decided.kind)
    track(update, context, decided.kind)
    await reply(update, view)
    return True


def alarm(context: BotContext, words: str) -> Route | None:
    """The route of ``words`` if they call for the crisis contacts (a crisis, or the risk tier),
    else None. For replies that are not a typed message's: edits and inline queries."""
    services = context.services
    conversation = services.conversation
    if conversation is None or services.conversation_views is None:
        return None
    language = context.lang if services.languages is not None else conversation.default
    decided = route(words, language, conversation, services.search)
    return decided if decided.kind == "crisis" or decided.risk else None


async def crisis_only(update: Update, context: BotContext, words: str) -> Route | None:
    """The crisis reply, if ``words`` read as a crisis (or the risk tier), for messages that
    are otherwise not answered in full: edits (the person may have changed "what is ascites"
    into something else entirely) and captions. The route, or None if nothing was sent."""
    decided = alarm(context, words)
    views = context.services.conversation_views
    if decided is None or views is None:
        return None
    track(update, context, "crisis")
    await reply(update, views.crisis(decided.language))
    return decided
