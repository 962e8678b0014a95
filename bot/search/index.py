"""Free-text search over the sections and glossary terms, and red-flag (urgent) detection.

The index is built once at start-up (:meth:`SearchIndex.build`); a query is then a few dictionary
lookups and small sums, with no file reading. A document (a section or a glossary term) answers a
query only if it accounts for most of the query's meaningful words, each weighted by how rare it
is in the guide: a question whose main words the guide never uses gets no match rather than a
section that merely shares the word "liver". The bot never claims more than that.

Typical use::

    index = SearchIndex.build(content, content_dir / "search.yaml")
    index.search("can they operate on liver spots from bowel cancer", limit=3)
    index.is_urgent("my dad threw up blood")  # True
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from rapidfuzz import fuzz, process

from bot.content.loader import Content, Section, Term
from bot.search.lexicon import Lexicon, Token, load_search_words
from bot.search.urgent import UrgentRules

URGENT_ID = "urgent"
# How strongly a word counts, by where a document uses it.
STRONG, MEDIUM, WEAK = 1.0, 0.7, 0.35
MIN_COVERAGE = 0.6  # share of the query's weight a document must account for
MIN_NAMED = 0.25  # ... of which this share through its titles, keywords or aliases
PHRASE_BONUS = 0.3  # extra score for matching one whole title, keyword or alias
NAME, KEYWORD = 1.0, 0.8  # a title or a term's own name fits better than a keyword or alias
RELATIVE = 0.75  # results after the first must score at least this share of the best
TERM_CUTOFF = 85  # rapidfuzz ratio for /glossary look-ups
MAX_QUERY_WORDS = 64  # the ranking reads at most this many topic words (red flags: all)

Kind = Literal["section", "term"]


@dataclass(frozen=True)
class Match:
    """One search result: a section or a glossary term, with its score (higher is better)."""

    kind: Kind
    key: str
    score: float

    @property
    def ref(self) -> str:
        """``section_id`` or ``term:<key>``, as in tests/data/questions.yaml."""
        return self.key if self.kind == "section" else f"term:{self.key}"


@dataclass(frozen=True)
class Answer:
    """What the bot shows for a message: urgent advice first, if called for, then matches."""

    urgent: bool
    matches: tuple[Match, ...]


@dataclass(frozen=True)
class _Doc:
    kind: Kind
    key: str
    weights: dict[str, float]  # stem -> strongest field that uses it
    phrases: tuple[tuple[frozenset[str], float], ...]  # stems of names and keywords, and tier


class SearchIndex:
    """Sections and glossary terms, indexed once; ranked matches for free text."""

    def __init__(self, content: Content, lexicon: Lexicon, docs: list[_Doc],
                 urgent: UrgentRules) -> None:
        self.content = content
        self.lexicon = lexicon
        self._docs = docs
        self._urgent = urgent
        self._postings: dict[str, list[tuple[int, float]]] = {}
        for number, doc in enumerate(docs):
            for stem, weight in doc.weights.items():
                self._postings.setdefault(stem, []).append((number, weight))
        # A word's weight: rare words say more. A word the guide never uses weighs the most.
        n = len(docs)
        self._idf = {stem: math.log(1 + n / len(hits)) for stem, hits in self._postings.items()}
        self._unknown_idf = math.log(1 + n / 0.5)
        self._names: list[str] = []
        self._name_keys: list[str] = []
        for term in content.terms.values():
            for name in (term.key.replace("_", " "), term.term, *term.aliases):
                spaced = " ".join(t.word for t in lexicon.tokens(name) if not t.stop)
                for form in dict.fromkeys((spaced, spaced.replace(" ", ""))):
                    self._names.append(form)
                    self._name_keys.append(term.key)

    @classmethod
    def build(cls, content: Content, words_path: Path, mode: str = "stem:english"
              ) -> SearchIndex:
        """Index every section and glossary term of ``content``, with ``search.yaml``'s words.

        ``mode`` is how the language splits text (``locale/languages.yaml``, ``search:``).
        """
        search_words = load_search_words(words_path)
        texts: list[str] = []
        for s in content.sections.values():
            texts += [s.title, s.button, s.summary, s.body, *s.keywords, *s.notes]
        for t in content.terms.values():
            texts += [t.term, t.definition, *t.aliases]
        lexicon = Lexicon(search_words, texts, mode)
        docs = [_section_doc(lexicon, content, s) for s in content.walk()]
        docs += [_term_doc(lexicon, t) for t in content.terms.values()]
        return cls(content, lexicon, docs, UrgentRules.build(lexicon, search_words.urgent))

    def search(self, query: str, limit: int = 3) -> list[Match]:
        """The best ``limit`` sections or terms for ``query``; empty when none fits well."""
        return self._rank(self.lexicon.tokens(query), limit)

    def is_urgent(self, query: str) -> bool:
        """Whether ``query`` describes a red-flag symptom (typos allowed): show urgent advice."""
        return self._urgent.match([t.stem for t in self.lexicon.tokens(query)])

    def answer(self, query: str, limit: int = 3) -> Answer:
        """Urgent advice first when the words call for it, then the best other matches."""
        tokens = self.lexicon.tokens(query)
        matches = self._rank(tokens, limit)
        if not self._urgent.match([t.stem for t in tokens]):
            return Answer(False, tuple(matches))
        rest = [m for m in matches if m.ref != URGENT_ID][:max(limit - 1, 0)]
        return Answer(True, (Match("section", URGENT_ID, 1.0), *rest))

    def find_term(self, text: str) -> Term | None:
        """A glossary term by name or alias, allowing typos and split words; else None."""
        exact = self.content.find_term(text)
        if exact is not None:
            return exact
        spaced = " ".join(t.word for t in self.lexicon.tokens(text) if not t.stop)
        if not spaced:
            return None
        hits = [process.extractOne(form, self._names, scorer=fuzz.ratio,
                                   score_cutoff=TERM_CUTOFF)
                for form in (spaced, spaced.replace(" ", ""))]
        found = [hit for hit in hits if hit is not None]
        if not found:
            return None
        best = max(found, key=lambda hit: hit[1])
        return self.content.terms[self._name_keys[best[2]]]

    def _rank(self, tokens: list[Token], limit: int) -> list[Match]:
        stems = list(dict.fromkeys(t.stem for t in tokens if not t.stop))[:MAX_QUERY_WORDS]
        if not stems or limit < 1:
            return []
        weight = {s: self._idf.get(s, self._unknown_idf) for s in stems}
        total = sum(weight.values())
        covered: dict[int, float] = {}
        named: dict[int, float] = {}
        for stem in stems:
            for number, strength in self._postings.get(stem, ()):
                covered[number] = covered.get(number, 0.0) + weight[stem] * strength
                if strength == STRONG:
                    named[number] = named.get(number, 0.0) + weight[stem]
        scored = []
        for number, amount in covered.items():
            if amount >= MIN_COVERAGE * total and named.get(number, 0.0) >= MIN_NAMED * total:
                bonus = max((tier * _phrase_fit(p, weight, total, self._idf)
                             for p, tier in self._docs[number].phrases), default=0.0)
                scored.append((amount / total + PHRASE_BONUS * bonus, number))
        if not scored:
            return []
        scored.sort(key=lambda item: (-item[0], item[1]))
        best = scored[0][0]
        return [Match(self._docs[n].kind, self._docs[n].key, round(score, 4))
                for score, n in scored[:limit] if score >= best * RELATIVE]


def _phrase_fit(phrase: frozenset[str], weight: dict[str, float], total: float,
                idf: dict[str, float]) -> float:
    """How completely one phrase is in the query, times how much of the query it explains."""
    if not phrase:
        return 0.0
    inside = [s for s in phrase if s in weight]
    if not inside:
        return 0.0
    complete = sum(idf.get(s, 0.0) for s in inside) / sum(idf.get(s, 0.0) for s in phrase)
    return complete * sum(weight[s] for s in inside) / total


def _doc(lexicon: Lexicon, kind: Kind, key: str, names: list[str], keywords: list[str],
         medium: list[str], weak: list[str]) -> _Doc:
    weights: dict[str, float] = {}
    for texts, strength in ((weak, WEAK), (medium, MEDIUM), ([*names, *keywords], STRONG)):
        for text in texts:
            for stem in lexicon.stems(text):
                weights[stem] = max(weights.get(stem, 0.0), strength)
    phrases = tuple((frozenset(stems), tier)
                    for texts, tier in ((names, NAME), (keywords, KEYWORD)) for text in texts
                    if (stems := lexicon.stems(text)))
    return _Doc(kind, key, weights, phrases)


def _section_doc(lexicon: Lexicon, content: Content, section: Section) -> _Doc:
    # A subsection is read in its parent's context: "Surgery" under "Bowel cancer".
    parent = content.sections.get(section.parent)
    context = [parent.title, parent.label] if parent else []
    return _doc(lexicon, "section", section.id, [section.title, section.label],
                list(section.keywords), [section.summary, *context],
                [section.body, *section.notes])


def _term_doc(lexicon: Lexicon, term: Term) -> _Doc:
    return _doc(lexicon, "term", term.key, [term.term, term.key.replace("_", " ")],
                list(term.aliases), [term.definition], [])
