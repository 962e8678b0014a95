"""The semantic layer that was evaluated and not adopted: wordllama fused with the lexical search.

Issue 16, item 3 asks for sentence embeddings fused with the lexical ranking if a sound package
exists. This reproduces the evaluation of ``wordllama`` 0.4.0.post1 (MIT; its 256-dimension
``l2_supercat`` weights and tokenizer ship inside the wheel) behind the README's decision. The
rule for adopting it was written down before anything was measured
(``docs/search-semantic-rule.md``). It reads the DEV half of ``tests/data/real_questions.yaml``
and the project's own sets only, never the test half. wordllama is not a dependency of the bot::

    pip install wordllama==0.4.0.post1
    python -m benchmarks.search_semantic            # every variant of the rule
    python -m benchmarks.search_semantic --memory   # peak RSS and times, model included

The model is built from the wheel's own files with ``WordLlamaInference(embedding, tokenizer)``
(``WordLlama.load()`` looks for the tokenizer in the wrong folder and would then download it);
every socket connection is refused while it runs, so nothing can be fetched.
"""

from __future__ import annotations

import argparse
import importlib.util
import resource
import socket
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.search_quality import HOLDOUT, MAIN, REAL, Question, Report, evaluate, load
from bot.search import index as ix
from bot.search.confidence import judge
from bot.search.query import read

WEIGHTS = "weights/l2_supercat_256.safetensors"
TOKENIZER = "tokenizers/l2_supercat_tokenizer_config.json"


@dataclass(frozen=True)
class Variant:
    """One way of using the embedding (docs/search-semantic-rule.md, variants 1-5)."""

    name: str
    kind: str  # lexical, alone, rrf, score, tie, rescue
    k: int = 60  # reciprocal-rank fusion's constant
    weight: float = 1.0  # the embedding's share in the fusion
    threshold: float = 0.0  # rescue: least cosine similarity


VARIANTS = [Variant("lexical (today)", "lexical"), Variant("embedding alone", "alone"),
            *(Variant(f"rrf k={k} w={w}", "rrf", k=k, weight=w)
              for k in (10, 60) for w in (0.5, 1.0)),
            *(Variant(f"score fusion a={a}", "score", weight=a) for a in (0.2, 0.5, 1.0, 2.0)),
            *(Variant(f"tie-break a={a}", "tie", weight=a) for a in (0.2, 0.5, 1.0)),
            *(Variant(f"rescue sim>={t}", "rescue", threshold=t) for t in (0.5, 0.6, 0.7))]


def refuse_network() -> None:
    """Make every socket connection fail, so that the model provably loads offline."""
    def refuse(*_: object) -> None:
        raise RuntimeError("a network connection was attempted")
    socket.socket.connect = refuse


def load_model() -> Any:
    """wordllama's inference object, from the files inside its own wheel."""
    spec = importlib.util.find_spec("wordllama")
    if spec is None or spec.origin is None:
        sys.exit("wordllama is not installed: pip install wordllama==0.4.0.post1")
    from safetensors import safe_open
    from wordllama import WordLlama
    from wordllama.inference import WordLlamaInference

    root = Path(spec.origin).parent
    tokenizer = WordLlama.load_tokenizer(root / TOKENIZER)
    with safe_open(str(root / WEIGHTS), framework="np") as weights:
        return WordLlamaInference(weights.get_tensor("embedding.weight"), tokenizer)


def document_texts(index: ix.SearchIndex) -> list[str]:
    """Each ranked row's text: a section's title, parent, summary, keywords and body."""
    content, out = index.content, []
    for kind, key in index._keys:
        if kind == "section":
            s = content.sections[key]
            parent = content.sections.get(s.parent)
            out.append("\n".join([s.title, *([parent.title] if parent else []), s.summary,
                                  " ".join(s.keywords), s.body]))
        else:
            t = content.terms[key]
            out.append("\n".join([t.term, t.definition, " ".join(t.aliases)]))
    return out


