"""Sending a section's picture before its text: uploaded once, then sent by Telegram's file_id."""

from __future__ import annotations

import logging

from telegram import InputFile, MaybeInaccessibleMessage, Message, Update
from telegram.error import BadRequest, TelegramError

from bot.content.keyboards import decode
from bot.content.pictures import PhotoIds, Picture
from bot.context import BotContext

log = logging.getLogger(__name__)


async def send_picture(update: Update, context: BotContext, section_id: str) -> bool:
    """Send the section's picture into the update's chat; whether one was sent.

    A picture that cannot be sent is logged and left out: the section's text follows anyway.
    """
    services = context.services
    picture = services.pictures.for_section(section_id)
    ids, message = services.photo_ids, update.effective_message
    if picture is None or ids is None or message is None:
        return False
    known = ids.get(picture.name)
    if known is not None:
        try:
            await message.reply_photo(known, caption=picture.caption)
            return True
        except BadRequest as exc:  # an expired or foreign file_id: upload it again, once
            ids.forget(picture.name)
            log.info("file_id of picture %s refused (%s); uploading it again", picture.name,
                     exc.message)
        except TelegramError as exc:
            log.warning("picture %s not sent: %s", picture.name, type(exc).__name__)
            return False
    return await _upload(message, picture, ids)


async def _upload(message: Message, picture: Picture, ids: PhotoIds) -> bool:
    try:
        sent = await message.reply_photo(InputFile(picture.png, filename=f"{picture.name}.png"),
                                         caption=picture.caption)
    except TelegramError as exc:
        log.warning("picture %s not sent: %s", picture.name, type(exc).__name__)
        return False
    if sent.photo:  # the largest size comes last; any size's file_id sends the same photo
        ids.remember(picture.name, sent.photo[-1].file_id)
    return True


def already_shown(context: BotContext, tapped: MaybeInaccessibleMessage | None,
                  section_id: str) -> bool:
    """Whether the tapped message is a page of a section with the same picture as
    ``section_id`` (e.g. /spread to /spread_portal), so that it is not sent again.

    The section of a page is read from its 👍/👎 buttons, which name it.
    """
    pictures = context.services.pictures
    wanted = pictures.for_section(section_id)
    markup = tapped.reply_markup if isinstance(tapped, Message) else None
    if wanted is None or markup is None:
        return False
    for row in markup.inline_keyboard:
        for button in row:
            action = decode(button.callback_data) if isinstance(button.callback_data, str) \
                else None
            if action is not None and action.kind == "f":
                return pictures.for_section(action.arg) is wanted
    return False
