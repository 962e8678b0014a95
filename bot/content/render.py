"""The one Jinja environment, section pages cut to Telegram's size, and button labels.

Every page of every section is rendered once, when the bot starts; answering an update is then a
dictionary lookup. Templates live in ``templates/``; button wording in ``templates/strings.yaml``.
"""

from __future__ import annotations

import gettext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from bot.content.loader import Content, Section
from bot.content.markdown import MarkdownConverter, html_problems, visible_length

MAX_MESSAGE = 4096  # telegram.constants.MessageLimit.MAX_TEXT_LENGTH
PAGE_TARGET = 3000  # softer limit: a page a frightened reader can take in on a phone


class RenderError(ValueError):
    """A template or a page breaks Telegram's rules (tags, length)."""


@dataclass(frozen=True)
class Page:
    """One message-sized page of a section."""

    section_id: str
    number: int  # 1-based
    total: int
    html: str


class Renderer:
    """Renders templates and holds every section page, rendered once at start-up."""

    def __init__(self, content: Content, templates_dir: Path,
                 translations: gettext.NullTranslations | None = None, lang: str = "en") -> None:
        self.content = content
        self.lang = lang
        self.translations = translations or gettext.NullTranslations()
        self.env = Environment(
            extensions=["jinja2.ext.i18n"],
            loader=FileSystemLoader(templates_dir),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        self.env.install_gettext_translations(  # type: ignore[attr-defined]
            self.translations, newstyle=True)
        self.markdown = MarkdownConverter()
        self.env.filters["md"] = self.markdown.inline
        self.strings: dict[str, str] = yaml.safe_load(
            (templates_dir / "strings.yaml").read_text(encoding="utf-8"))
        self.env.globals["strings"] = self.strings
        self.env.globals["content"] = content
        self.pages: dict[str, list[Page]] = {
            section.id: self._paginate(section) for section in content.sections.values()
        }

    def render(self, name: str, **context: Any) -> str:
        """Render ``templates/<name>.html.j2`` and check it is valid Telegram HTML."""
        html = self.env.get_template(f"{name}.html.j2").render(**context).strip()
        problems = html_problems(html)
        if problems:
            raise RenderError(f"{name}: {'; '.join(problems)}")
        if not html or visible_length(html) > MAX_MESSAGE:
            raise RenderError(f"{name}: message is empty or longer than {MAX_MESSAGE} characters")
        return html

    def label(self, key: str, **values: Any) -> str:
        """A short piece of UI wording (button labels, callback answers)."""
        return self.translations.gettext(self.strings[key]).format(**values)

    def gettext(self, message: str) -> str:
        """``message`` in this renderer's language (the English itself when not translated)."""
        return self.translations.gettext(message)

    def page(self, section_id: str, number: int) -> Page | None:
        """Page ``number`` of a section, or None when either does not exist."""
        pages = self.pages.get(section_id)
        if not pages or not 1 <= number <= len(pages):
            return None
        return pages[number - 1]

    def _paginate(self, section: Section) -> list[Page]:
        blocks = self.markdown.blocks(section.body)
        notes = [self.markdown.inline(note) for note in section.notes]
        chunks: list[list[Markup]] = [[]]
        for block in blocks:
            trial = [*chunks[-1], block]
            if chunks[-1] and self._length(section, trial, notes) > PAGE_TARGET:
                chunks.append([block])
            else:
                chunks[-1] = trial
        total = len(chunks)
        pages = []
        for number, chunk in enumerate(chunks, start=1):
            html = self._page_html(section, chunk, notes if number == total else [], number,
                                   total)
            if visible_length(html) > MAX_MESSAGE:
                raise RenderError(f"{section.id}: a single paragraph makes page {number} longer "
                                  f"than {MAX_MESSAGE} characters; split it in the content file")
            pages.append(Page(section.id, number, total, html))
        return pages

    def _length(self, section: Section, blocks: list[Markup], notes: list[Markup]) -> int:
        # Measured with the notes and a two-digit page counter, the worst case for any page.
        return visible_length(self._page_html(section, blocks, notes, 10, 10))

    def _page_html(self, section: Section, blocks: list[Markup], notes: list[Markup],
                   number: int, total: int) -> str:
        return self.render("section", section=section, blocks=blocks, notes=notes,
                           number=number, total=total)