class Fused:
    """The search as the bot runs it, with one variant's use of the embedding."""

    def __init__(self, index: ix.SearchIndex, model: Any) -> None:
        self.index, self.model = index, model
        self.vectors = model.embed(document_texts(index), norm=True, batch_size=1)
        self.variant = VARIANTS[0]

    def answer(self, query: str, limit: int = 3) -> ix.Answer:
        """``SearchIndex.answer`` with the variant applied between ranking and reply."""
        i, v = self.index, self.variant
        message = read(i.lexicon, query, i._questions, i._asking)
        ranked = i.primaries.reweigh([t.stem for t in message.tokens],
                                     i._ranker.rank(message.stems, ix.CANDIDATES))
        verdict = judge(i.calibration, i._ranker, message.stems, ranked)
        shown = verdict.shown
        if v.kind != "lexical":
            sims = self.vectors @ self.model.embed(query, norm=True)[0]
            order = [int(r) for r in sims.argsort()[::-1]]
            shown = _apply(v, ranked, shown, order, sims)
        tokens = read(i.lexicon.rules, query, i._questions).tokens
        cannot = i._cannot.match(tokens)
        if cannot:
            shown = [(r, s) for r, s in shown[:1] if i._shares_a_rare_word(r, message.stems)]
        matches = [ix.Match(*i._keys[row], score) for row, score in shown]
        if cannot and not any(m.key == ix.SPECIALIST_ID for m in matches):
            matches.append(ix.Match("section", ix.SPECIALIST_ID, 0.0))
        urgent = i._urgent.match(tokens)
        if urgent:
            matches = [ix.Match("section", ix.URGENT_ID, 1.0),
                       *(m for m in matches if m.ref != ix.URGENT_ID)]
        return ix.Answer(urgent, tuple(matches[:limit]), cannot, False, verdict.confidence)


def _apply(v: Variant, ranked: list[tuple[int, float]], shown: list[tuple[int, float]],
           order: list[int], sims: Any) -> list[tuple[int, float]]:
    """The rows to show under variant ``v`` (as many as the lexical verdict shows)."""
    if v.kind == "alone":
        return [(r, float(sims[r])) for r in order[:3]]
    if v.kind == "rescue":
        if shown or sims[order[0]] < v.threshold:
            return shown
        return [(order[0], float(sims[order[0]]))]
    if not shown:
        return shown
    fused: dict[int, float] = {}
    if v.kind == "rrf":
        for rank, (row, _) in enumerate(ranked):
            fused[row] = 1 / (v.k + rank + 1)
        for rank, row in enumerate(order[:ix.CANDIDATES]):
            fused[row] = fused.get(row, 0.0) + v.weight / (v.k + rank + 1)
    else:  # score fusion over the lexical candidates; tie-break only among those shown
        pool = ranked if v.kind == "score" else shown
        top = ranked[0][1]
        fused = {row: s / top + v.weight * float(sims[row]) for row, s in pool}
    best = sorted(fused, key=lambda row: -fused[row])
    return [(row, fused[row]) for row in best[:len(shown)]]


def figures(report: Report) -> str:
    """top-1/top-3 of answerable, confident wrong, off-topic given, red flags."""
    return (f"{report.top1}/{report.top3}/{report.answerable} cw {report.confident_wrong}/"
            f"{report.unanswerable} off {report.offtopic_given} "
            f"rf {report.red_flags_first}/{report.red_flags}")


def memory(fused_factory: Callable[[], Fused], questions: Sequence[Question]) -> None:
    """Print start-up time, per-question latency (embedding and ranking) and peak RSS."""
    started = time.perf_counter()
    fused = fused_factory()
    fused.variant = next(v for v in VARIANTS if v.kind == "score")
    build = time.perf_counter() - started
    samples = []
    for question in questions:
        start = time.perf_counter_ns()
        fused.answer(question.text)
        samples.append((time.perf_counter_ns() - start) / 1e6)
    samples.sort()
    print(f"model + vectors {build:.2f} s; search with score fusion median "
          f"{statistics.median(samples):.2f} ms, p99 {samples[int(len(samples) * .99)]:.2f} ms;"
          f" peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


def offline_index() -> ix.SearchIndex:
    """The bot's English search, built with every socket connection refused."""
    from bot.app import build_services
    from bot.config import Settings

    refuse_network()
    return build_services(Settings(token="")).search


def print_variants(fused: Any, variants: Sequence[Any], sets: dict[str, list[Question]],
                   only: str = "") -> None:
    """One line per variant (whose name contains ``only``): its figures on every set."""
    print("top-1/top-3/answerable, cw: unanswerable given a confident section, off: off-topic "
          "given a section, rf: red flags first; " + " | ".join(sets))
    width = max(len(v.name) for v in variants) + 2
    for variant in variants:
        if only in variant.name:
            fused.variant = variant
            print(f"{variant.name:{width}}" + " | ".join(
                figures(evaluate(fused, qs)) for qs in sets.values()), flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Print each variant's figures on the dev half and the project's own sets."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.search_semantic")
    parser.add_argument("--memory", action="store_true", help="time and RSS only")
    args = parser.parse_args(argv)
    index = offline_index()
    dev = load(REAL, "dev")
    sets = {"dev": dev, "dev forum posts": [q for q in dev if q.kind == "forum"],
            MAIN: load(MAIN), HOLDOUT: load(HOLDOUT)}
    if args.memory:
        memory(lambda: Fused(index, load_model()), [q for qs in sets.values() for q in qs])
        return 0
    print_variants(Fused(index, load_model()), VARIANTS, sets)
    return 0


if __name__ == "__main__":
    sys.exit(main())
