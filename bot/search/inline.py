"""``InlineMatcher(content).match(query, limit)``: the sections and terms an inline query means.

A small, honest matcher, deliberately kept behind this one function so that inline mode can later
be pointed at the bot's shared free-text search index without touching the handlers.

How it scores: the query and every field (section titles, button labels, commands, keywords,
summaries; glossary terms, keys and aliases) are split into words (rapidfuzz's
``default_process``; a few English filler words are dropped). A query word matches a field word
exactly, as a prefix while the user is still typing (3+ letters), or with a small typo (rapidfuzz
``ratio`` >= 80 for words of 4+ letters). A short field (a name, keyword or alias) matches when it
holds most of the query's words, or when the query holds all of the field's words (``mum has
yellow eyes`` finds the alias ``yellow eyes``); a summary matches only on the query's words.
Names count more than keywords, keywords more than summaries.
"""

from __future__ import annotations

from collections.abc import Iterable

from rapidfuzz import fuzz, process
from rapidfuzz.utils import default_process

from bot.content.loader import Content
from bot.content.refs import InlineMatch

MAX_QUERY = 256  # telegram.constants.InlineQueryLimit.MAX_QUERY_LENGTH
MAX_WORDS = 24  # a 256-character query rarely has more meaningful words than this
THRESHOLD = 80.0
NAME, KEYWORD, SUMMARY = 1.0, 0.9, 0.85  # weight of a match on each kind of field
PREFIX = 90.0  # "colo" while typing "colorectal"
TYPO = 80.0  # lowest rapidfuzz ratio that still counts as the same word
FILLER = frozenset({  # English words that carry no topic of their own
    "a", "an", "and", "are", "as", "at", "be", "can", "do", "does", "for", "from", "has", "have",
    "how", "i", "if", "in", "is", "it", "me", "my", "of", "on", "or", "our", "s", "she", "he",
    "so", "the", "their", "them", "they", "this", "to", "was", "what", "when", "where", "which",
    "who", "why", "will", "with", "you", "your",
})


def words(text: str) -> list[str]:
    """The meaningful words of ``text``: lower case, letters and digits, no filler words."""
    return [w for w in default_process(text).split() if w not in FILLER]


class InlineMatcher:
    """The words of every section and term, split once; each query is matched against them.

    Splitting every field of the content per query cost ~8 ms of event-loop CPU each time.
    """

    def __init__(self, content: Content) -> None:
        self._candidates = [(match, [(words(text), weight, prose)
                                     for text, weight, prose in fields])
                            for match, fields in _candidates(content)]
        self._vocabulary = sorted({w for _, fields in self._candidates
                                   for field, _, _ in fields for w in field})

    def match(self, query: str, limit: int) -> list[InlineMatch]:
        """The best matches for ``query``, best first; empty when nothing matches well enough.

        Never raises on odd input (emoji, other scripts, 256 characters); a query with no
        letters or digits in it, or only filler words, matches nothing.
        """
        needles = list(dict.fromkeys(words(query[:MAX_QUERY])))[:MAX_WORDS]
        if not needles or limit <= 0:
            return []
        similar = [_similarity(needle, self._vocabulary) for needle in needles]
        scored: list[tuple[float, int, InlineMatch]] = []
        for position, (match, fields) in enumerate(self._candidates):
            best = max(weight * _field_score(similar, field, prose)
                       for field, weight, prose in fields)
            if best >= THRESHOLD:
                scored.append((best, position, match))
        scored.sort(key=lambda item: (-item[0], item[1]))
        return [match for _, _, match in scored[:limit]]


def match_inline(content: Content, query: str, limit: int) -> list[InlineMatch]:
    """:meth:`InlineMatcher.match` with a matcher built for this call (tests, one-off use)."""
    return InlineMatcher(content).match(query, limit)


def _candidates(content: Content) -> Iterable[tuple[InlineMatch, list[tuple[str, float, bool]]]]:
    """Every section in menu order, then every glossary term, with (text, weight, is_prose)."""
    for section in content.walk():
        yield InlineMatch("section", section.id), [
            (section.title, NAME, False), (section.label, NAME, False),
            (section.command.replace("_", " "), KEYWORD, False),
            *((k, KEYWORD, False) for k in section.keywords),
            (section.summary, SUMMARY, True)]
    for term in content.terms.values():
        yield InlineMatch("term", term.key), [
            (term.term, NAME, False), (term.key.replace("_", " "), KEYWORD, False),
            *((a, KEYWORD, False) for a in term.aliases)]


def _similarity(needle: str, vocabulary: list[str]) -> dict[str, float]:
    """How well ``needle`` matches each word of the content (only the words that match)."""
    found = {word: 100.0 for word in vocabulary if word == needle}
    if len(needle) >= 3:
        found |= {w: PREFIX for w in vocabulary if w != needle and w.startswith(needle)}
    if len(needle) >= 4:
        for word, score, _ in process.extract(needle, vocabulary, scorer=fuzz.ratio,
                                              score_cutoff=TYPO, limit=None):
            if len(word) >= 4:
                found[word] = max(found.get(word, 0.0), score)
    return found


def _field_score(similar: list[dict[str, float]], field: list[str], prose: bool) -> float:
    """0-100: how well the query's words (each with its matching content words) fit a field."""
    if not field:
        return 0.0
    per_needle = [max((s.get(w, 0.0) for w in field), default=0.0) for s in similar]
    query_cover = sum(per_needle) / len(per_needle)
    if prose:
        return query_cover
    field_cover = 100.0 * sum(any(w in s for s in similar) for w in field) / len(field)
    in_field = 0.85 * query_cover + 0.15 * field_cover
    in_query = 0.75 * field_cover + 0.25 * query_cover
    return max(in_field, in_query)
