"""Word families: stems that Snowball leaves apart although they are forms of one word.

Snowball removes inflections ("treated" -> "treat") but not most derivations: "treatment" stays
"treatment", "diagnosis" becomes "diagnosi" while "diagnosed" becomes "diagnos", "metastasis"
"metastasi" and "metastases" "metastas". A person asking "can it be treated?" then shares no
word with a section called "Treatment". The language data (``derived_endings:`` in
``search.yaml``) lists the endings that only derive another form of the same word; a known stem
that is another known stem of five letters or more plus one of those endings joins its family,
named by the shortest stem. Built once from the guide's own stems; nothing typed is kept.
"""

from __future__ import annotations

from collections.abc import Iterable

MIN_ROOT = 5  # shorter stems are too easily part of an unrelated word ("live" in "liver")


def families(stems: Iterable[str], endings: Iterable[str]) -> dict[str, str]:
    """``{stem: root}`` for every known stem that is a root plus a derived ending."""
    known = sorted(set(stems), key=lambda s: (len(s), s))
    ends = tuple(e for e in endings if e)
    roots: dict[str, str] = {}
    present = set(known)
    for stem in known:  # shortest first, so a root's own root is already known
        for ending in ends:
            base = stem[:-len(ending)]
            if stem.endswith(ending) and len(base) >= MIN_ROOT and base in present:
                roots[stem] = roots.get(base, base)
                break
    return roots
