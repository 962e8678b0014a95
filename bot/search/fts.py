"""The ranking itself: SQLite FTS5's ``bm25()`` over fields of the guide, in an in-memory database.

Every document (a section or a glossary term) is one row with four columns: its names (title,
button, term), its keywords and aliases, its summary (or a term's definition) and its body. The
text stored is already tokenised by the :class:`~bot.search.lexicon.Lexicon` (stems, spelling
fixed), and queries are stems too, so FTS5 only has to split on spaces and rank. The database is
built once at start-up and only read afterwards.

A query is a list of stems with whole-number weights: FTS5's ``bm25()`` sums over the phrases of
a query, so a stem given twice counts twice (the question sentence of a long message counts more
than the story around it). Nothing typed is kept: statements are not cached, so no query stays
bound to a prepared statement after it has run.
"""

from __future__ import annotations

import math
import re
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

_NOT_WORD = re.compile(r"[^\w]+")


@dataclass(frozen=True)
class Fields:
    """One document's text, as space-separated stems, column by column."""

    names: str
    keywords: str
    summary: str
    body: str


@dataclass(frozen=True)
class Weights:
    """How much a hit in each column counts (``bm25()``'s column weights)."""

    names: float = 3.0
    keywords: float = 6.0
    summary: float = 0.25
    body: float = 0.25
    asking: int = 2  # a word of an asking sentence counts this many times (others: once)
    terms: float = 1.0  # a glossary term's score is multiplied by this (short rows rank high)


def clean(stem: str) -> str:
    """A stem as FTS5 stores it: letters and digits only ("a&e" -> "ae")."""
    return _NOT_WORD.sub("", stem)


class Ranker:
    """``bm25()`` over the documents, plus how rare each stem is, for the confidence rule."""

    def __init__(self, documents: Sequence[Fields], weights: Weights,
                 is_term: Sequence[bool] = (), general: Mapping[str, float] | None = None
                 ) -> None:
        self._db = sqlite3.connect(":memory:", check_same_thread=False, cached_statements=0)
        self._db.execute("CREATE VIRTUAL TABLE docs USING fts5("
                         "names, keywords, summary, body, tokenize='unicode61')")
        self._db.executemany(
            "INSERT INTO docs (rowid, names, keywords, summary, body) VALUES (?, ?, ?, ?, ?)",
            [(n, d.names, d.keywords, d.summary, d.body) for n, d in enumerate(documents)])
        self.weights = weights
        self._factor = [weights.terms if term else 1.0 for term in is_term] or [1.0] * len(
            documents)
        self._weights = (weights.names, weights.keywords, weights.summary, weights.body)
        self.stems = [frozenset(" ".join((d.names, d.keywords, d.summary, d.body)).split())
                      for d in documents]
        self.named = [frozenset(f"{d.names} {d.keywords}".split()) for d in documents]
        counts: dict[str, int] = {}
        for stems in self.stems:
            for stem in stems:
                counts[stem] = counts.get(stem, 0) + 1
        total = len(documents)
        # Rare words say more; a word the guide never uses weighs the most.
        self.idf = {s: math.log(1 + total / c) for s, c in counts.items()}
        self.share = {s: c / total for s, c in counts.items()}  # of documents using the stem
        self.unknown_idf = math.log(1 + total / 0.5)
        self.general = general or {}  # stem -> Zipf frequency in English (bot.search.frequency)

    def rarity(self, word: str, ceiling: float) -> float:
        """How much a (clean) stem says: its idf in the guide; for a word the guide never uses,
        ``ceiling`` less its Zipf frequency in everyday language, at most ``unknown_idf``."""
        if word in self.idf:
            return self.idf[word]
        if ceiling <= 0:
            return self.unknown_idf
        return min(self.unknown_idf, max(0.0, ceiling - self.general.get(word, 0.0)))

    def rank(self, query: Sequence[tuple[str, int]], limit: int) -> list[tuple[int, float]]:
        """The best ``limit`` documents for weighted stems: (row, score), best first, score > 0."""
        phrases = [f'"{s}"' for stem, weight in query if (s := clean(stem)) and s in self.idf
                   for _ in range(weight)]
        if not phrases or limit < 1:
            return []
        rows = self._db.execute(
            "SELECT rowid, -bm25(docs, ?, ?, ?, ?) FROM docs WHERE docs MATCH ?",
            (*self._weights, " OR ".join(phrases))).fetchall()
        scored = sorted(((float(score) * self._factor[row], int(row)) for row, score in rows
                         if score > 0), key=lambda item: (-item[0], item[1]))
        return [(row, score) for score, row in scored[:limit]]

    def close(self) -> None:
        """Release the in-memory database."""
        self._db.close()
