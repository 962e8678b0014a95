"""Matching a message against example phrases: the two rules of the conversation recogniser.

A message and every example are cut into *units*: words for languages written with spaces
(English, Russian), characters for Chinese. Two rules use them:

- :func:`contains` (crisis, feelings): the example's units appear in the message in order, with
  at most ``gap`` other units between two of them (only in examples of three units or more).
- :func:`cover` (small talk): the whole message is made of examples and filler units, so
  "thanks a lot, that helped" is thanks but "thanks, what is AFP?" is a question.

A few emoji (:data:`SIGN_EMOJI`: a knife, blood, pills, a gun, a rope, a coffin) are units too.

Units are compared by :func:`same`: equal; or, for a word written with a final ``*``, any word
that starts with it ("хоч*" matches "хочу", "хочется"); or one typo, counting a swap of two
letters as one typo, in words of at least ``typo_from`` letters (two typos from ten letters).
Each rule picks its own ``typo_from``: short feelings words are too close to everyday words
("fear" / "year", "tears" / "years") to forgive a typo in them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from rapidfuzz import process
from rapidfuzz.distance import OSA

WILDCARD = "*"
TYPO_FROM = 4  # the usual word length from which one typo is forgiven
TWO_TYPOS_FROM = 10  # ... and two
# Small talk at an end of a longer message forgives a typo only from six letters: "меня вырвало"
# is no "меню" (help), "she did everything right" no "night"; "thnaks, that helped" is thanks.
EDGE_TYPO_FROM = 6
MIN_GAP_UNITS = 3  # shorter examples must match without other units in between

# Emoji that may stand for a means of self-harm ("🔪🩸 again tonight") are units of their own, so
# that the risk phrases can name them; every other emoji is dropped like punctuation.
SIGN_EMOJI = "🔪🗡🩸💊🔫🪢⚰🪦☠"
_WORD = re.compile(rf"[^\W_]+|[{SIGN_EMOJI}]")
_EXAMPLE_WORD = re.compile(rf"[^\W_]+\*?|[{SIGN_EMOJI}]")  # examples may end a word with *
_REPEATS = re.compile(r"(\w)\1+")
_FOLD = str.maketrans({"'": None, "’": None, "`": None, "ё": "е"})

Units = tuple[str, ...]
T = TypeVar("T")


def normalise(text: str) -> str:
    """Case-folded, full-width forms made plain, apostrophes dropped ("I'm" -> "im").

    Russian yo is read as ie, as most people type it.
    """
    return unicodedata.normalize("NFKC", text).casefold().translate(_FOLD)


def units(text: str, *, characters: bool, example: bool = False) -> Units:
    """Words (or Chinese characters) of ``text``; a message of only "?" is the unit "?"."""
    found = (_EXAMPLE_WORD if example else _WORD).findall(normalise(text))
    if characters:
        found = [c for word in found for c in (
            [word] if word.endswith(WILDCARD) else _characters(word))]
    if not found and "?" in text:
        return ("?",)
    return tuple(found)


def _characters(word: str) -> list[str]:
    """A run of Latin letters or digits stays one unit ("ai", "3q"); CJK splits per character."""
    return re.findall(r"[a-z0-9]+|\S", word)


def squeeze(unit: str) -> str:
    """Repeated letters made single, for small talk: "hiii" -> "hi", "thankss" -> "thanks"."""
    return _REPEATS.sub(r"\1", unit)


def same(example: str, word: str, typo_from: int = TYPO_FROM) -> bool:
    """Whether ``word`` of a message matches ``example``'s unit (see the module docstring)."""
    if example.endswith(WILDCARD):
        stem = example[:-1]
        return word.startswith(stem) or (
            len(stem) > typo_from and len(word) >= len(stem)
            and OSA.distance(stem, word[:len(stem)]) <= 1)
    if example == word:
        return True
    shorter = min(len(example), len(word))
    allowed = 2 if shorter >= max(TWO_TYPOS_FROM, typo_from) else 1 if shorter >= typo_from else 0
    return allowed > 0 and OSA.distance(example, word, score_cutoff=allowed) <= allowed


def contains(message: Units, example: Units, gap: int, typo_from: int = TYPO_FROM) -> bool:
    """Whether ``example`` occurs in ``message`` in order (see the module docstring)."""
    allowed = gap if len(example) >= MIN_GAP_UNITS else 0
    return any(_extends(message, example, 1, start, allowed, typo_from)
               for start in range(len(message)) if same(example[0], message[start], typo_from))


def _extends(message: Units, example: Units, k: int, at: int, gap: int, typo_from: int
             ) -> bool:
    if k == len(example):
        return True
    for nxt in range(at + 1, min(at + 2 + gap, len(message))):
        if same(example[k], message[nxt], typo_from) and _extends(
                message, example, k + 1, nxt, gap, typo_from):
            return True
    return False


def without(message: Units, phrases: Sequence[Units]) -> Units:
    """``message`` with every word-for-word occurrence of ``phrases`` taken out."""
    kept = list(message)
    words = set(kept)
    for phrase in phrases:
        if not any(same(phrase[0], w) for w in words):
            continue
        n, i = len(phrase), 0
        while i + n <= len(kept):
            if all(same(e, w) for e, w in zip(phrase, kept[i:i + n], strict=True)):
                del kept[i:i + n]
            else:
                i += 1
    return tuple(kept)


