"""A pseudo-translation of the real English content, for testing the language machinery.

Every Latin letter becomes a letter of the target script (Cyrillic for ``ru``, Han for
``zh-Hans``); numbers, AFP/CT/MRI/CEA, ``/commands`` and links stay as they are. The result
follows docs/translations.md exactly, so it passes every parity rule, yet nobody can mistake it
for English, which is what the tests need to see: which language the bot answered in.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import frontmatter
import yaml

from bot.config import PROJECT_ROOT
from bot.content.translation import SECTION_TEXT, file_hash, text_hash

ENGLISH = PROJECT_ROOT / "content" / "en"
_KEEP = re.compile(r"\]\([^)]*\)|https?://\S+|/[a-z0-9_]+|\b(?:AFP|CT|MRI|CEA|HER2|PET|HCC)\b"
                   r"|\{[a-z_]+\}|%\([a-z_]+\)s|<[^>]+>")
_CYRILLIC = dict(zip("abcdefghijklmnopqrstuvwxyz", "абцдефгхийклмнопкрстувшхыз", strict=True))
_HAN = dict(zip("abcdefghijklmnopqrstuvwxyz",
                "阿贝茨德鹅弗格赫伊杰卡勒姆恩欧佩丘尔斯特乌维沃克伊兹", strict=True))
ALPHABETS = {"ru": _CYRILLIC, "zh-Hans": _HAN}
TODAY = "2026-12-01"
REVIEWS = [{"by": "editors", "date": TODAY, "scope": "read against English"}]


def pseudo(text: str, lang: str) -> str:
    """``text`` in the pseudo-script of ``lang``; kept tokens unchanged."""
    table = ALPHABETS[lang]
    out, last = [], 0
    for match in _KEEP.finditer(text):
        out.append(_letters(text[last:match.start()], table))
        out.append(match.group(0))
        last = match.end()
    out.append(_letters(text[last:], table))
    return "".join(out)


def _letters(text: str, table: dict[str, str]) -> str:
    return "".join(table.get(c.lower(), c) if c.isascii() and c.isalpha() else c for c in text)


def _walk(value: Any, lang: str) -> Any:
    if isinstance(value, str):
        return pseudo(value, lang)
    if isinstance(value, list):
        return [_walk(v, lang) for v in value]
    return value


def write_language(root: Path, lang: str, *, english: Path = ENGLISH) -> Path:
    """``root/<lang>/``: every English file pseudo-translated, with its ``translation:``."""
    folder = root / lang
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted(english.glob("*.md")):
        post = frontmatter.load(str(path))
        meta: dict[str, Any] = {"id": post.metadata["id"]}
        for key in SECTION_TEXT:
            if post.metadata.get(key):
                meta[key] = _walk(post.metadata[key], lang)
        if isinstance(post.metadata.get("picture"), dict):
            meta["picture"] = {"caption": pseudo(post.metadata["picture"]["caption"], lang)}
        meta["translation"] = {"from_hash": text_hash(path), "method": (
            "Machine-translated from English by an AI model (LLM)"), "date": TODAY,
            "reviews": REVIEWS}
        body = pseudo(post.content, lang)
        (folder / path.name).write_text(frontmatter.dumps(frontmatter.Post(body, **meta)) + "\n",
                                        encoding="utf-8")
    pictures = PROJECT_ROOT / "content" / lang / "images"  # the real translated pictures
    if pictures.is_dir():
        shutil.copytree(pictures, folder / "images", dirs_exist_ok=True)
    glossary = yaml.safe_load((english / "glossary.yaml").read_text(encoding="utf-8"))
    terms = [{"key": t["key"], **{k: _walk(t[k], lang) for k in ("term", "button", "aliases",
                                                                 "definition") if k in t}}
             for t in glossary["terms"]]
    record = {"from_hash": file_hash(english / "glossary.yaml"), "method": (
        "Machine-translated from English by an AI model (LLM)"), "date": TODAY,
        "reviews": REVIEWS}
    (folder / "glossary.yaml").write_text(
        yaml.safe_dump({"translation": record, "terms": terms}, allow_unicode=True),
        encoding="utf-8")
    words = yaml.safe_load((english / "search.yaml").read_text(encoding="utf-8"))
    (folder / "search.yaml").write_text(yaml.safe_dump(
        {k: ({(pseudo(a, lang) if isinstance(b, str) else a): _walk(b, lang)  # primaries:
              for a, b in v.items()} if isinstance(v, dict)  # keys are section ids
             else _walk(v, lang)) for k, v in words.items()}, allow_unicode=True),
        encoding="utf-8")
    return folder


def content_tree(root: Path, langs: tuple[str, ...] = ("ru", "zh-Hans")) -> Path:
    """``root/content/en`` (a copy of the real English) plus pseudo-translations; returns en."""
    english = root / "content" / "en"
    shutil.copytree(ENGLISH, english)
    for lang in langs:
        write_language(root / "content", lang, english=english)
    return english
