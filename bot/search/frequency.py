"""How common a word is in everyday English, for the words the guide itself never uses.

The confidence rule (:mod:`bot.search.confidence`) weighs each word of a question by how rare it
is in the guide, and a word the guide never uses weighed the most of all. That rejects a phone
battery, but also "What are the main features of carcinoid syndrome?": "main" and "features"
are not the guide's words, yet they say nothing. So a word the guide never uses weighs by how
rare it is in English at large: the Zipf frequency (log10 of uses per billion words) from the
``wordfreq`` package's English list, kept per stem in ``content/<lang>/word_frequency.tsv`` so
that the bot needs neither the package nor its data at run time. To write the file again::

    pip install wordfreq==3.1.1
    python -m bot frequencies
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import snowballstemmer

FILE = "word_frequency.tsv"
LEAST = 3.0  # stems of words rarer than this (Zipf) are left out: they weigh the most anyway


def load_frequencies(folder: Path) -> Mapping[str, float]:
    """Stem -> Zipf frequency from ``folder``'s file; empty when the language has none."""
    path = folder / FILE
    if not path.exists():
        return {}
    out: dict[str, float] = {}
    values: dict[str, float] = {}  # one float object per value (a few dozen), not per stem
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line[0] != "#":
                stem, zipf = line.rstrip("\n").split("\t")
                out[stem] = values.setdefault(zipf, float(zipf))
    return out


def write(path: Path, language: str = "en", stemmer: str = "english") -> int:
    """Write the stems of ``language``'s common words with their highest Zipf frequency."""
    from importlib.metadata import version

    import wordfreq  # only needed to write the file

    stem = snowballstemmer.stemmer(stemmer)
    best: dict[str, float] = {}
    for word in wordfreq.iter_wordlist(language, "best"):
        zipf = wordfreq.zipf_frequency(word, language)
        if zipf < LEAST:
            break  # the list is ordered from the most common word down
        if word.isalpha():
            key = str(stem.stemWord(word))
            best[key] = max(best.get(key, 0.0), zipf)
    lines = [f"# Zipf frequency per stem, from wordfreq {version('wordfreq')} ({language}, "
             f"'best' list, words of Zipf >= {LEAST}); written by python -m bot "
             "frequencies",
             "# Data derived from wordfreq by Robyn Speer (https://github.com/rspeer/wordfreq), "
             "CC BY-SA 4.0; this file is under the same licence.",
             *(f"{s}\t{z:.1f}" for s, z in sorted(best.items()))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(best)
