"""The order of precedence for a typed message, stated once: what answers it first.

1. **crisis**: the person may want to die or be in danger: the crisis contacts, before anything.
   A message that only *mentions* death, goodbyes or medicines (the ``risk`` list) keeps its own
   answer below, with the crisis contacts sent first (``Route.risk``).
2. **urgent**: a red-flag symptom: the search reply, which puts the urgent advice first.
3. **feelings**: fear, grief, guilt: a kind acknowledgement and who to talk to, then any topics.
4. **small talk**: greeting, thanks, goodbye, "are you human?", "can I talk to someone?", "help".
   A message that is small talk and nothing else gets no crisis contacts: a plain "goodbye" or
   "再见" is not a warning sign ("this is the last one. bye x" is not only small talk).
   Small talk with a little context that asks nothing ("hello, first time using this", "can
   you put me through to a human") is small talk too, but only when nothing in the message
   mentions risk: then the message keeps the search's answer, with the crisis contacts first.
   A message that only acknowledges ("ok", "haha", "lol", "👍") gets a one-line reply in
   private and none in a group: a family laughing at the bot's answer needs no reply from it.
5. **search**: the topics that answer the question; or **no match**, the search's kind reply.

The handler (:mod:`bot.handlers.conversation`) acts on the route; the search (steps 2 and 5) is
answered by the search handler as before.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.search.conversation.recogniser import Conversation
from bot.search.index import SearchIndex

PRECEDENCE = ("crisis", "urgent", "feelings", "small_talk", "search", "no_match")
SEARCH = "search"  # steps 2 and 5: the search handler answers (urgent first, or no match)
ACKNOWLEDGEMENT = "ok"  # step 4 too: "ok", "haha", "👍": a short reply in private, none in groups


@dataclass(frozen=True)
class Route:
    """Which reply a message gets: ``crisis``, ``feelings``, a small-talk kind, or ``search``."""

    kind: str
    language: str  # of the reply: a crisis may be recognised in another loaded language
    risk: bool = False  # send the crisis contacts first, then this kind's answer


def route(text: str, language: str, conversation: Conversation, search: SearchIndex) -> Route:
    """Decide the reply for ``text`` written in (or sent to the bot set to) ``language``."""
    crisis = conversation.crisis_language(text, prefer=language)
    if crisis is not None:
        return Route("crisis", crisis)
    risk = conversation.mentions_risk(text, language)
    if search.is_urgent(text):
        return Route(SEARCH, language, risk)
    if conversation.is_feelings(text, language):
        return Route("feelings", language, risk)
    small_talk = conversation.small_talk(text, language)
    if small_talk is not None:  # a whole message of small talk ("goodbye", "再见") is no warning
        return Route(small_talk, language)
    if risk:  # a risk word beside anything else: the search's answer, the contacts first
        return Route(SEARCH, language, risk)
    in_context = conversation.small_talk_in_context(  # "hello, first time here": asks nothing
        text, language, lambda rest: search.find_term(rest) is not None or search.is_urgent(rest))
    if in_context is not None:
        return Route(in_context, language)
    if conversation.acknowledges(text, language):
        return Route(ACKNOWLEDGEMENT, language)
    return Route(SEARCH, language)
