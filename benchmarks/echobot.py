"""The floor of the load benchmark: a bare python-telegram-bot bot with default settings.

Every update gets one API call with a fixed text: messages a reply, button taps an answer,
inline queries an empty answer. No content, no rendering, no keyboards, no usage log.
"""

from __future__ import annotations

import os

from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, TypeHandler

TEXT = "Thanks, got it."


async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reply with the fixed text."""
    if update.callback_query is not None:
        await update.callback_query.answer(TEXT)
    elif update.inline_query is not None:
        await update.inline_query.answer([])
    elif update.effective_message is not None:
        await update.effective_message.reply_text(TEXT)


def main() -> None:
    """Poll the Bot API at ``BOT_API_BASE_URL`` with ``BOT_TOKEN``."""
    app = (ApplicationBuilder().token(os.environ["BOT_TOKEN"])
           .base_url(os.environ["BOT_API_BASE_URL"]).build())
    app.add_handler(TypeHandler(Update, answer))
    app.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
