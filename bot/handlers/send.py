"""Sending and editing messages, with the narrow error handling every handler wants."""

from __future__ import annotations

import logging

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest

from bot.content.views import View

log = logging.getLogger(__name__)

# BadRequest texts that mean "nothing to do", not a failure (see telegram-notes.md pitfalls).
_HARMLESS = ("message is not modified", "query is too old", "query id is invalid")
_CANNOT_EDIT = ("message to edit not found", "message can't be edited", "message_id_invalid")


async def reply(update: Update, view: View) -> Message | None:
    """Answer the update's message in its chat (and forum topic), quoting it in groups."""
    message = update.effective_message
    if message is None:
        return None
    return await message.reply_text(view.html, reply_markup=view.keyboard)


async def answer(query: CallbackQuery, text: str | None = None) -> None:
    """Stop the button's spinner; a too-old query is not an error."""
    try:
        await query.answer(text)
    except BadRequest as exc:
        if not _matches(exc, _HARMLESS):
            raise
        log.debug("callback answer skipped: %s", exc.message)


async def edit(query: CallbackQuery, view: View) -> None:
    """Show ``view`` in place of the tapped message; send it anew if that can't be edited."""
    try:
        await query.edit_message_text(view.html, reply_markup=view.keyboard)
    except BadRequest as exc:
        if _matches(exc, _HARMLESS):
            return
        if not _matches(exc, _CANNOT_EDIT) or not isinstance(query.message, Message):
            raise
        await query.message.chat.send_message(
            view.html, reply_markup=view.keyboard, message_thread_id=_thread(query.message))


async def edit_keyboard(query: CallbackQuery, keyboard: InlineKeyboardMarkup) -> None:
    """Replace only the buttons under the tapped message; a vanished message is no error."""
    try:
        await query.edit_message_reply_markup(reply_markup=keyboard)
    except BadRequest as exc:
        if not _matches(exc, _HARMLESS + _CANNOT_EDIT):
            raise
        log.debug("keyboard not changed: %s", exc.message)


def _thread(message: Message) -> int | None:
    return message.message_thread_id if message.is_topic_message else None


def _matches(exc: BadRequest, needles: tuple[str, ...]) -> bool:
    text = exc.message.lower()
    return any(needle in text for needle in needles)
