"""Free-text search over the sections and glossary terms, and red-flag (urgent) detection.

The index is built once at start-up (:meth:`SearchIndex.build`): every section and glossary term
goes into an in-memory SQLite FTS5 table (:mod:`bot.search.fts`) as stems, field by field. A
message is read as a question (:mod:`bot.search.query`: the asking sentences count most), its
words expanded by the lexicon (same-as words, stems, spelling fixed towards the guide's words),
and ranked by ``bm25()``. Whether to offer anything is a calibrated confidence
(:mod:`bot.search.confidence`): how far the best score stands out, and how much of the
question's rare words the best document covers. Red flags and the questions the guide cannot
answer (how long, what dose, one person's result) are word rules (:mod:`bot.search.urgent`).

Typical use::

    index = SearchIndex.build(content, content_dir / "search.yaml")
    index.answer("my dad has bowel cancer in the liver. can they operate?", limit=3)
    index.is_urgent("my dad threw up blood")  # True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from rapidfuzz import fuzz, process

from bot.content.loader import Content, Section, Term
from bot.search.confidence import Calibration, Verdict, judge
from bot.search.frequency import load_frequencies
from bot.search.fts import Fields, Ranker, Weights, clean
from bot.search.lexicon import Lexicon, SearchWords, load_search_words
from bot.search.primary import Primaries
from bot.search.query import Query, read
from bot.search.urgent import UrgentRules

URGENT_ID = "urgent"
SPECIALIST_ID = "specialist"
TERM_CUTOFF = 85  # rapidfuzz ratio for /glossary look-ups
CANDIDATES = 20  # documents ranked per message, before the primary cancer and confidence
RARE_SHARE = 0.1  # a word at most this share of documents use is rare
SPECIFIC = 0.95  # a subsection scoring this share of its parent section's score comes first

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
    """What the bot shows for a message.

    ``urgent``: the urgent advice comes first (and ``matches[0]`` is the urgent section).
    ``cannot_answer``: a kind of question only the care team can answer (prognosis, doses, diet,
    one person's results); ``matches`` are then only related reading, never the answer.
    ``best_first``: one match clearly wins, so it is shown first with its summary.
    """

    urgent: bool
    matches: tuple[Match, ...]
    cannot_answer: bool = False
    best_first: bool = False
    confidence: float = 0.0

    @property
    def confident(self) -> bool:
        """Whether the reply offers a section as the answer (not only urgent advice or care)."""
        return not self.cannot_answer and any(m.ref != URGENT_ID for m in self.matches)


class SearchIndex:
    """Sections and glossary terms, indexed once; ranked matches for free text."""

    def __init__(self, content: Content, lexicon: Lexicon, search_words: SearchWords,
                 keys: list[tuple[Kind, str]], ranker: Ranker,
                 calibration: Calibration | None = None) -> None:
        self.content = content
        owners = [key if kind == "section" else content.terms[key].section
                  for kind, key in keys]
        self.primaries = Primaries.build(content, lexicon, search_words.primaries, owners)
        self.lexicon = lexicon
        self._keys = keys
        self._ranker = ranker
        self._asking = ranker.weights.asking
        self.calibration = calibration or Calibration()
        self._questions = search_words.question_words
        rules = lexicon.rules  # Chinese: rules read character pairs (bot/search/cjk.py)
        self._urgent = UrgentRules.build(rules, search_words.urgent, search_words.negations,
                                         search_words.not_urgent, search_words.negation_ends)
        self._cannot = UrgentRules.build(rules, search_words.cannot_answer)
        # Another cancer named, and nothing of the liver or of spread: not this guide's subject.
        self._elsewhere = UrgentRules.build(rules, [[search_words.other_cancers]] if
                                            search_words.other_cancers else [])
        self._subject = UrgentRules.build(rules, [[search_words.subject]] if
                                          search_words.subject else [])
        self._names: list[str] = []
        self._name_keys: list[str] = []
        for term in content.terms.values():
            for name in (term.key.replace("_", " "), term.term, *term.aliases):
                spaced = " ".join(t.word for t in lexicon.tokens(name) if not t.stop)
                for form in dict.fromkeys((spaced, spaced.replace(" ", ""))):
                    self._names.append(form)
                    self._name_keys.append(term.key)

    @classmethod
    def build(cls, content: Content, words_path: Path, weights: Weights | None = None,
              calibration: Calibration | None = None, mode: str = "stem:english"
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
        keys: list[tuple[Kind, str]] = []
        fields: list[Fields] = []
        for section in content.walk():
            keys.append(("section", section.id))
            fields.append(_section_fields(lexicon, content, section))
        for term in content.terms.values():
            keys.append(("term", term.key))
            fields.append(_term_fields(lexicon, term))
        ranker = Ranker(fields, weights or Weights(), [kind == "term" for kind, _ in keys],
                        load_frequencies(words_path.parent))
        return cls(content, lexicon, search_words, keys, ranker, calibration)

    def search(self, query: str, limit: int = 3) -> list[Match]:
        """The best ``limit`` sections or terms for ``query``; empty when none fits well."""
        return list(self.answer(query, limit).matches) if limit > 0 else []

    def is_urgent(self, query: str) -> bool:
        """Whether ``query`` describes a red-flag symptom (typos allowed): show urgent advice."""
        return self._urgent.match(read(self.lexicon.rules, query, self._questions).tokens)

    def answer(self, query: str, limit: int = 3) -> Answer:
        """Urgent advice first when the words call for it, then the best other matches."""
        message, ranked = self.rank(query, limit)
        return self.reply(query, message, self.verdict(message, ranked), limit)

    def rank(self, query: str, limit: int = 3) -> tuple[Query, list[tuple[int, float]]]:
        """The message as read, and its candidate rows (row, score), best first."""
        message = read(self.lexicon, query, self._questions, self._asking)
        return message, self.primaries.reweigh([t.stem for t in message.tokens], self._ranker.rank(
            message.stems, CANDIDATES) if limit > 0 else [])

    def verdict(self, message: Query, ranked: list[tuple[int, float]]) -> Verdict:
        """Whether to offer the ranked rows, and which (a subsection first if it all but ties)."""
        return judge(self.calibration, self._ranker, message.stems, self._specific_first(ranked))

    def reply(self, query: str, message: Query, verdict: Verdict, limit: int = 3) -> Answer:
        """The answer for the rows ``verdict`` shows, with the care-team and red-flag rules."""
        tokens = message.tokens if self.lexicon.reads_alike(query) else read(
            self.lexicon.rules, query, self._questions).tokens
        cannot = self._cannot.match(tokens) or (
            self._elsewhere.match(tokens) and not self._subject.match(tokens))
        shown = [(row, score) for row, score in verdict.shown[:1]
                 if self._shares_a_rare_word(row, message.stems)] if cannot else verdict.shown
        matches = [Match(*self._keys[row], round(score, 4)) for row, score in shown]
        if cannot and not any(m.key == SPECIALIST_ID for m in matches):
            matches.append(Match("section", SPECIALIST_ID, 0.0))
        urgent = self._urgent.match(tokens)
        if urgent:
            rest = [m for m in matches if m.ref != URGENT_ID]
            matches = [Match("section", URGENT_ID, 1.0), *rest]
        return Answer(urgent, tuple(matches[:max(limit, 0)]), cannot,
                      verdict.best_first and not cannot and not urgent, verdict.confidence)

    def _specific_first(self, ranked: list[tuple[int, float]]) -> list[tuple[int, float]]:
        """A subsection first when it all but ties with the section it is under: it says the
        same more precisely ("Why bowel cancer often spreads to the liver" under Bowel cancer)."""
        if len(ranked) < 2:
            return ranked
        (top, best), (next_row, second) = ranked[0], ranked[1]
        (kind, key), (next_kind, next_key) = self._keys[top], self._keys[next_row]
        if (kind == next_kind == "section" and second >= SPECIFIC * best
                and self.content.sections[next_key].parent == key):
            return [(next_row, best), (top, second), *ranked[2:]]
        return ranked

    def _shares_a_rare_word(self, row: int, stems: Sequence[tuple[str, int]]) -> bool:
        """Whether a document has a word of the message that few documents use (related
        reading for a care-team question must be about its subject, not "how long")."""
        share = self._ranker.share
        have = self._ranker.stems[row]
        return any(word in have and share[word] <= RARE_SHARE
                   for word in (clean(stem) for stem, _ in stems))

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


def _stems(lexicon: Lexicon, *texts: str) -> str:
    return " ".join(s for text in texts for stem in lexicon.stems(text) if (s := clean(stem)))


def _section_fields(lexicon: Lexicon, content: Content, section: Section) -> Fields:
    # A subsection is read in its parent's context: "Surgery" under "Bowel cancer".
    parent = content.sections.get(section.parent)
    context = [parent.title, parent.label] if parent else []
    return Fields(names=_stems(lexicon, section.title, section.label),
                  keywords=_stems(lexicon, *section.keywords),
                  summary=_stems(lexicon, section.summary, *context),
                  body=_stems(lexicon, section.body, *section.notes))


def _term_fields(lexicon: Lexicon, term: Term) -> Fields:
    return Fields(names=_stems(lexicon, term.term, term.key.replace("_", " ")),
                  keywords=_stems(lexicon, *term.aliases),
                  summary=_stems(lexicon, term.definition), body="")
