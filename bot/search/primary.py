"""The primary cancer a message names: its own pages first.

"My dad's bowel cancer has spread to his liver, what other treatment is there?" is about the
bowel cancer pages, even though "treatment" and "chemotherapy" are words of every treatment page
(breast, lung, ovarian ...). When a message names a primary cancer (``primaries:`` in
``search.yaml``: the words that name each primary's section), the documents under that section
(the section, its subsections and the glossary terms pointing to them) have their scores raised,
and those under another primary's section, which the message does not name, lowered, as is the
overview above the primaries' sections (Treatment), which the named page says more precisely. A
message that names none ("can liver metastases be operated on?") is not about one primary's
page, so all of them are lowered a little, and the general pages come first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.content.loader import ROOT_ID, Content, ContentError
from bot.search.fts import clean
from bot.search.lexicon import Lexicon

Phrase = tuple[str, ...]


@dataclass(frozen=True)
class Emphasis:
    """How much a named primary's documents gain, and another primary's lose."""

    named: float = 1.4
    other: float = 0.7
    unnamed: float = 0.8  # every primary's documents, when the message names none


class Primaries:
    """For each primary cancer section: the stems that name it and the documents under it."""

    def __init__(self, names: Sequence[tuple[Phrase, ...]], rows: Sequence[frozenset[int]],
                 above: frozenset[int], emphasis: Emphasis) -> None:
        self._names = tuple(names)
        self._rows = tuple(rows)
        self._above = above  # the rows of the sections the primaries' sections are under
        self.emphasis = emphasis

    @classmethod
    def build(cls, content: Content, lexicon: Lexicon,
              primaries: Sequence[tuple[str, Sequence[str]]],
              sections_of_rows: Sequence[str], emphasis: Emphasis | None = None) -> Primaries:
        """``sections_of_rows``: the section each ranked row belongs to (a term: its section)."""
        names: list[tuple[Phrase, ...]] = []
        rows: list[frozenset[int]] = []
        above: set[str] = set()
        for section_id, words in primaries:
            if section_id not in content.sections:
                raise ContentError(f"search.yaml: primaries: no section '{section_id}'")
            above.add(content.sections[section_id].parent)
            names.append(tuple(p for w in words if (p := tuple(
                c for t in lexicon.tokens(w) if (c := clean(t.stem))))))
            rows.append(frozenset(row for row, owner in enumerate(sections_of_rows)
                                  if _under(content, owner, section_id)))
        above_rows = frozenset(row for row, owner in enumerate(sections_of_rows)
                               if owner in above and owner != ROOT_ID)
        return cls(names, rows, above_rows, emphasis or Emphasis())

    def reweigh(self, tokens: Sequence[str],
                ranked: list[tuple[int, float]]) -> list[tuple[int, float]]:
        """``ranked`` with the named primaries' documents raised, the others' lowered;
        ``tokens``: the message's stems in order, stop words included."""
        words = [clean(stem) for stem in tokens]
        named = [n for n, phrases in enumerate(self._names)
                 if any(_occurs(phrase, words) for phrase in phrases)]
        if not named:
            if self.emphasis.unnamed == 1.0:
                return ranked
            every = frozenset().union(*self._rows)
            return sorted(((row, score * (self.emphasis.unnamed if row in every else 1.0))
                           for row, score in ranked), key=lambda item: (-item[1], item[0]))
        raised = frozenset().union(*(self._rows[n] for n in named))
        lowered = frozenset().union(*(self._rows[n] for n in range(len(self._rows))
                                      if n not in named), self._above) - raised
        out = [(row, score * (self.emphasis.named if row in raised else
                              self.emphasis.other if row in lowered else 1.0))
               for row, score in ranked]
        return sorted(out, key=lambda item: (-item[1], item[0]))


def _occurs(phrase: Phrase, words: Sequence[str]) -> bool:
    size = len(phrase)
    return any(words[at] == phrase[0] and tuple(words[at:at + size]) == phrase
               for at in range(len(words) - size + 1))


def _under(content: Content, section_id: str, ancestor: str) -> bool:
    node = content.sections.get(section_id)
    while node is not None:
        if node.id == ancestor:
            return True
        node = content.sections.get(node.parent)
    return False
