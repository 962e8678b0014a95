"""Which language to answer in: the registry (``locale/languages.yaml``) and negotiation.

Nothing about the person is stored: the language is worked out again for every update, from (in
this order) the pressed button's callback data, a command or deep-link argument, the script of
typed text, and the app's ``language_code``; anything unknown means English.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.content.loader import ContentError

SOURCE = "en"  # English is the source every translation is made from
TAG_RE = re.compile(r"^[a-z]{2,3}(?:-[A-Z][a-z]{3})?$")  # ru, zh-Hans
SCRIPT_SHARE = 0.5  # typed text is in a script when at least this share of its letters are


@dataclass(frozen=True)
class Language:
    """One entry of ``locale/languages.yaml``."""

    tag: str
    locale: str
    name: str
    letters: re.Pattern[str]
    search: str
    codes: tuple[str, ...] = ()
    near: tuple[str, ...] = ()


@dataclass(frozen=True)
class Choice:
    """The negotiated language, and whether it only stands in for the one asked for."""

    tag: str
    near: bool = False


class Languages:
    """The known languages and the enabled ones, with the negotiation rules."""

    def __init__(self, known: dict[str, Language], enabled: Iterable[str] = (SOURCE,)) -> None:
        self.known = known
        wanted = [SOURCE, *(t for t in enabled if t != SOURCE)]
        unknown = [t for t in wanted if t not in known]
        if unknown:
            raise ContentError(f"BOT_LANGUAGES: unknown language {unknown[0]!r}; known: "
                               f"{', '.join(known)} (locale/languages.yaml)")
        self.enabled = tuple(dict.fromkeys(wanted))
        self._codes: dict[str, Choice] = {}
        for tag in self.enabled:
            for code in known[tag].codes:
                self._codes.setdefault(code, Choice(tag))
            for code in known[tag].near:
                self._codes.setdefault(code, Choice(tag, near=True))

    @property
    def several(self) -> bool:
        """Whether more than English is served (language buttons, menus per language)."""
        return len(self.enabled) > 1

    def tag(self, raw: str | None) -> str | None:
        """``raw`` as an enabled tag (``ru``, ``zh-Hans``, case-insensitive), or None."""
        if not raw or len(raw) > 16:
            return None
        lowered = raw.strip().lower()
        return next((t for t in self.enabled if t.lower() == lowered), None)

    def from_code(self, code: str | None) -> Choice:
        """Normalise Telegram's ``language_code``: ``ru-RU`` -> ru, ``zh-TW`` -> zh-Hans (near)."""
        if not isinstance(code, str) or not code.strip() or len(code) > 35:
            return Choice(SOURCE)
        parts = code.strip().lower().replace("_", "-").split("-")
        for size in range(len(parts), 0, -1):  # zh-hans-cn, zh-hans, zh
            found = self._codes.get("-".join(parts[:size]))
            if found is not None:
                if size == 1 and found.tag != SOURCE and len(parts) > 1:
                    # "zh-xx": a region we have no rule for is the language itself; another
                    # script (a four-letter subtag) only stands in, with a note.
                    near = self._codes.get("-".join(parts[:2]))
                    return near or Choice(found.tag, near=len(parts[1]) == 4)
                return found
        return Choice(SOURCE)

    def from_script(self, text: str) -> str | None:
        """The enabled non-English language whose script most of ``text``'s letters are in."""
        letters = [c for c in text[:500] if c.isalpha()]
        if not letters:
            return None
        for tag in self.enabled:
            if tag == SOURCE:
                continue
            pattern = self.known[tag].letters
            if sum(1 for c in letters if pattern.match(c)) >= SCRIPT_SHARE * len(letters):
                return tag
        return None

    def split_payload(self, payload: str) -> tuple[str | None, str]:
        """``ru`` -> (ru, ""); ``ru-breast`` -> (ru, breast); ``breast`` -> (None, breast)."""
        for tag in sorted(self.enabled, key=len, reverse=True):
            if payload.lower() == tag.lower():
                return tag, ""
            if payload.lower().startswith(tag.lower() + "-"):
                return tag, payload[len(tag) + 1:]
        return None, payload


def load_languages(path: Path, enabled: Iterable[str] = (SOURCE,)) -> Languages:
    """Read ``locale/languages.yaml`` and check ``enabled`` against it."""
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ContentError(f"{path.name}: cannot read ({exc})") from exc
    known: dict[str, Language] = {}
    for tag, raw in (data.get("languages") or {}).items():
        if not isinstance(tag, str) or not TAG_RE.match(tag) or not isinstance(raw, dict):
            raise ContentError(f"{path.name}: {tag!r} is not a language tag such as ru, zh-Hans")
        for key in ("locale", "name", "letters", "search"):
            if not isinstance(raw.get(key), str) or not raw[key]:
                raise ContentError(f"{path.name}: {tag} needs '{key}'")
        try:
            letters = re.compile(raw["letters"])
        except re.error as exc:
            raise ContentError(f"{path.name}: {tag}: bad 'letters' pattern ({exc})") from exc
        known[tag] = Language(tag, raw["locale"], raw["name"], letters, raw["search"],
                              tuple(str(c).lower() for c in raw.get("codes") or ()),
                              tuple(str(c).lower() for c in raw.get("near") or ()))
    if SOURCE not in known:
        raise ContentError(f"{path.name}: English ({SOURCE}) must be listed")
    return Languages(known, enabled)
