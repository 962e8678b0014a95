"""Load ``content/<lang>/``: the English tree with the translated text fields laid over it.

A translation carries only text (title, button, summary, keywords, notes, body; a glossary term's
term, button, aliases, definition) and a ``translation:`` record of how it was made and checked.
The menu tree, commands, links, sources and corrections always come from English, so languages
cannot drift apart. The file format is in docs/translations.md.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import frontmatter
import yaml

from bot.content.loader import Content, ContentError, Term, link
from bot.content.picture_ref import translated_picture
from bot.content.provenance import Review, Translation

SECTION_TEXT = ("title", "button", "summary", "keywords", "notes")
TERM_TEXT = ("term", "button", "aliases", "definition")
_STRINGS = ("title", "button", "summary")


def text_hash(path: Path) -> str:
    """The ``from_hash`` of an English section file (the one-liner in docs/translations.md)."""
    post = frontmatter.load(str(path))
    meta = post.metadata
    fields: dict[str, Any] = {k: meta.get(k) or ("" if k in _STRINGS else [])
                              for k in SECTION_TEXT}
    fields["body"] = post.content.strip()
    encoded = json.dumps(fields, ensure_ascii=False, sort_keys=True).encode()
    return hashlib.sha256(encoded).hexdigest()[:16]


def file_hash(path: Path) -> str:
    """The ``from_hash`` of an English glossary file: its bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def _record(raw: Any, where: str, expected: str) -> Translation:
    if not isinstance(raw, dict):
        raise ContentError(f"{where}: needs a 'translation:' record (from_hash, method, date, "
                           "reviews), see docs/translations.md")
    for key in ("from_hash", "method", "date"):
        if not raw.get(key):
            raise ContentError(f"{where}: translation needs '{key}'")
    reviews = []
    for item in raw.get("reviews") or []:
        if not isinstance(item, dict) or not item.get("by") or not item.get("date"):
            raise ContentError(f"{where}: each review needs 'by' and 'date'")
        reviews.append(Review(by=str(item["by"]), date=_day(item["date"]),
                              scope=str(item.get("scope") or ""),
                              name=str(item.get("name") or "")))
    return Translation(from_hash=str(raw["from_hash"]), method=str(raw["method"]),
                       date=_day(raw["date"]), reviews=tuple(reviews),
                       stale=str(raw["from_hash"]) != expected, expected_hash=expected)


def _day(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _strings(value: Any, where: str, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ContentError(f"{where}: '{key}' must be a list of strings")
    return tuple(v.strip() for v in value)


def load_translation(english: Content, directory: Path) -> Content:
    """The content of ``directory`` (one language), laid over ``english``."""
    if not directory.is_dir():
        raise ContentError(f"translation folder not found: {directory}")
    sections = {}
    for sid, source in english.sections.items():
        path = directory / f"{sid}.md"
        where = f"{directory.name}/{path.name}"
        if not path.is_file():  # a new English page: shown in English until translated
            sections[sid] = dataclasses.replace(source, children=[], translation=Translation(
                from_hash="", method="", date="", missing=True,
                expected_hash=text_hash(source.path) if source.path else ""))
            continue
        try:
            post = frontmatter.load(str(path))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise ContentError(f"{where}: cannot parse front matter ({exc})") from exc
        meta = post.metadata
        extra = sorted(set(meta) - {"id", "translation", "picture", *SECTION_TEXT})
        if extra:
            raise ContentError(f"{where}: only text fields may be translated; "
                               f"'{extra[0]}' comes from English")
        if meta.get("id") != sid:
            raise ContentError(f"{where}: id must be '{sid}', as in English")
        for key in ("title", "summary"):
            if not isinstance(meta.get(key), str) or not meta[key].strip():
                raise ContentError(f"{where}: '{key}' must be a non-empty string")
        assert source.path is not None
        sections[sid] = dataclasses.replace(
            source, title=meta["title"].strip(), summary=meta["summary"].strip(),
            button=str(meta.get("button") or "").strip(),
            keywords=_strings(meta.get("keywords") or [], where, "keywords"),
            notes=_strings(meta.get("notes") or [], where, "notes"),
            body=post.content.strip(), path=path, children=[],
            picture=translated_picture(source.picture, meta.get("picture"), directory, where),
            translation=_record(meta.get("translation"), where, text_hash(source.path)))
    extra_files = sorted(p.stem for p in directory.glob("*.md") if p.stem not in sections)
    if extra_files:
        raise ContentError(f"{directory.name}/{extra_files[0]}.md: no English section has this "
                           "id")
    terms, record = _terms(english, directory)
    content = link(sections, terms)
    content.glossary_translation = record
    return content


def _terms(english: Content, directory: Path) -> tuple[dict[str, Term], Translation | None]:
    path = directory / "glossary.yaml"
    where = f"{directory.name}/glossary.yaml"
    if not english.terms:
        return {}, None
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ContentError(f"{where}: cannot read ({exc})") from exc
    source = english.terms_path
    record = _record(data.get("translation"), where,
                     file_hash(source) if source is not None else "")
    raw_terms = {raw.get("key"): raw for raw in data.get("terms") or [] if isinstance(raw, dict)}
    missing = [k for k in english.terms if k not in raw_terms]
    extra = [k for k in raw_terms if k not in english.terms]
    if missing or extra:
        raise ContentError(f"{where}: keys must be those of English; "
                           f"missing {missing[:3]}, unknown {extra[:3]}")
    terms = {}
    for key, term in english.terms.items():
        raw = raw_terms[key]
        bad = sorted(set(raw) - {"key", *TERM_TEXT})
        if bad:
            raise ContentError(f"{where}: term '{key}': '{bad[0]}' comes from English")
        for needed in ("term", "definition"):
            if not isinstance(raw.get(needed), str) or not raw[needed].strip():
                raise ContentError(f"{where}: term '{key}' needs '{needed}'")
        terms[key] = dataclasses.replace(
            term, term=raw["term"].strip(), definition=raw["definition"].strip(),
            button=str(raw.get("button") or "").strip(),
            aliases=_strings(raw.get("aliases") or [], where, "aliases"))
    return terms, record
