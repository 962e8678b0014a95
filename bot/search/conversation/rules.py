"""``content/<lang>/conversation.yaml``: one language's examples and crisis reply, validated.

The file is data, not code: the kinds of small talk with their examples, the phrases that show
feelings, the phrases that show a person may be in crisis, filler words, and the crisis reply
with the source of every contact in it. See ``content/en/conversation.yaml`` for the format.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.content.loader import ContentError
from bot.search.conversation.match import Example, Examples, Units, squeeze, units

SMALL_TALK = ("greeting", "thanks", "goodbye", "human", "talk_to_someone", "help")


@dataclass(frozen=True)
class Contact:
    """One line of the crisis reply: who to call, and where that number was found."""

    text: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class CrisisReply:
    """The crisis reply of one language, complete in that language (contacts first)."""

    heading: str
    contacts: tuple[Contact, ...]
    not_a_service: str
    closing: str
    translation: str  # how the text was made and who checked it ("" for the source language)
    # The inline-mode card that sends this reply (``@bot …`` in any chat): its title and line.
    inline_title: str = ""
    inline_description: str = ""


@dataclass(frozen=True)
class Rules:
    """One language's examples, cut into units once."""

    language: str
    characters: bool  # Chinese: units are characters
    gap: int
    fillers: frozenset[str]
    # "ok", "haha", "lol": with fillers, a whole message that only acknowledges (no question)
    acknowledgements: tuple[str, ...]
    small_talk: Examples
    feelings: tuple[Units, ...]
    crisis: tuple[Units, ...]
    crisis_except: tuple[Units, ...]  # taken out of a message before looking for crisis
    # Mentions of death, goodbyes or medicines that may mean a crisis said in other words: the
    # crisis contacts go above whatever else answers the message.
    risk: tuple[Units, ...]
    # Warning signs said in everyday words, each part harmless alone: a message with a phrase of
    # every part ("stop" + "quicker", "gave my" + "where im going") is read as the risk tier.
    risk_together: tuple[tuple[tuple[Units, ...], ...], ...]
    crisis_reply: CrisisReply
    # Small talk said with a little context ("hello, first time using this"): the context may
    # hold none of these question words and topic words ("thanks, what is AFP?" is a question).
    questions: tuple[Units, ...] = ()
    topic_words: tuple[Units, ...] = ()
    # ... nor ask a yes/no question: one of ``asking_starts`` first ("thanks, will my hair fall
    # out"), one of ``asking`` anywhere ("吗"), or a question mark.
    asking_starts: tuple[Units, ...] = ()
    asking: tuple[Units, ...] = ()
    # "human", "talk_to_someone", "help" said in new words: a phrase of every part of one rule
    # (a person word + a talk word), in a short message about nothing else.
    small_talk_parts: tuple[tuple[str, tuple[tuple[Units, ...], ...]], ...] = ()

    def units(self, text: str) -> Units:
        """The message cut the way this language's examples are."""
        return units(text, characters=self.characters)


