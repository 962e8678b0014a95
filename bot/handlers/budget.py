"""Costly requests (searches, inline queries, glossary look-ups) within each person's budget."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.handlers.send import reply
from bot.usage.budget import Spend


async def within_budget(update: Update, context: BotContext, cost: float = 1.0) -> bool:
    """True if this person may have the answer now; else say "slow down" once and stay quiet."""
    budget = context.services.budget
    user = update.effective_user
    if budget is None:
        return True
    spend = budget.spend(user.id if user else None, cost)
    if spend is Spend.OK:
        return True
    if spend is Spend.SLOW_DOWN and update.effective_message is not None:
        await reply(update, context.services.views.slow_down)
    return False
