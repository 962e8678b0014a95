"""Word rules over a message: red flags (urgent advice) and questions the guide cannot answer.

The rules are data (``urgent:`` and ``cannot_answer:`` in ``content/<lang>/search.yaml``): a rule
is a list of groups, a group a list of words or phrases. A message matches a rule when every group
has a word or phrase in the message. Words are compared as stems after spelling fixes; a rule stem
of five letters or more also matches longer forms ("yellow" matches "yellowish"), and the rule
word "0" matches any number.

Two things keep a phrase from counting, to lower false alarms without losing a real one: a
negation just before it, with only stop words between ("no fever so far", "hasn't had any
fever"; a word such as "but" ends its reach), and an ``exceptions`` phrase around it
("emergency surgery last year").
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.content.loader import ContentError
from bot.search.lexicon import Lexicon, Token

PREFIX = 5  # rule stems at least this long match longer words that start with them
ANY_NUMBER = "0"  # a rule word that stands for any number ("cea" then "0": "my CEA is 6")
NEGATION_REACH = 3  # a negation counts this many words ahead, over stop words only

Phrase = tuple[str, ...]
Rule = tuple[tuple[Phrase, ...], ...]


def _phrases(lexicon: Lexicon, texts: Sequence[str]) -> tuple[Phrase, ...]:
    return tuple(p for p in (tuple(t.stem for t in lexicon.tokens(text)) for text in texts) if p)


class UrgentRules:
    """Rules as stems, checked in one pass over a message's tokens."""

    def __init__(self, rules: Sequence[Rule], negations: frozenset[str] = frozenset(),
                 exceptions: Sequence[Phrase] = (), ends: frozenset[str] = frozenset()) -> None:
        self._rules = tuple(rules)
        stems = {s for rule in rules for group in rule for phrase in group for s in phrase}
        self._exact = frozenset(stems)
        self._prefixes = frozenset(s for s in stems if len(s) >= PREFIX)
        self._negations = negations
        self._exceptions = tuple(exceptions)
        self._ends = ends

    @classmethod
    def build(cls, lexicon: Lexicon, rules: Sequence[Sequence[Sequence[str]]],
              negations: Sequence[str] = (), exceptions: Sequence[str] = (),
              ends: Sequence[str] = ()) -> UrgentRules:
        """Stem every phrase of ``rules`` the way messages are stemmed."""
        compiled = []
        for rule in rules:
            groups = tuple(_phrases(lexicon, group) for group in rule)
            if not all(groups):
                raise ContentError(f"search.yaml: rule {rule!r} has a group with no words")
            compiled.append(groups)
        negated = frozenset(t.stem for text in negations for t in lexicon.tokens(text))
        stops = frozenset(t.stem for text in ends for t in lexicon.tokens(text))
        return cls(compiled, negated, _phrases(lexicon, exceptions), stops)

    def match(self, tokens: Sequence[Token]) -> bool:
        """Whether a message's tokens (stop words included, in order) match any rule."""
        stems = [t.stem for t in tokens]
        masked = self._masked(stems)
        found: dict[str, set[int]] = {}
        for position, stem in enumerate(stems):
            if position in masked:
                continue
            for rule_stem in self._stands_for(stem):
                found.setdefault(rule_stem, set()).add(position)
        if not found:
            return False
        return any(all(any(phrase[0] in found and self._occurs(phrase, found, tokens)
                           for phrase in group)
                       for group in rule)
                   for rule in self._rules)

    def _masked(self, stems: list[str]) -> set[int]:
        """Positions inside an exception phrase: they count for no rule."""
        masked: set[int] = set()
        if not self._exceptions:
            return masked
        at: dict[str, list[int]] = {}
        for position, stem in enumerate(stems):
            at.setdefault(stem, []).append(position)
        for phrase in self._exceptions:
            for start in at.get(phrase[0], ()):
                if tuple(stems[start:start + len(phrase)]) == phrase:
                    masked.update(range(start, start + len(phrase)))
        return masked

    def _stands_for(self, stem: str) -> list[str]:
        """The rule stems that ``stem`` matches: itself, or a rule stem it starts with."""
        hits = [stem] if stem in self._exact else []
        if stem.isdigit() and ANY_NUMBER in self._exact:
            hits.append(ANY_NUMBER)
        hits += [stem[:k] for k in range(PREFIX, len(stem)) if stem[:k] in self._prefixes]
        return hits

    def _occurs(self, phrase: Phrase, found: dict[str, set[int]],
                tokens: Sequence[Token]) -> bool:
        """Whether the words of ``phrase`` appear one after another, not negated."""
        starts = found.get(phrase[0], set())
        return any(all(start + k in found.get(word, set()) for k, word in enumerate(phrase))
                   and not self._negated(start, tokens)
                   for start in starts)

    def _negated(self, start: int, tokens: Sequence[Token]) -> bool:
        """A negation word shortly before ``start``, with only stop words between."""
        for back in range(1, NEGATION_REACH + 1):
            at = start - back
            if at < 0:
                return False
            if tokens[at].stem in self._negations:
                return True
            if not tokens[at].stop or tokens[at].stem in self._ends:
                return False
        return False
