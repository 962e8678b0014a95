"""Long messages: find the question in them, and weigh its words above the story around it.

People write a few sentences about the person first, then ask ("My dad is 65 ... Can they still
operate?"). The sentences that ask (a question mark, or a question word first) count double; when
no sentence asks, the last ones do; a question with no topic word of its own ("What is that?")
asks about the sentence before it. Only the first :data:`MAX_STEMS` distinct topic words are
read, the asking sentences' first, so a very long message costs no more than a short one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.search.lexicon import Lexicon, Token, words

_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+|\s+\.\.\.\s+")
MAX_STEMS = 64  # the ranking reads at most this many distinct topic words
ASKING, STORY = 2, 1  # weight of the words of a sentence that asks, and of any other
LAST = 2  # when no sentence asks, the last ones are taken to be the question


@dataclass(frozen=True)
class Query:
    """A message as the ranking reads it: weighted topic stems, and every token (red flags)."""

    stems: tuple[tuple[str, int], ...]  # (stem, weight), asking sentences first
    tokens: tuple[Token, ...]  # the whole message, stop words included, in order


def sentences(text: str) -> list[str]:
    """The sentences of ``text`` (split after . ! ?, at line breaks and at " ... ")."""
    return [s for s in (part.strip() for part in _SENTENCE.split(text)) if s]


def asks(sentence: str, question_words: frozenset[str]) -> bool:
    """Whether a sentence asks something: it ends with "?" or starts with a question word."""
    first = words(sentence)[:1]
    return sentence.rstrip().endswith("?") or bool(first and first[0] in question_words)


def read(lexicon: Lexicon, text: str, question_words: frozenset[str],
         asking_weight: int = ASKING) -> Query:
    """Tokenise ``text`` once and weigh its topic words by the sentence they are in."""
    parts = sentences(text)
    read_parts = [lexicon.tokens(part) for part in parts]
    asking = [asks(s, question_words) for s in parts]
    if len(parts) > 1 and not any(asking):
        asking = [n >= len(parts) - LAST for n in range(len(parts))]
    for n in range(1, len(parts)):  # "I heard the word metastasis. What is that?"
        if asking[n] and all(token.stop for token in read_parts[n]):
            asking[n - 1] = True
    tokens: list[Token] = []
    weighted: dict[str, int] = {}
    for ask_first in (True, False):
        for part_tokens, is_asking in zip(read_parts, asking, strict=True):
            if is_asking != ask_first:
                continue
            weight = asking_weight if is_asking and len(parts) > 1 else STORY
            for token in part_tokens:
                tokens.append(token)
                if not token.stop and (token.stem in weighted or len(weighted) < MAX_STEMS):
                    weighted[token.stem] = max(weighted.get(token.stem, 0), weight)
    return Query(tuple(weighted.items()), tuple(tokens))
