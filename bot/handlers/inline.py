"""Inline mode: ``@bot words`` in any chat lists matching sections and glossary terms to share.

Works for anyone, whether or not they have ever started the bot: an inline query needs no chat.
The answer is the same for everyone (``is_personal=False``) and holds no personal data; the
query text is matched and forgotten, never recorded or logged.
"""

from __future__ import annotations

import logging

from telegram import InlineQuery, InlineQueryResultArticle, InlineQueryResultsButton, Update
from telegram.constants import InlineQueryLimit
from telegram.error import BadRequest

from bot.content.keyboards import GLOSSARY_ID
from bot.content.loader import Content
from bot.content.refs import InlineMatch
from bot.context import BotContext, Services
from bot.handlers.budget import within_budget
from bot.handlers.conversation import alarm
from bot.handlers.track import track
from bot.usage.budget import INLINE

log = logging.getLogger(__name__)

CACHE_SECONDS = 300  # Telegram may serve the same answer to anyone for this long
SHARE_CACHE_SECONDS = 0  # Share queries always reach the bot, so each share is counted
NO_MATCH_START = "inline"  # /start payload of the "browse all topics" button; opens the welcome
_HARMLESS = ("query is too old", "query id is invalid")


def section_of(match: InlineMatch | None, content: Content) -> str | None:
    """The section an inline result counts for (glossary words count as the glossary)."""
    if match is None:
        return None
    if match.kind == "section":
        return match.key if match.key in content.sections else None
    return GLOSSARY_ID if match.key in content.terms else None


async def inline_query(update: Update, context: BotContext) -> None:
    """Answer ``@bot <words>``: matching cards, the main topics when empty, one card to share."""
    query = update.inline_query
    if query is None:
        return
    services = context.services
    username = context.bot.username
    text = query.query.strip()
    shared = InlineMatch.from_token(text)
    cache_time = CACHE_SECONDS
    cards: list[InlineQueryResultArticle]
    if shared is not None:
        # Exactly the query a Share button inserts. The tap itself happens in the user's app
        # and never reaches the bot; this query arriving is the "share" we can count.
        card = services.inline.article(shared, username)
        cards = [card] if card is not None else []
        cache_time = SHARE_CACHE_SECONDS
        track(update, context, "share", section_of(shared, services.content))
    elif not text:
        cards = services.inline.top(username)
        track(update, context, "inline_query")
    elif (decided := alarm(context, text)) is not None and services.conversation_views:
        # A crisis (or the risk tier) comes first, whatever the budget: the crisis card on top,
        # then, for words that only mention death or medicines, the cards that match.
        cards = [services.conversation_views.crisis_card(decided.language, username)]
        track(update, context, "crisis")
        if decided.kind != "crisis":
            cards += [card for match in _matches(services, text)
                      if (card := services.inline.article(match, username)) is not None]
            track(update, context, "inline_query")
    elif not await within_budget(update, context, INLINE):
        return  # over this person's budget: no answer (Telegram shows no results)
    else:
        matches = _matches(services, text)
        cards = [card for match in matches
                 if (card := services.inline.article(match, username)) is not None]
        track(update, context, "inline_query")
    button = None if cards else InlineQueryResultsButton(
        text=services.renderer.label("inline_no_match"), start_parameter=NO_MATCH_START)
    # With several languages the cards depend on the sender's language: not cached for all.
    await _answer(query, cards[:InlineQueryLimit.RESULTS], cache_time, button,
                  personal=services.languages is not None)


async def chosen(update: Update, context: BotContext) -> None:
    """A card was sent into a chat (inline feedback): record which one, never the query."""
    result = update.chosen_inline_result
    if result is None:
        return
    match = InlineMatch.from_token(result.result_id)
    track(update, context, "inline_chosen", section_of(match, context.services.content))


async def _answer(query: InlineQuery, cards: list[InlineQueryResultArticle], cache_time: int,
                  button: InlineQueryResultsButton | None, personal: bool = False) -> None:
    """Send the cards; a query the user has already moved on from is not an error."""
    try:
        await query.answer(cards, cache_time=cache_time, is_personal=personal, button=button)
    except BadRequest as exc:
        if not any(needle in exc.message.lower() for needle in _HARMLESS):
            raise
        log.debug("inline answer skipped: %s", exc.message)


def _matches(services: Services, text: str) -> list[InlineMatch]:
    """The free-text search's answer (lay words, red flags); else words still being typed.

    Prefix matching is the slow part (every field, every word), and only needed while a word is
    half-typed, which is exactly when the search finds no topic.
    """
    answer = services.search.answer(text, limit=10)
    found = [InlineMatch(m.kind, m.key) for m in answer.matches]
    if len(found) <= answer.urgent:  # nothing besides the urgent advice: try the word prefixes
        found += services.inline.matcher.match(text, InlineQueryLimit.RESULTS)
    return list(dict.fromkeys(found))  # keeps the order, drops repeats
