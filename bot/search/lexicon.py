"""Words as the search sees them: tokens, stop words, same-as words, spelling fixes and stems.

The lexicon is built once at start-up from the guide's own words, so a misspelt word is only ever
corrected towards a word the guide (or ``search.yaml``) actually uses. Nothing typed by a user is
kept: query words are processed and dropped; only the guide's own words are cached.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import snowballstemmer
import yaml
from rapidfuzz import process
from rapidfuzz.distance import OSA, Prefix

from bot.content.loader import ContentError
from bot.search import cjk, shapes
from bot.search.families import families

# Word characters; "&" joins "A&E" into one word, apostrophes vanish ("what's" -> "whats").
_WORD = re.compile(r"[^\W_]+(?:&[^\W_]+)*")
_APOSTROPHES = str.maketrans("", "", "'’`")
_DIGIT_LETTER = re.compile(r"(?<=\d)(?=[^\W\d_])|(?<=[^\W\d_])(?=\d)")
# Runs of Han characters (Chinese has no spaces): split into overlapping character pairs.
_HAN_RUN = re.compile(r"[\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF]+")
MIN_FIX = 4  # shorter words are too easily mistaken for another word to be corrected
MAX_FIX = 30  # longer "words" are not words
FIXED_WORDS = 64  # spelling is fixed in this many words of a message; the rest are taken as typed
MIN_PREFIX = 5  # "treatable" finds "treat", "metastatic" finds "metastases" (shared beginning)
PREFIX_SHARE = 0.85  # ... when the shared beginning is most of the shorter stem


@dataclass(frozen=True)
class Token:
    """One word of a text: as written (after spelling fixes) and its stem."""

    word: str
    stem: str
    stop: bool


@dataclass(frozen=True)
class SearchWords:
    """``content/<lang>/search.yaml``: the language data of the search."""

    stopwords: frozenset[str]
    same_as: dict[str, tuple[str, ...]]
    urgent: tuple[tuple[tuple[str, ...], ...], ...]  # rules -> groups -> phrases
    cannot_answer: tuple[tuple[tuple[str, ...], ...], ...] = ()  # the same shape
    negations: tuple[str, ...] = ()  # "no fever": the phrase after them does not count
    negation_ends: tuple[str, ...] = ()  # "but", "or": a negation reaches no further
    not_urgent: tuple[str, ...] = ()  # "emergency surgery": phrases that raise no flag
    question_words: frozenset[str] = frozenset()  # a sentence starting with one asks
    derived_endings: tuple[str, ...] = ()  # "ment": "treatment" is of the family of "treat"
    primaries: tuple[tuple[str, tuple[str, ...]], ...] = ()  # section id -> words naming it
    other_cancers: tuple[str, ...] = ()  # cancers the guide is not about ("throat cancer") ...
    subject: tuple[str, ...] = ()  # ... when the message has none of these (liver, spread)

    def texts(self) -> list[str]:
        """Every word listed, so that the lexicon knows them all."""
        out = [*self.stopwords, *self.same_as, *self.negations, *self.negation_ends,
               *self.not_urgent]
        out += [" ".join(words) for words in self.same_as.values()]
        out += [phrase for rules in (self.urgent, self.cannot_answer) for rule in rules
                for group in rule for phrase in group]
        out += [*self.other_cancers, *self.subject]
        return out + [word for _, named in self.primaries for word in named]


def words(text: str) -> list[str]:
    """Lower-case words of ``text``: "What's A&E?" -> ["whats", "a&e"]; "2cm" -> ["2", "cm"]."""
    text = _DIGIT_LETTER.sub(" ", text.casefold().translate(_APOSTROPHES))
    return _WORD.findall(text)


def bigram_words(text: str, stop: re.Pattern[str] | None = None) -> list[str]:
    """Words of ``text`` with Han runs as overlapping pairs: "我呕血" -> ["我呕", "呕血"].

    ``stop`` (stop words of two or more characters: 什么, 请问) is cut out of the runs first,
    so that pairs across a stop word ("么是" in "什么是") do not stand for words the text does
    not have. One character is not cut: 的 and 是 are also parts of words (目的, 但是).
    """
    if stop is not None:
        text = stop.sub(" ", text)
    out: list[str] = []
    for word in words(text):
        if _HAN_RUN.fullmatch(word) is None:
            parts = _HAN_RUN.split(word)
            runs = _HAN_RUN.findall(word)
            if not runs:
                out.append(word)
                continue
            for i, part in enumerate(parts):  # Latin or digits mixed into Chinese: "ct检查"
                if part:
                    out.append(part)
                if i < len(runs):
                    out.extend(_pairs(runs[i]))
            continue
        out.extend(_pairs(word))
    return out


def _pairs(run: str) -> list[str]:
    return [run] if len(run) < 2 else [run[i:i + 2] for i in range(len(run) - 1)]


def load_search_words(path: Path) -> SearchWords:
    """Read and check ``search.yaml``."""
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ContentError(f"{path.name}: cannot read ({exc})") from exc
    if not isinstance(data, dict):
        raise ContentError(f"{path.name}: expected 'urgent', 'same_as' and 'stopwords' keys")
    stop = data.get("stopwords") or []
    same = data.get("same_as") or {}
    if not isinstance(stop, list) or not all(isinstance(w, str) for w in stop):
        raise ContentError(f"{path.name}: 'stopwords' must be a list of words")
    if not isinstance(same, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in same.items()):
        raise ContentError(f"{path.name}: 'same_as' must map a word to words")
    return SearchWords(
        stopwords=frozenset(w for word in stop for w in words(word)),
        same_as={" ".join(words(k)): tuple(words(v)) for k, v in same.items()},
        urgent=shapes.rules(path, data, "urgent", required=True),
        cannot_answer=shapes.rules(path, data, "cannot_answer", required=False),
        negations=shapes.strings(path, data, "negations"),
        negation_ends=shapes.strings(path, data, "negation_ends"),
        not_urgent=shapes.strings(path, data, "not_urgent"),
        question_words=frozenset(w for word in shapes.strings(path, data, "question_words")
                                 for w in words(word)),
        derived_endings=shapes.strings(path, data, "derived_endings"),
        primaries=tuple((k, shapes.strings(path, data["primaries"], k))
                        for k in shapes.mapping(path, data, "primaries")),
        other_cancers=shapes.strings(path, data, "other_cancers"),
        subject=shapes.strings(path, data, "subject"),
    )


class Lexicon:
    """Turns text into stemmed tokens, fixing spelling towards the words it knows."""

    def __init__(self, search_words: SearchWords, texts: Iterable[str],
                 mode: str = "stem:english", *, rules_apart: bool = True) -> None:
        """``mode``: ``stem:<snowball language>``; ``bigrams`` or ``segment`` (Chinese, jieba) for
        text without spaces. ``rules_apart``: the care-team rules' words are known only to
        :attr:`rules`, not to the ranking's spelling fixes (see below)."""
        self._words = words
        self._bigrams = mode == "bigrams"
        if self._bigrams:
            han = sorted((w for w in search_words.stopwords
                          if len(w) > 1 and _HAN_RUN.fullmatch(w)),
                         key=len, reverse=True)
            cut = re.compile("|".join(map(re.escape, han))) if han else None
            self._words = lambda text: bigram_words(text, cut)
        # The lexicon the word rules (red flags, care-team questions) read messages with.
        self.rules: Lexicon = self
        if mode == cjk.MODE:  # Chinese cut into words by a dictionary (bot/search/cjk.py) ...
            texts = list(texts)
            segmenter = cjk.Segmenter()
            self._words = lambda text: segmenter.words(words(text))
            # ... while the rules, written and measured as character pairs, keep reading pairs.
            self.rules = Lexicon(search_words, texts, "bigrams")
        elif rules_apart and (search_words.cannot_answer or search_words.other_cancers):
            # The care-team rules name what the guide does not cover: if the ranking knew
            # their words, every rule added would move the ranking of messages it never
            # matches (a word corrected towards a rule word, a word after the 64th kept for
            # beginning like one). The rules read messages with a lexicon that knows their
            # words; the ranking's knows the guide's and the other rules'.
            texts = list(texts)
            self.rules = Lexicon(search_words, texts, mode, rules_apart=False)
            search_words = replace(search_words, cannot_answer=(), other_cancers=())
        self._alike: frozenset[str] = frozenset()  # words both lexicons read alike
        self._stemmer = snowballstemmer.stemmer(
            mode.removeprefix("stem:") if mode.startswith("stem:") else "english")
        self._stop = search_words.stopwords
        self._same = search_words.same_as
        counts: Counter[str] = Counter()
        for text in (*texts, *search_words.texts()):
            counts.update(self._words(text))
        self._counts = counts
        self._starts = frozenset(w[:3] for w in counts)  # how known words begin (see tokens)
        raw = {w: str(self._stemmer.stemWord(w)) for w in counts}
        self._family = families(raw.values(), search_words.derived_endings)
        self._stems = {w: self._family.get(s, s) for w, s in raw.items()}
        self._known_stems = frozenset(self._stems.values())
        self._stop_stems = frozenset(self._stems[w] for w in self._stop if w in self._stems)
        # Known stems by their first letters, to relate derived forms: treatable -> treat.
        self._stem_buckets: dict[str, list[str]] = {}
        for stem in sorted(self._known_stems):
            if len(stem) >= MIN_PREFIX:
                self._stem_buckets.setdefault(stem[:MIN_PREFIX - 1], []).append(stem)
        # Candidates for a spelling fix, by first letter: typos rarely change the first letter.
        buckets: dict[str, list[str]] = {}
        for word in sorted(counts):
            if len(word) >= MIN_FIX and word.isalpha():
                buckets.setdefault(word[0], []).append(word)
        self._buckets = buckets
        other = self.rules
        if other is not self and other._words is words and other._stop_stems == self._stop_stems:
            same = {w for w, stem in self._stems.items() if other._stems.get(w) == stem}
            self._alike = frozenset(w for w in same if set(self._same.get(w, ())) <= same)

    def reads_alike(self, text: str) -> bool:
        """Whether :attr:`rules` reads ``text`` as this lexicon does: every word is one both
        know alike (no spelling fix, no join, the same stem), so most messages are read once."""
        return self.rules is self or all(w in self._alike for w in self._words(text))

    def tokens(self, text: str) -> list[Token]:
        """The tokens of ``text``, spelling fixed and same-as words replaced.

        Only the first :data:`FIXED_WORDS` words are read in full (spelling fixes and stemming
        are the costly part: a 4,096-character message of random words took ~250 ms of
        event-loop CPU). Of the words after them, only those that begin like a word the bot
        knows are stemmed, as typed, so a red flag at the end of a long message is still found.
        """
        memo: dict[str, str] = {}  # word -> stem, for this text only: nothing typed is kept
        out = []
        found = self._words(text)
        fixed = self._fix(found[:FIXED_WORDS], memo) + [
            w for w in found[FIXED_WORDS:] if w[:3] in self._starts]
        for word in self._expand(fixed):
            stem = self._stem(word, memo)
            # Without spaces, a pair the guide never uses is mostly two halves of two words.
            unknown_pair = self._bigrams and word not in self._counts and _HAN_RUN.match(word)
            out.append(Token(word, stem, word.isdigit() or word in self._stop
                             or stem in self._stop_stems or bool(unknown_pair)))
        self._stemmer.set_current("")  # the stemmer would otherwise hold the last word typed
        return out

    def stems(self, text: str) -> list[str]:
        """Stems of the words of ``text`` that carry a topic (no stop words)."""
        return [t.stem for t in self.tokens(text) if not t.stop]

    def _known(self, word: str, memo: dict[str, str]) -> bool:
        return word in self._counts or self._stem(word, memo) in self._known_stems

    def _stem(self, word: str, memo: dict[str, str]) -> str:
        stem = self._stems.get(word) or memo.get(word)
        if stem is None:
            stem = str(self._stemmer.stemWord(word))
            stem = self._family.get(stem, stem)
            if stem not in self._known_stems:
                stem = self._related_stem(stem)
            memo[word] = stem
        return stem

    def _related_stem(self, stem: str) -> str:
        """A known stem sharing most of its beginning with ``stem`` (another form of the word)."""
        best, best_shared = stem, 0
        for known in self._stem_buckets.get(stem[:MIN_PREFIX - 1], ()):
            shared = Prefix.similarity(stem, known)
            if (shared >= MIN_PREFIX and shared >= PREFIX_SHARE * min(len(stem), len(known))
                    and shared > best_shared):
                best, best_shared = known, shared
        return best

    def _expand(self, items: list[str]) -> list[str]:
        """Same-as words replaced; a two-word entry ("cat scan") first, so that its words
        alone ("my cat") are left as they are."""
        out: list[str] = []
        i = 0
        while i < len(items):
            pair = f"{items[i]} {items[i + 1]}" if i + 1 < len(items) else ""
            if pair in self._same:
                out += self._same[pair]
                i += 2
            else:
                out += self._same.get(items[i], (items[i],))
                i += 1
        return out

    def _fix(self, items: list[str], memo: dict[str, str]) -> list[str]:
        """Join words split by mistake ("feto protien"), then correct unknown words."""
        out: list[str] = []
        i = 0
        while i < len(items):
            word = items[i]
            known = self._known(word, memo)
            if i + 1 < len(items) and word.isalpha() and items[i + 1].isalpha() and not (
                    known and self._known(items[i + 1], memo)):
                joined = self._correct(word + items[i + 1])
                if joined is not None:
                    out.append(joined)
                    i += 2
                    continue
            out.append(word if known else self._correct(word) or word)
            i += 1
        return out

    def _correct(self, word: str) -> str | None:
        """The known word closest to ``word`` (one edit, two for long words), if any."""
        if word in self._counts:
            return word
        if not MIN_FIX <= len(word) <= MAX_FIX or not word.isalpha():
            return None
        limit = 1 if len(word) < 8 else 2
        found = process.extract(word, self._buckets.get(word[0], ()), scorer=OSA.distance,
                                score_cutoff=limit, limit=None)
        if len(word) == MIN_FIX:  # short words: only a missing letter ("blod"), else "last"
            found = [hit for hit in found if len(hit[0]) == MIN_FIX + 1]  # would become "list"
        if not found:
            return None
        best = min(found, key=lambda hit: (hit[1], -self._counts[hit[0]], hit[0]))
        return str(best[0])