class _ByFirstUnit(Generic[T]):
    """Items (phrases, small-talk examples) indexed by their first unit, so that a message is
    read once: at each word only the items whose first unit matches it are followed further."""

    def __init__(self, items: Sequence[T], first: Callable[[T], str]) -> None:
        self._by_first: dict[str, list[tuple[int, T]]] = {}  # with each item's place
        for place, item in enumerate(items):
            self._by_first.setdefault(first(item), []).append((place, item))
        self._firsts = list(self._by_first)
        self._plain = [f.removesuffix(WILDCARD) for f in self._firsts]  # compared in C
        self._wildcards = [f for f in self._firsts if f.endswith(WILDCARD)]  # few

    def starting_with(self, word: str, typo_from: int) -> list[T]:
        """The items whose first unit matches ``word`` (:func:`same`), in their listed order."""
        close = process.extract(word, self._plain, scorer=OSA.distance, score_cutoff=2,
                                limit=None)
        firsts = {self._firsts[i] for _, _, i in close} | set(self._wildcards)
        found = sorted((pair for f in firsts if same(f, word, typo_from)
                        for pair in self._by_first[f]), key=lambda pair: pair[0])
        return [item for _, item in found]


class Phrases:
    """Phrases for :func:`contains`, indexed by their first unit (:class:`_ByFirstUnit`)."""

    def __init__(self, phrases: Sequence[Units], gap: int, typo_from: int = TYPO_FROM) -> None:
        self.phrases = tuple(phrases)
        self._gap, self._typo_from = gap, typo_from
        self._index = _ByFirstUnit(self.phrases, lambda phrase: phrase[0])

    def found_in(self, message: Units) -> bool:
        """Whether any of the phrases occurs in ``message`` (see :func:`contains`)."""
        memo: dict[str, list[Units]] = {}
        for start, word in enumerate(message):
            candidates = memo.get(word)
            if candidates is None:
                candidates = memo[word] = self._index.starting_with(word, self._typo_from)
            for phrase in candidates:
                allowed = self._gap if len(phrase) >= MIN_GAP_UNITS else 0
                if _extends(message, phrase, 1, start, allowed, self._typo_from):
                    return True
        return False


@dataclass(frozen=True)
class Example:
    """One small-talk example: its units (squeezed) and the kind it stands for."""

    kind: str
    units: Units


class Examples:
    """Small-talk examples indexed by their first unit, read forwards and (for the end of a
    message) backwards; the first listed of two equally good covers wins."""

    def __init__(self, examples: Sequence[Example]) -> None:
        self.items = tuple(examples)
        self.forwards = _ByFirstUnit(self.items, _first_unit)
        self.backwards = _ByFirstUnit([Example(e.kind, e.units[::-1]) for e in self.items],
                                      _first_unit)


def _first_unit(example: Example) -> str:
    return example.units[0]


def cover(message: Units, examples: Examples, fillers: frozenset[str]) -> str | None:
    """The kind of the longest example, if examples and fillers make up the whole message."""
    end = _covers(message, examples.forwards, fillers)[len(message)]
    return end[3] if end is not None and end[0] > 0 else None


def at_an_end(message: Units, examples: Examples, fillers: frozenset[str]
              ) -> tuple[str, Units] | None:
    """Small talk at the start and/or the end of ``message``: its kind and the rest between.

    The longest start and the longest end made of examples and fillers ("ok thank you, I'll ask
    the nurse on Monday", "I'll come back tomorrow, bye for now"); the kind is the longer side's
    (the start's if even: "thank you, I'll read that later" is thanks).
    The caller decides whether the rest is only context (no question, no topic) or a question.
    """
    start = _longest(_covers(message, examples.forwards, fillers, EDGE_TYPO_FROM))
    end = _longest(_covers(message[::-1], examples.backwards, fillers, EDGE_TYPO_FROM))
    if start is None and end is None:
        return None
    i, kind = start or (0, "")
    j, end_kind = end or (0, "")
    return (kind if i >= j else end_kind), message[i:max(i, len(message) - j)]


def _longest(covers: list[_Cover | None]) -> tuple[int, str] | None:
    """The longest covered start (with at least one example) and its kind."""
    for i in range(len(covers) - 1, 0, -1):
        found = covers[i]
        if found is not None and found[0] > 0:
            return i, found[3]
    return None


def _covers(message: Units, examples: _ByFirstUnit[Example], fillers: frozenset[str],
            typo_from: int = TYPO_FROM) -> list[_Cover | None]:
    """For each ``i``, how examples and fillers best make up ``message[:i]`` (None: they don't)."""
    words = tuple(squeeze(u) for u in message)
    # best[i] for words[:i], if covered: (units matched by examples, of which without a typo,
    # the longest example, its kind). More units, then fewer typos, win: "help" is help, not a
    # typo of "hello".
    best: list[_Cover | None] = [None] * (len(words) + 1)
    best[0] = (0, 0, 0, "")
    starting: dict[str, list[Example]] = {}  # per distinct word: the examples it may begin
    for i in range(len(words)):
        here = best[i]
        if here is None:
            continue
        if words[i] in fillers or message[i] in fillers:
            _keep(best, i + 1, here)
        candidates = starting.get(words[i])
        if candidates is None:
            candidates = starting[words[i]] = examples.starting_with(words[i], typo_from)
        for example in candidates:
            n = len(example.units)
            if i + n <= len(words) and all(same(e, w, typo_from) for e, w in
                                           zip(example.units[1:], words[i + 1:i + n],
                                               strict=True)):
                exact = sum(e == w for e, w in zip(example.units, words[i:i + n], strict=True))
                longest = (n, example.kind) if n > here[2] else (here[2], here[3])
                _keep(best, i + n, (here[0] + n, here[1] + exact, *longest))
    return best


_Cover = tuple[int, int, int, str]


def _keep(best: list[_Cover | None], at: int, candidate: _Cover) -> None:
    current = best[at]
    if current is None or candidate[:3] > current[:3]:
        best[at] = candidate