def load_rules(path: Path) -> Rules:
    """Read and check one ``conversation.yaml``; a problem is a :class:`ContentError`."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ContentError(f"{path}: cannot read: {exc}") from exc
    if not isinstance(data, dict):
        raise ContentError(f"{path}: expected a mapping")
    name = f"{path.parent.name}/{path.name}"
    characters = _get(data, "units", str, name) == "characters"
    small = _get(data, "small_talk", dict, name)
    if sorted(small) != sorted(SMALL_TALK):
        raise ContentError(f"{name}: small_talk needs exactly {', '.join(SMALL_TALK)}")

    def cut(text: str, where: str) -> Units:
        found = units(text, characters=characters, example=True)
        if not found:
            raise ContentError(f"{name}: {where} example {text!r} has no words")
        return found

    def phrases(key: str, required: bool = False) -> tuple[Units, ...]:
        """The phrases listed under ``key``, each cut into units (none if optional and absent)."""
        texts = _strings(data, key, name) if required or key in data else []
        return tuple(cut(t, key) for t in texts)

    examples = Examples([Example(kind, tuple(squeeze(u) for u in cut(text, kind)))
                         for kind in SMALL_TALK for text in _strings(small, kind, name)])
    return Rules(
        language=_get(data, "language", str, name),
        characters=characters,
        gap=_get(data, "gap", int, name),
        fillers=frozenset(squeeze(u) for found in phrases("fillers", True) for u in found),
        acknowledgements=tuple(squeeze(u) for found in phrases("acknowledgements") for u in found),
        small_talk=examples,
        feelings=phrases("feelings", True),
        crisis=phrases("crisis", True),
        crisis_except=phrases("crisis_except"),
        risk=phrases("risk"),
        risk_together=_together(data.get("risk_together", []), cut, name),
        crisis_reply=_crisis_reply(_get(data, "crisis_reply", dict, name), name),
        questions=phrases("questions"),
        topic_words=phrases("topic_words"),
        asking_starts=phrases("asking_starts"),
        asking=phrases("asking"),
        small_talk_parts=_parts(data.get("small_talk_parts", {}), cut, name),
    )


def _parts(data: Any, cut: Callable[[str, str], Units], name: str,
           ) -> tuple[tuple[str, tuple[tuple[Units, ...], ...]], ...]:
    """``small_talk_parts``: per small-talk kind, rules as ``risk_together``'s."""
    if not isinstance(data, dict) or not set(data) <= set(SMALL_TALK):
        raise ContentError(f"{name}: 'small_talk_parts' must map small-talk kinds to rules")
    return tuple((kind, rule) for kind, rules in data.items()
                 for rule in _together(rules, cut, name))


def _together(data: Any, cut: Callable[[str, str], Units], name: str,
              ) -> tuple[tuple[tuple[Units, ...], ...], ...]:
    """``risk_together``: a list of rules, each ``{all: [[phrases], [phrases], ...]}``."""
    if not isinstance(data, list):
        raise ContentError(f"{name}: 'risk_together' must be a list of rules")
    rules = []
    for rule in data:
        parts = rule.get("all") if isinstance(rule, dict) else None
        if not isinstance(parts, list) or len(parts) < 2:
            raise ContentError(f"{name}: each risk_together rule needs 'all' with two parts")
        rules.append(tuple(
            tuple(cut(t, "risk_together") for t in _strings({"risk_together": p},
                                                              "risk_together", name))
            for p in parts))
    return tuple(rules)


def _crisis_reply(data: dict[str, Any], name: str) -> CrisisReply:
    contacts = []
    for item in _get(data, "contacts", list, name):
        if not isinstance(item, dict):
            raise ContentError(f"{name}: each crisis contact needs text and sources")
        sources = tuple(_strings(item, "sources", name))
        if not all(s.startswith(("https://", "http://")) for s in sources):
            raise ContentError(f"{name}: crisis contact sources must be web addresses")
        contacts.append(Contact(_get(item, "text", str, name), sources))
    if not contacts:
        raise ContentError(f"{name}: the crisis reply needs contacts")
    return CrisisReply(heading=_get(data, "heading", str, name), contacts=tuple(contacts),
                       not_a_service=_get(data, "not_a_service", str, name),
                       closing=_get(data, "closing", str, name),
                       translation=str(data.get("translation") or ""),
                       inline_title=_get(data, "inline_title", str, name),
                       inline_description=_get(data, "inline_description", str, name))


def _get(data: dict[str, Any], key: str, kind: type, name: str) -> Any:
    value = data.get(key)
    if not isinstance(value, kind) or (kind is str and not value.strip()):
        raise ContentError(f"{name}: '{key}' must be a {kind.__name__}")
    return value


def _strings(data: dict[str, Any], key: str, name: str) -> list[str]:
    value = data.get(key)
    if not isinstance(value, list) or not value or not all(
            isinstance(v, str | int) and str(v).strip() for v in value):
        raise ContentError(f"{name}: '{key}' must be a non-empty list of texts")
    return [str(v) for v in value]
