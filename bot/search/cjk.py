"""Chinese words for search: text without spaces segmented by jieba (the ``rjieba`` binding).

Chinese is written without spaces, so "什么是腹水" has to be cut into words (什么 / 是 / 腹水)
before it can be ranked. Overlapping character pairs (``search: bigrams``) also make pairs across
word boundaries (么是, 是腹) that stand for nothing; a segmenter with a dictionary does not.
jieba's search mode also gives the shorter words inside a long one (继发性 → 继发, 继发性), so
"继发性肝癌" in a page and "继发" in a question still meet. Runs of Han characters are segmented;
Latin letters and digits mixed in ("ct检查") stay words of their own.

Used by :class:`bot.search.lexicon.Lexicon` when a language's ``search`` is ``segment``
(locale/languages.yaml). Nothing typed is kept: the segmenter holds only its dictionary.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

HAN = re.compile(r"[\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF]+")
MODE = "segment"


class Segmenter:
    """jieba's dictionary, loaded once per index (about 0.1 s), applied to split words."""

    def __init__(self) -> None:
        import rjieba  # here, not at the top: its import alone is ~30 MB, needless without Chinese

        self._jieba = rjieba.Jieba()

    def words(self, split: Iterable[str]) -> list[str]:
        """Words as split on spaces and punctuation, with each Han run segmented."""
        out: list[str] = []
        for word in split:
            if HAN.search(word) is None:
                out.append(word)
                continue
            at = 0
            for run in HAN.finditer(word):  # Latin or digits mixed into Chinese: "ct检查"
                if run.start() > at:
                    out.append(word[at:run.start()])
                out.extend(p for p in self._jieba.cut_for_search(run.group()) if p.strip())
                at = run.end()
            if at < len(word):
                out.append(word[at:])
        return out
