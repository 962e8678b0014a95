"""``python -m bot preview OUT_DIR``: a static HTML site of every page, for clinicians to review.

Every message comes from the same :class:`bot.content.views.Views` that serves Telegram, so the
site shows
exactly what patients will read: each page of each section as a message bubble with its buttons
(each linked to the page it opens), the glossary, and the fixed screens (welcome, help, ...).
The site's own pages use a separate Jinja environment (``templates/preview/``, HTML autoescaped);
the Telegram environment of :mod:`bot.content.render` is left alone. Plain HTML and CSS, no
JavaScript.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup
from telegram import InlineKeyboardMarkup

from bot.app import build_services
from bot.config import Settings
from bot.content.keyboards import GLOSSARY_ID, Action, decode
from bot.content.languages import SOURCE, load_languages
from bot.content.loader import Section
from bot.content.markdown import visible_text
from bot.content.pictures import Picture
from bot.content.views import View
from bot.context import Services
from bot.handlers.menu import resolve
from bot.review.levels import Levels, measure_sections
from bot.review.readability import Readability, measure

STYLESHEET = "style.css"
IMAGES = "images"  # the pictures, as PNG files the bot sends
ABOUT_ID = "about"  # the section that explains the correction codes, linked when present


@dataclass(frozen=True)
class Button:
    """A button under a bubble: where it leads in the preview, or why it leads nowhere."""

    text: str
    href: str | None
    kind: str  # "callback" (a page of the bot), "url" (a web page), "inert" or "broken"


@dataclass(frozen=True)
class Bubble:
    """One message as the bot sends it, with its keyboard and reading figures."""

    anchor: str
    html: Markup
    rows: list[list[Button]]
    stats: Readability


@dataclass(frozen=True)
class SectionPage:
    """Everything the preview shows about one section."""

    section: Section
    file: str
    trail: list[Section]  # parents, outermost first
    pages: list[Bubble]
    stats: Readability
    levels: Levels | None = None  # the grades `python -m bot check` holds to the limits
    picture: Picture | None = None  # sent before the first page
    picture_file: str = ""
    picture_caption: Markup | None = None  # Telegram HTML, checked when rendered
    english: tuple[Bubble, ...] = ()  # a translation's English original, shown beside it


def section_file(section_id: str) -> str:
    """The preview file of a section."""
    return f"section-{section_id}.html"


def target(action: Action, lang: str = SOURCE) -> str:
    """The preview page (file and anchor) showing what a button with ``action`` opens.

    Each translation's site is a folder beside the English one (``ru/``), so a button of
    another language (e.g. "Read in English") leads into that language's folder.
    """
    if action.lang != lang:
        up = "../" if lang != SOURCE else ""
        folder = "" if action.lang == SOURCE else f"{action.lang}/"
        return up + folder + target(action, action.lang)
    if action.kind == "s":
        return f"{section_file(action.arg)}#page-{action.page}"
    if action.kind == "g":
        return f"glossary.html#term-{action.arg}"
    if action.kind == "gl":
        return f"glossary.html#words-{action.page}"
    return "screens.html#screen-menu"


class Preview:
    """Builds the preview site from the services the bot runs on."""

    def __init__(self, services: Services, templates_dir: Path,
                 english: Services | None = None, translations: tuple[str, ...] = ()) -> None:
        self.services = services
        self.templates_dir = templates_dir
        self.english = english  # set for a translation: its pages are shown beside these
        self.translations = translations  # the translations' folders, linked from the index
        self.env = Environment(
            loader=FileSystemLoader(templates_dir),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    @cached_property
    def levels(self) -> dict[str, Levels]:
        """Every section's reading grades, measured once (English only: English measures)."""
        if self.services.lang != SOURCE:
            return {}
        return {level.section_id: level for level in
                measure_sections(self.services.content, self.services.renderer.markdown)}

    def write(self, out_dir: Path) -> Path:
        """Write the site into ``out_dir`` (created if needed); the path of its index page."""
        out_dir.mkdir(parents=True, exist_ok=True)
        content = self.services.content
        sections = {s.id: self.section_page(s) for s in content.walk()}
        (out_dir / IMAGES).mkdir(exist_ok=True)
        for name, picture in self.services.pictures.by_name().items():
            (out_dir / IMAGES / f"{name}.png").write_bytes(picture.png)
        order = list(sections.values())
        common = {"generated": dt.date.today().isoformat(), "stylesheet": STYLESHEET,
                  "lang": self.services.lang, "translations": list(self.translations),
                  "section_file": section_file,
                  "about_file": section_file(ABOUT_ID) if ABOUT_ID in sections else None}
        for i, page in enumerate(order):
            self._write(out_dir / page.file, "section.html.j2", page=page, **common,
                        previous=order[i - 1] if i else None,
                        next=order[i + 1] if i + 1 < len(order) else None)
        self._write(out_dir / "glossary.html", "glossary.html.j2", **common,
                    terms=[(t, self.bubble(f"term-{t.key}", self.services.views.term(t.key)))
                           for t in content.terms.values()],
                    word_lists=self.word_lists())
        self._write(out_dir / "screens.html", "screens.html.j2", screens=self.screens(),
                    **common)
        totals = {"sections": len(order), "pages": sum(len(p.pages) for p in order),
                  "terms": len(content.terms),
                  "words": sum(p.stats.words for p in order)}
        index = out_dir / "index.html"
        self._write(index, "index.html.j2", top=content.top, sections=sections, totals=totals,
                    **common)
        shutil.copyfile(self.templates_dir / STYLESHEET, out_dir / STYLESHEET)
        return index

    def section_page(self, section: Section) -> SectionPage:
        """A section's pages as bubbles, with its place in the menu and its figures."""
        views, content = self.services.views, self.services.content
        total = len(self.services.renderer.pages[section.id])
        pages = []
        for number in range(1, total + 1):
            view = views.section(section.id, number)
            assert view is not None  # every rendered page has a view
            pages.append(self.bubble(f"page-{number}", view))
        trail, node = [], section
        while node.parent in content.sections:
            node = content.sections[node.parent]
            trail.insert(0, node)
        text = "\n".join(visible_text(p.html) for p in pages)
        english: tuple[Bubble, ...] = ()
        if self.english is not None:
            source = Preview(self.english, self.templates_dir)
            english = tuple(source.section_page(self.english.content.sections[section.id]).pages)
        picture = self.services.pictures.for_section(section.id)
        return SectionPage(section, section_file(section.id), trail, pages, measure(text),
                           self.levels.get(section.id), picture,
                           f"{IMAGES}/{picture.name}.png" if picture else "",
                           Markup(picture.caption) if picture else None, english)

    def word_lists(self) -> list[Bubble]:
        """The glossary page with each page of its word buttons (``/glossary``)."""
        views = self.services.views
        pages = range(1, self.services.keyboards.glossary_pages() + 1)
        return [self.bubble(f"words-{n}", view) for n in pages
                if (view := views.glossary(n)) is not None]

    def screens(self) -> list[tuple[str, Bubble]]:
        """The fixed screens (welcome, help, privacy, ...): every screen that is not a page
        of a section or a glossary word, plus the answer to an unknown glossary word."""
        views, content = self.services.views, self.services.content
        pages = {f"{sid}/{p.number}" for sid, ps in self.services.renderer.pages.items()
                 for p in ps}
        named = [(name, view) for name, view in views.screens().items()
                 if name not in pages and not name.startswith("glossary:")]
        if GLOSSARY_ID in content.sections:
            named.append(("glossary_missing", views.glossary_missing))
        return [(name, self.bubble(f"screen-{name}", view)) for name, view in named]

    def bubble(self, anchor: str, view: View | None) -> Bubble:
        """``view`` as a bubble; its HTML was checked against Telegram's rules when rendered."""
        assert view is not None, anchor
        rows = self.buttons(view.keyboard) if view.keyboard else []
        return Bubble(anchor, Markup(view.html), rows, measure(visible_text(view.html)))

    def buttons(self, keyboard: InlineKeyboardMarkup) -> list[list[Button]]:
        """Each button linked to the preview page it opens (checked with the bot's resolver)."""
        views = self.services.views
        rows = []
        for row in keyboard.inline_keyboard:
            out = []
            for button in row:
                if button.url:
                    out.append(Button(button.text, button.url, "url"))
                elif isinstance(button.callback_data, str):
                    action = decode(button.callback_data)
                    if action is None or resolve(views, action) is None:
                        out.append(Button(button.text, None, "broken"))
                    else:
                        out.append(Button(button.text, target(action, self.services.lang),
                                          "callback"))
                else:
                    out.append(Button(button.text, None, "inert"))
            rows.append(out)
        return rows

    def _write(self, path: Path, template: str, **context: Any) -> None:
        html = self.env.get_template(template).render(**context)
        path.write_text(html, encoding="utf-8")


def build_preview(settings: Settings, out_dir: Path) -> Path:
    """Load and render the content as the bot does, write the site; its index page."""
    languages = load_languages(settings.locale_dir / "languages.yaml", settings.languages)
    present = tuple(t for t in languages.known
                    if t == SOURCE or (settings.content_dir.parent / t).is_dir())
    templates = settings.templates_dir / "preview"
    # English as it is served; every translation (served or not) beside its English.
    index = Preview(build_services(settings), templates, translations=present[1:]).write(out_dir)
    if len(present) > 1:
        every = build_services(replace(settings, languages=present))
        for lang, bundle in every.translations.items():
            Preview(bundle, templates, english=every).write(out_dir / lang)
    return index
