"""Per-language command menus and profile texts, published at start-up (issue 14).

Telegram shows a person the command list and description in their app's language when one was
set for it (``language_code``), else the default (English). Every scope the bot uses gets every
served language, including each admin's own chat: a chat scope hides the scope-wide lists, so
an admin with a Russian app would otherwise see only English there.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from telegram import (
    Bot,
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
)
from telegram.error import TelegramError

from bot.context import Services

log = logging.getLogger(__name__)

MAX_COMMAND_TEXT = 256  # telegram.constants.BotCommandLimit.MAX_DESCRIPTION
MAX_DESCRIPTION = 512  # telegram.constants.BotDescriptionLimit.MAX_DESCRIPTION_LENGTH
MAX_SHORT_DESCRIPTION = 120  # ... MAX_SHORT_DESCRIPTION_LENGTH


def commands_in(bundle: Services, built_in: Mapping[str, str]) -> list[BotCommand]:
    """The public command list in ``bundle``'s language: built-in commands, then sections."""
    say = bundle.renderer.gettext
    listed = [BotCommand(name, say(text)[:MAX_COMMAND_TEXT]) for name, text in built_in.items()]
    if bundle.languages is not None:
        names = ", ".join(bundle.languages.known[t].name for t in bundle.languages.enabled)
        listed.append(BotCommand("language", f"🌐 {say('Choose the language')}: {names}"
                                 [:MAX_COMMAND_TEXT]))
    listed += [BotCommand(s.command, s.title[:MAX_COMMAND_TEXT]) for s in bundle.content.walk()]
    return listed


def profile_in(bundle: Services) -> tuple[str, str]:
    """The bot's description and short description in ``bundle``'s language, within limits."""
    label = bundle.renderer.label
    return (label("bot_description")[:MAX_DESCRIPTION],
            label("bot_short_description")[:MAX_SHORT_DESCRIPTION])


async def publish(bot: Bot, english: Services, built_in: Mapping[str, str],
                  admin_only: Mapping[str, str]) -> int:
    """Every language's commands in every scope, and its description; returns calls made."""
    calls = 0
    bundles = [english, *english.translations.values()]
    for bundle in bundles:
        code = None if bundle is english else bundle.lang.split("-")[0]
        listed = commands_in(bundle, built_in)
        say = bundle.renderer.gettext
        admin = [*listed, *(BotCommand(n, say(t)[:MAX_COMMAND_TEXT])
                            for n, t in admin_only.items())]
        scopes: list[tuple[BotCommandScope, list[BotCommand]]] = [
            (BotCommandScopeAllPrivateChats(), listed), (BotCommandScopeAllGroupChats(), listed)]
        scopes += [(BotCommandScopeChat(a), admin) for a in sorted(english.settings.admin_ids)]
        for scope, commands in scopes:
            try:
                await bot.set_my_commands(commands, scope=scope, language_code=code)
                calls += 1
            except TelegramError as exc:  # e.g. an admin who never opened the bot
                log.warning("could not set the %s command menu for one scope: %s",
                            bundle.lang, exc.message)
        description, short = profile_in(bundle)
        try:
            await bot.set_my_description(description, language_code=code)
            await bot.set_my_short_description(short, language_code=code)
            calls += 2
        except TelegramError as exc:  # the profile is a nicety: never stop the bot for it
            log.warning("could not set the %s description: %s", bundle.lang, exc.message)
        bundle.inline.prepare(bot.username)
        bundle.views.prepare_groups(bot.username)
    return calls
