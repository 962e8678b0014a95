"""``python -m bot check``: every rule Telegram and our content scheme impose, checked at once."""

from __future__ import annotations

import re
from dataclasses import replace

from telegram import InlineKeyboardMarkup

from bot import menus
from bot.app import BUILT_IN, build_services, command_list
from bot.config import Settings
from bot.content.keyboards import MAX_CALLBACK_BYTES, decode
from bot.content.languages import SOURCE, load_languages
from bot.content.loader import ContentError
from bot.content.markdown import html_problems, visible_length
from bot.content.pictures import fonts_available
from bot.content.render import MAX_MESSAGE, RenderError
from bot.content.views import Views
from bot.context import Services
from bot.handlers.menu import resolve
from bot.review import catalogs, glyphs, parity, picture_parity
from bot.review.levels import level_problems, level_report, measure_sections

CHECK_USERNAME = "YourBotName"  # stands in for the bot's username in deep links
_COMMAND_IN_TEXT = re.compile(r"(?<![\w/<])/([a-z0-9_]{1,32})\b")
_HREF = re.compile(r'href="([^"]*)"')


def check_all(settings: Settings) -> tuple[list[str], str]:
    """All problems found (empty when fine) and a summary (with any warnings, one a line).

    Every language with a ``content/<lang>/`` folder is checked, served or not, so a
    translation is ready before a deployer enables it; the UI catalogs of the served
    languages (``BOT_LANGUAGES``) must be complete.
    """
    try:
        languages = load_languages(settings.locale_dir / "languages.yaml", settings.languages)
        present = [t for t in languages.known
                   if t == SOURCE or (settings.content_dir.parent / t).is_dir()]
        services = build_services(replace(settings, languages=tuple(present)))
    except (ContentError, RenderError) as exc:
        return [str(exc)], ""
    problems = catalogs.problems(settings.templates_dir, settings.locale_dir, languages)
    problems += [f"BOT_LANGUAGES serves {t}, but {settings.content_dir.parent / t} is missing"
                 for t in languages.enabled if t not in present]
    warnings: list[str] = []
    bundles = [services, *services.translations.values()]
    for bundle in bundles:
        prefix = "" if bundle is services else f"[{bundle.lang}] "
        try:
            problems += [prefix + p for p in _check_bundle(bundle)]
        except (RenderError, ValueError) as exc:
            return [f"{prefix}inline cards or group pages: {exc}"], ""
        if bundle is not services:
            found, warned = parity.compare(services.content, bundle.content, bundle.lang)
            pictures, unlabelled = picture_parity.compare(services, bundle)
            problems += found + pictures
            warnings += warned + unlabelled
    unfit, boxes = glyphs.problems(services)  # every label drawable: no empty boxes
    problems += unfit
    warnings += boxes
    # Reading grades are measured in English, the source (the measures are English ones).
    levels = measure_sections(services.content, services.renderer.markdown)
    problems += level_problems(levels)
    pages = sum(len(p) for p in services.renderer.pages.values())
    known = _known_commands(services)
    cards = len(services.content.sections) + len(services.content.terms)
    summary = [f"ok: {len(services.content.sections)} sections, {pages} pages, "
               f"{len(services.content.terms)} glossary terms, {len(known)} commands, "
               f"{cards} inline cards, {len(services.pictures.by_name())} pictures; "
               f"languages checked: {', '.join(present)}; served: "
               f"{', '.join(languages.enabled)}", "",
               "reading grades (see the README):", *level_report(levels)]
    # Warnings last: pages whose English changed since they were translated (not failures).
    return problems, "\n".join([*summary, *(["", *(f"warning: {w}" for w in warnings)]
                                            if warnings else [])])


def _known_commands(services: Services) -> set[str]:
    extra = {"language"} if services.languages is not None else set()
    return set(BUILT_IN) | extra | {s.command for s in services.content.sections.values()}


def _check_bundle(services: Services) -> list[str]:
    """Every screen and keyboard of one language."""
    problems: list[str] = []
    views = services.views
    # Inline cards and group pages carry deep links, so they need a username.
    services.inline.prepare(CHECK_USERNAME)
    views.prepare_groups(CHECK_USERNAME)
    for page in (p for pages in services.renderer.pages.values() for p in pages):
        group = views.group_section(page.section_id, page.number, CHECK_USERNAME)
        if group is None or group.keyboard is None:
            problems.append(f"{page.section_id}/{page.number}: no group variant")
        else:
            problems += [f"{page.section_id}/{page.number} (group): {p}"
                         for p in _keyboard_problems(views, group.keyboard)]
    known = _known_commands(services)
    for name, view in views.screens().items():
        problems += [f"{name}: {p}" for p in html_problems(view.html)]
        if visible_length(view.html) > MAX_MESSAGE:
            problems.append(f"{name}: {visible_length(view.html)} characters (max {MAX_MESSAGE})")
        problems += [f"{name}: mentions unknown command /{c}"
                     for c in sorted(set(_COMMAND_IN_TEXT.findall(view.html))) if c not in known]
        problems += [f"{name}: link {u!r} is not https" for u in _HREF.findall(view.html)
                     if not u.startswith("https://")]
        if view.keyboard is not None:
            problems += [f"{name}: {p}" for p in _keyboard_problems(views, view.keyboard)]
    if len(command_list(services.content)) > 100:
        problems.append("more than 100 commands: Telegram's command menu holds 100")
    description, short = menus.profile_in(services)
    commands = menus.commands_in(services, BUILT_IN)
    if len(description) >= menus.MAX_DESCRIPTION or len(short) >= menus.MAX_SHORT_DESCRIPTION:
        problems.append("the bot's description or short description is cut at Telegram's limit")
    problems += [f"/{c.command}: description cut at {menus.MAX_COMMAND_TEXT} characters"
                 for c in commands if len(c.description) >= menus.MAX_COMMAND_TEXT]
    pictures = services.pictures.by_name()  # each rendered, wide enough, its caption fits
    if pictures and not fonts_available():
        problems.append("pictures: the SVG renderer finds no font, so their labels would be "
                        "blank; install one (Debian: fonts-dejavu-core)")
    return problems


def _keyboard_problems(views: Views, keyboard: InlineKeyboardMarkup) -> list[str]:
    problems = []
    buttons = [b for row in keyboard.inline_keyboard for b in row]
    if len(buttons) > 100 or any(len(row) > 8 for row in keyboard.inline_keyboard):
        problems.append("keyboard has more than 100 buttons or more than 8 in a row")
    for button in buttons:
        data = button.callback_data
        if not isinstance(data, str):
            continue
        if len(data.encode()) > MAX_CALLBACK_BYTES:
            problems.append(f"button {button.text!r}: callback data over 64 bytes")
        elif resolve(views, decode(data)) is None:
            problems.append(f"button {button.text!r}: leads nowhere ({data})")
    return problems
