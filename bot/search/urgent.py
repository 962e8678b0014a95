"""Red flags: does a message describe a symptom that needs the urgent advice (content-notes §3)?

The rules are data (``urgent:`` in ``content/<lang>/search.yaml``): a rule is a list of groups, a
group a list of words or phrases. A message matches a rule when every group has a word or phrase
in the message. Words are compared as stems after spelling fixes; a rule stem of five letters or
more also matches longer forms ("yellow" matches "yellowish").
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.content.loader import ContentError
from bot.search.lexicon import Lexicon

PREFIX = 5  # rule stems at least this long match longer words that start with them

Phrase = tuple[str, ...]
Rule = tuple[tuple[Phrase, ...], ...]


class UrgentRules:
    """The red-flag rules as stems, checked in one pass over a message."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self._rules = tuple(rules)
        stems = {s for rule in rules for group in rule for phrase in group for s in phrase}
        self._exact = frozenset(stems)
        self._prefixes = frozenset(s for s in stems if len(s) >= PREFIX)

    @classmethod
    def build(cls, lexicon: Lexicon,
              rules: Sequence[Sequence[Sequence[str]]]) -> UrgentRules:
        """Stem every phrase of ``rules`` the way messages are stemmed."""
        compiled = []
        for rule in rules:
            groups = tuple(tuple(p for p in (tuple(t.stem for t in lexicon.tokens(text))
                                             for text in group) if p)
                           for group in rule)
            if not all(groups):
                raise ContentError(f"search.yaml: urgent rule {rule!r} has a group with no words")
            compiled.append(groups)
        return cls(compiled)

    def match(self, stems: Sequence[str]) -> bool:
        """Whether the stems of a message (stop words included, in order) match any rule."""
        found: dict[str, set[int]] = {}
        for position, stem in enumerate(stems):
            for rule_stem in self._stands_for(stem):
                found.setdefault(rule_stem, set()).add(position)
        if not found:
            return False
        return any(all(any(_occurs(phrase, found) for phrase in group) for group in rule)
                   for rule in self._rules)

    def _stands_for(self, stem: str) -> list[str]:
        """The rule stems that ``stem`` matches: itself, or a rule stem it starts with."""
        hits = [stem] if stem in self._exact else []
        hits += [stem[:k] for k in range(PREFIX, len(stem)) if stem[:k] in self._prefixes]
        return hits


def _occurs(phrase: Phrase, found: dict[str, set[int]]) -> bool:
    """Whether the words of ``phrase`` appear one after another in the message."""
    starts = found.get(phrase[0], set())
    return any(all(start + k in found.get(word, set()) for k, word in enumerate(phrase))
               for start in starts)
