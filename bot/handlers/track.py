"""Record one anonymous usage event for an update: what was read, how, in what kind of chat.

Only the event's kind, the section id, the chat type and a language bucket leave this
module; the user id is handed over solely for the in-memory daily-unique count (see
:mod:`bot.usage.log`), never stored.
"""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.usage.buckets import language_bucket

KINDS = frozenset({"command", "button", "deep_link", "inline_query", "inline_chosen", "search",
                   "share", "feedback", "unknown",
                   # typed messages that are not a search (bot/search/conversation/route.py)
                   "crisis", "feelings", "greeting", "thanks", "goodbye", "human",
                   "talk_to_someone", "help"})


def chat_type(update: Update) -> str:
    """``private``, ``group``, ``supergroup``, ``channel``, or ``inline`` for inline mode."""
    if update.inline_query is not None or update.chosen_inline_result is not None:
        return "inline"
    chat = update.effective_chat
    if chat is None:  # a button under a message sent through inline mode
        return "inline"
    return chat.type if chat.type in ("private", "group", "supergroup", "channel") else "other"


def language(update: Update) -> str:
    """The user's app language as one of the fixed buckets (:mod:`bot.usage.buckets`)."""
    user = update.effective_user
    return language_bucket(user.language_code if user else None)


def answer_language(context: BotContext) -> str:
    """The two letters of the language the bot answers in (``zh-Hans`` -> ``zh``).

    Counted instead of the app's language when several languages are served: what people read
    in. Every served language is one of the usage log's fixed language buckets, so no bucket
    is finer than before.
    """
    return context.lang.split("-")[0][:2].lower()


def track(update: Update, context: BotContext, kind: str, section: str | None = None) -> None:
    """Hand one event to the usage log, if there is one; never raises into the handler."""
    recorder = context.services.usage
    if recorder is None:
        return
    user = update.effective_user
    # With several languages served, the language of the answer is what is counted.
    lang = language(update) if context.services.languages is None else answer_language(context)
    recorder.record(kind, section, chat_type=chat_type(update), language=lang,
                    user_id=user.id if user else None)


def track_feedback(update: Update, context: BotContext, section: str, *, helpful: bool) -> None:
    """A 👍 / 👎 tap: one ``feedback`` event, and the answer added to the section's counts."""
    track(update, context, "feedback", section)
    recorder = context.services.usage
    if recorder is not None:
        recorder.answer(section, helpful)
