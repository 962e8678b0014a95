"""Load ``content/<lang>/`` into a validated tree of sections and a glossary.

Each section is one Markdown file with YAML front matter; the glossary is ``glossary.yaml``.
Everything here is data: adding a section means adding a file, never a Python change.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import frontmatter
import yaml

from bot.content.fields import ContentError as ContentError
from bot.content.fields import as_str_tuple
from bot.content.picture_ref import PictureRef, picture_ref
from bot.content.provenance import Translation

ROOT_ID = "menu"
COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
ID_RE = re.compile(r"^[a-z0-9_]{1,32}$")
# Commands the bot itself defines; a section may not take them over.
RESERVED_COMMANDS = frozenset({"start", "help", "menu", "privacy", "stats", "search", "cancel",
                               "language"})
REQUIRED_KEYS = ("id", "command", "title", "parent", "order", "summary", "keywords", "sources",
                 "last_reviewed")



@dataclass(frozen=True)
class Source:
    """Where a piece of content comes from."""

    title: str
    url: str = ""


@dataclass
class Section:
    """One page-able topic, e.g. ``colorectal_surgery``."""

    id: str
    command: str
    title: str
    parent: str
    order: int
    summary: str
    body: str
    keywords: tuple[str, ...] = ()
    sources: tuple[Source, ...] = ()
    last_reviewed: str = ""
    button: str = ""
    see_also: tuple[str, ...] = ()
    origin: str = "seed"
    seed_span: tuple[int, int] | None = None
    corrections: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    picture: PictureRef | None = None
    path: Path | None = None
    children: list[Section] = field(default_factory=list)
    translation: Translation | None = None  # None for English, the source

    @property
    def label(self) -> str:
        """Short text for buttons."""
        return self.button or self.title


@dataclass(frozen=True)
class Term:
    """A glossary entry explained in plain language."""

    key: str
    term: str
    definition: str
    section: str
    aliases: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    button: str = ""

    @property
    def label(self) -> str:
        """Short text for buttons."""
        return self.button or self.term


@dataclass
class Content:
    """All sections (by id and by command) and the glossary, in menu order."""

    sections: dict[str, Section]
    terms: dict[str, Term]
    top: list[Section]
    terms_path: Path | None = None
    glossary_translation: Translation | None = None

    def by_command(self, command: str) -> Section | None:
        """The section served by ``/command``, if any."""
        return self._commands.get(command)

    def __post_init__(self) -> None:
        self._commands = {s.command: s for s in self.sections.values()}

    def walk(self) -> list[Section]:
        """Every section, depth first in menu order."""
        out: list[Section] = []

        def visit(nodes: list[Section]) -> None:
            for node in nodes:
                out.append(node)
                visit(node.children)

        visit(self.top)
        return out

    def find_term(self, text: str) -> Term | None:
        """Look a glossary entry up by key, term or alias (case-insensitive)."""
        needle = _norm(text)
        for term in self.terms.values():
            names = (term.key.replace("_", " "), term.term, *term.aliases)
            if needle in {_norm(n) for n in names} or needle == _norm(term.key):
                return term
        return None


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", text.casefold()).split())


def _load_section(path: Path) -> Section:
    where = path.name
    try:
        post = frontmatter.load(str(path))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ContentError(f"{where}: cannot parse front matter ({exc})") from exc
    meta = post.metadata
    missing = [k for k in REQUIRED_KEYS if k not in meta]
    if missing:
        raise ContentError(f"{where}: missing front matter keys: {', '.join(missing)}")
    sources = []
    for raw in meta.get("sources") or []:
        if not isinstance(raw, dict) or not isinstance(raw.get("title"), str):
            raise ContentError(f"{where}: each source needs a 'title' (and optional 'url')")
        sources.append(Source(title=raw["title"], url=str(raw.get("url") or "")))
    span = meta.get("seed_span")
    if span is not None and not (
        isinstance(span, list) and len(span) == 2 and all(isinstance(n, int) for n in span)
    ):
        raise ContentError(f"{where}: 'seed_span' must be [start, end] or null")
    reviewed = meta["last_reviewed"]
    if isinstance(reviewed, dt.date):
        reviewed = reviewed.isoformat()
    if not isinstance(meta["order"], int):
        raise ContentError(f"{where}: 'order' must be a whole number")
    for key in ("id", "command", "title", "parent", "summary"):
        if not isinstance(meta[key], str) or not meta[key].strip():
            raise ContentError(f"{where}: '{key}' must be a non-empty string")
    return Section(
        id=meta["id"],
        command=meta["command"],
        title=meta["title"].strip(),
        parent=meta["parent"],
        order=meta["order"],
        summary=meta["summary"].strip(),
        body=post.content.strip(),
        keywords=as_str_tuple(meta.get("keywords"), where, "keywords"),
        sources=tuple(sources),
        last_reviewed=str(reviewed),
        button=str(meta.get("button") or "").strip(),
        see_also=as_str_tuple(meta.get("see_also"), where, "see_also"),
        origin=str(meta.get("origin") or "seed"),
        seed_span=(span[0], span[1]) if span else None,
        corrections=as_str_tuple(meta.get("corrections"), where, "corrections"),
        notes=as_str_tuple(meta.get("notes"), where, "notes"),
        picture=picture_ref(meta.get("picture"), path),
        path=path,
    )


def _load_terms(path: Path) -> dict[str, Term]:
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ContentError(f"{path.name}: cannot parse ({exc})") from exc
    terms: dict[str, Term] = {}
    for raw in data.get("terms") or []:
        key = raw.get("key") if isinstance(raw, dict) else None
        if not isinstance(key, str) or not ID_RE.match(key):
            raise ContentError(f"{path.name}: every term needs a 'key' matching [a-z0-9_]")
        if key in terms:
            raise ContentError(f"{path.name}: duplicate term key '{key}'")
        for needed in ("term", "definition", "section"):
            if not isinstance(raw.get(needed), str) or not raw[needed].strip():
                raise ContentError(f"{path.name}: term '{key}' needs '{needed}'")
        terms[key] = Term(
            key=key,
            term=raw["term"].strip(),
            definition=raw["definition"].strip(),
            section=raw["section"],
            aliases=as_str_tuple(raw.get("aliases"), path.name, "aliases"),
            sources=as_str_tuple(raw.get("sources"), path.name, "sources"),
            button=str(raw.get("button") or "").strip(),
        )
    return terms


def load_content(directory: Path) -> Content:
    """Load and validate every section and glossary term in ``directory``."""
    if not directory.is_dir():
        raise ContentError(f"content folder not found: {directory}")
    sections: dict[str, Section] = {}
    commands: dict[str, str] = {}
    for path in sorted(directory.glob("*.md")):
        section = _load_section(path)
        if not ID_RE.match(section.id):
            raise ContentError(f"{path.name}: id '{section.id}' must match [a-z0-9_]{{1,32}}")
        if section.id in sections:
            raise ContentError(f"{path.name}: duplicate id '{section.id}'")
        if not COMMAND_RE.match(section.command):
            raise ContentError(f"{path.name}: command '{section.command}' must match "
                               "[a-z0-9_]{1,32}")
        if section.command in RESERVED_COMMANDS:
            raise ContentError(f"{path.name}: command '/{section.command}' is reserved")
        if section.command in commands:
            raise ContentError(f"{path.name}: command '/{section.command}' is already used by "
                               f"'{commands[section.command]}'")
        commands[section.command] = section.id
        sections[section.id] = section
    if not sections:
        raise ContentError(f"no sections (*.md) in {directory}")
    terms = _load_terms(directory / "glossary.yaml")
    content = link(sections, terms)
    content.terms_path = directory / "glossary.yaml"
    return content


def link(sections: dict[str, Section], terms: dict[str, Term]) -> Content:
    top: list[Section] = []
    for section in sections.values():
        if section.parent == ROOT_ID:
            top.append(section)
        elif section.parent in sections:
            sections[section.parent].children.append(section)
        else:
            raise ContentError(f"{section.id}.md: parent '{section.parent}' does not exist")
        for other in section.see_also:
            if other not in sections:
                raise ContentError(f"{section.id}.md: see_also '{other}' does not exist")
    for section in sections.values():
        section.children.sort(key=lambda s: (s.order, s.id))
        # Walk up the parents: a loop would make "Back" buttons go round forever.
        seen, node = {section.id}, section
        while node.parent != ROOT_ID:
            node = sections[node.parent]
            if node.id in seen:
                raise ContentError(f"{section.id}.md: parents form a loop")
            seen.add(node.id)
    for term in terms.values():
        if term.section not in sections:
            raise ContentError(f"glossary.yaml: term '{term.key}' points to unknown section "
                               f"'{term.section}'")
    top.sort(key=lambda s: (s.order, s.id))
    return Content(sections=sections, terms=terms, top=top)
