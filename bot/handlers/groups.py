"""Group-aware answers and group life: introduction when added, supergroup upgrades, etiquette.

In a group every answer is one reply to the asking message, in its forum topic. A long section
shows its first page with a "Continue in private chat" link instead of paging buttons, and the
same answer asked for again in the same chat (and topic) within ten minutes gets a one-line
pointer to the earlier answer instead of a repeat (see :mod:`bot.transport.recent`).
"""

from __future__ import annotations

import logging
import re

from telegram import Chat, ChatMember, Message, ReplyParameters, Update, User
from telegram.error import BadRequest, ChatMigrated, Forbidden

from bot.content.refs import InlineMatch
from bot.content.views import View
from bot.context import BotContext
from bot.handlers.pictures import send_picture
from bot.handlers.send import reply

log = logging.getLogger(__name__)

GROUP_TYPES = frozenset({Chat.GROUP, Chat.SUPERGROUP})
_OUT = frozenset({ChatMember.LEFT, ChatMember.BANNED})
_IN = frozenset({ChatMember.MEMBER, ChatMember.ADMINISTRATOR})


def addressed(message: Message, bot: User) -> bool:
    """Whether a group message speaks to the bot: it names ``@bot`` (also as ``/cmd@bot``), or
    replies to one of the bot's messages. Other group talk is not the bot's to read."""
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot.id:
        return True
    text = message.text or message.caption or ""
    return bool(bot.username) and _mention(bot.username).search(text) is not None


def speaks_to_bot(message: Message, chat: Chat, bot: User) -> bool:
    """Whether the bot should read ``message``: every private message, and in a group only one
    that is :func:`addressed` to it."""
    return chat.type == Chat.PRIVATE or (chat.type in GROUP_TYPES and addressed(message, bot))


def words_for_bot(text: str, bot: User) -> str:
    """The words of a message addressed to the bot, without a leading command or ``@bot``."""
    if text.startswith("/"):
        text = " ".join(text.split()[1:])  # the words after the command
    if bot.username:
        text = _mention(bot.username).sub(" ", text)
    return " ".join(text.split())


def _mention(username: str) -> re.Pattern[str]:
    return re.compile(rf"@{re.escape(username)}(?!\w)", re.IGNORECASE)


def in_group(update: Update) -> bool:
    """Whether the update comes from a group or supergroup."""
    chat = update.effective_chat
    return chat is not None and chat.type in GROUP_TYPES


async def reply_section(update: Update, context: BotContext, section_id: str) -> None:
    """A section's first page: as is in private, the group variant (once per window) in groups."""
    views = context.services.views
    if not in_group(update):  # in groups one reply per question: no picture before it
        await send_picture(update, context, section_id)
        await reply(update, views.section(section_id) or views.unknown)
        return
    view = views.group_section(section_id, 1, context.bot.username)
    await reply_once(update, context, InlineMatch("section", section_id).token,
                     view or views.unknown)


async def reply_term(update: Update, context: BotContext, key: str, view: View) -> None:
    """A glossary definition; in groups, once per window like sections."""
    if in_group(update):
        await reply_once(update, context, InlineMatch("term", key).token, view)
    else:
        await reply(update, view)


async def reply_once(update: Update, context: BotContext, what: str, view: View) -> None:
    """Reply with ``view`` in a group, or point to the same answer if it was sent just before."""
    message, recent = update.effective_message, context.services.recent
    if message is None or recent is None:
        await reply(update, view)
        return
    thread = message.message_thread_id if message.is_topic_message else None
    earlier = await recent.lookup(message.chat_id, thread, what)
    if earlier is not None:
        try:
            # Replying to the earlier answer quotes it: one tap in the app jumps to it.
            await message.reply_text(
                context.services.views.repeat_pointer.html,
                reply_parameters=ReplyParameters(earlier, allow_sending_without_reply=False))
            return
        except BadRequest as exc:
            if "not found" not in exc.message.lower():
                raise
            await recent.drop(message.chat_id, thread, what)  # deleted: answer in full after all
    sent = await _reply_or_follow(update, context, view)
    if sent is not None:
        await recent.keep(sent.chat_id,
                          thread if sent.chat_id == message.chat_id else None,
                          what, sent.message_id)


async def _reply_or_follow(update: Update, context: BotContext, view: View) -> Message | None:
    """Reply; if the group has just become a supergroup, answer there instead."""
    try:
        return await reply(update, view)
    except ChatMigrated as exc:
        old_id = update.effective_chat.id if update.effective_chat else None
        new_id = int(exc.new_chat_id)
        if old_id is not None and context.services.recent is not None:
            await context.services.recent.move(old_id, new_id)
        log.info("group was upgraded to a supergroup; answering in the new chat")
        return await context.bot.send_message(new_id, view.html, reply_markup=view.keyboard)


async def membership(update: Update, context: BotContext) -> None:
    """The bot was added to a group (post one introduction) or removed (forget the group)."""
    change = update.my_chat_member
    if change is None or change.chat.type not in GROUP_TYPES:
        return
    before, after = change.old_chat_member.status, change.new_chat_member.status
    if before in _OUT and after in _IN:
        intro = context.services.views.group_intro(context.bot.username)
        try:
            await context.bot.send_message(change.chat.id, intro.html,
                                           reply_markup=intro.keyboard)
        except (BadRequest, Forbidden) as exc:  # e.g. members may not send messages there
            log.info("could not post the group introduction: %s", type(exc).__name__)
    elif after in _OUT and context.services.recent is not None:
        await context.services.recent.drop(change.chat.id)


async def migrated(update: Update, context: BotContext) -> None:
    """A group became a supergroup: move its in-memory recent answers to the new chat id."""
    message, recent = update.effective_message, context.services.recent
    if message is None or recent is None:
        return
    if message.migrate_to_chat_id:
        await recent.move(message.chat_id, message.migrate_to_chat_id)
    elif message.migrate_from_chat_id:
        await recent.move(message.migrate_from_chat_id, message.chat_id)
