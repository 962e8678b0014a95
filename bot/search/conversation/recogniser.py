"""What kind of message is this: crisis, feelings or small talk, in a given language.

Built once from every ``content/<lang>/conversation.yaml`` found next to the content folder. The
message is cut into units, compared and dropped; nothing of it is kept or logged.

Crisis is looked for in *every* loaded language, not only the user's: a person who writes
"хочу умереть" to the English bot still gets the crisis contacts, in Russian.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bot.content.loader import ContentError
from bot.search.conversation.match import (
    Phrases,
    Units,
    at_an_end,
    cover,
    normalise,
    same,
    squeeze,
    without,
)
from bot.search.conversation.rules import CrisisReply, Rules, load_rules

FILE = "conversation.yaml"
MAX_SMALL_TALK = 24  # units; small talk is short (the longest example has 14)
MAX_CONTEXT_WORDS = 8  # context beside small talk: "I'll ask the nurse about that on Monday"
MAX_CONTEXT_CHARACTERS = 12  # ... in Chinese: "我下次复查问问医生"
MAX_ACKNOWLEDGEMENT = 6  # units: "ok", "haha ok lol", "好的好的"
TOPIC_TYPO_FROM = 5  # "good" is not "food", "live" not "liver"; "tumuor" is "tumour"
NO_TYPO = 99  # the question starts are short everyday words: "find" is not "kind"
FEELINGS_TYPO_FROM = 8  # "terrified", "devastated": long words only; "reading" is not "dreading"
# The risk words are short and one letter from everyday ones ("dead" / "dear", "deal", "read";
# "dying" / "doing"; "gone" / "done"): a typo is forgiven from six letters ("overdoes", "hopless").
# Chosen on the dev half of tests/data/real_questions.yaml (README, "Conversation and safety").
RISK_TYPO_FROM = 6
# risk_together's parts are everyday words ("saving" / "having"): a typo only from eight letters.
TOGETHER_TYPO_FROM = 8
# "are you a bot, or what?", "what can I ask you?": questions about the bot itself, no topic.
QUESTIONS_ALLOWED = ("human", "help")


class Conversation:
    """The conversation rules of each loaded language."""

    def __init__(self, rules: dict[str, Rules], default: str) -> None:
        if default not in rules:
            raise ContentError(f"no conversation rules for the default language {default!r}")
        self._rules = dict(rules)
        self.default = default
        self._crisis = {lang: Phrases(r.crisis, r.gap) for lang, r in rules.items()}
        self._risk = {lang: Phrases(r.risk, r.gap, RISK_TYPO_FROM) for lang, r in rules.items()}
        self._together = {
            lang: tuple(tuple(Phrases(part, r.gap, TOGETHER_TYPO_FROM) for part in rule)
                        for rule in r.risk_together) for lang, r in rules.items()}
        self._feelings = {lang: Phrases(r.feelings, r.gap, FEELINGS_TYPO_FROM)
                          for lang, r in rules.items()}
        self._questions = {lang: Phrases(r.questions, 0, FEELINGS_TYPO_FROM)
                           for lang, r in rules.items()}
        self._topics = {lang: Phrases(r.topic_words, r.gap, TOPIC_TYPO_FROM)
                        for lang, r in rules.items()}
        self._asking = {lang: Phrases(r.asking, 0, FEELINGS_TYPO_FROM)
                        for lang, r in rules.items()}
        self._parts = {lang: tuple((kind, tuple(Phrases(p, r.gap, RISK_TYPO_FROM) for p in parts))
                                   for kind, parts in r.small_talk_parts)
                       for lang, r in rules.items()}

    @classmethod
    def load(cls, content_dir: Path) -> Conversation:
        """``content_dir``'s own file (its language is the default) and its sibling folders'."""
        own = load_rules(content_dir / FILE)
        rules = {own.language: own}
        for path in sorted(content_dir.parent.glob(f"*/{FILE}")):
            if path.parent != content_dir:
                other = load_rules(path)
                rules.setdefault(other.language, other)
        return cls(rules, own.language)

    @property
    def languages(self) -> tuple[str, ...]:
        """The loaded languages, the default first."""
        return (self.default, *sorted(set(self._rules) - {self.default}))

    def rules(self, language: str) -> Rules:
        """One language's rules; an unknown language falls back to the default."""
        return self._rules.get(language) or self._rules[self.default]

    def crisis_reply(self, language: str) -> CrisisReply:
        """The crisis reply in ``language`` (or the default language)."""
        return self.rules(language).crisis_reply

    def crisis_language(self, text: str, prefer: str) -> str | None:
        """The language whose crisis phrases ``text`` contains (``prefer`` first), or None."""
        for language in dict.fromkeys((prefer, *self.languages)):
            if language in self._rules and self.is_crisis(text, language):
                return language
        return None

    def is_crisis(self, text: str, language: str) -> bool:
        """Whether ``text`` contains one of ``language``'s crisis phrases."""
        rules = self.rules(language)
        message = without(rules.units(text), rules.crisis_except)
        return self._crisis[rules.language].found_in(message)

    def mentions_risk(self, text: str, language: str) -> bool:
        """Whether ``text`` mentions death, goodbyes or medicines (``language``'s risk list).

        Far broader than :meth:`is_crisis`, and meant to be: a person in crisis often says it in
        other words. A false alarm costs one extra message; a miss may cost a life. Also true
        when every part of one ``risk_together`` rule is in the message.
        """
        rules = self.rules(language)
        message = without(rules.units(text), rules.crisis_except)
        return self._risk[rules.language].found_in(message) or any(
            all(part.found_in(message) for part in rule)
            for rule in self._together[rules.language])

    def is_feelings(self, text: str, language: str) -> bool:
        """Whether ``text`` contains one of ``language``'s feelings phrases."""
        rules = self.rules(language)
        return self._feelings[rules.language].found_in(rules.units(text))

    def small_talk(self, text: str, language: str) -> str | None:
        """``greeting``, ``thanks``, … when the whole message is small talk; else None."""
        rules = self.rules(language)
        message = rules.units(text)
        if not message or len(message) > MAX_SMALL_TALK:
            return None
        return cover(message, rules.small_talk, rules.fillers)

    def small_talk_in_context(self, text: str, language: str,
                              topical: Callable[[str], bool] | None = None) -> str | None:
        """Small talk with a little context that asks nothing: "hello, first time using this",
        "ok thank you, I'll ask the nurse on Monday", "can you put me through to a human".

        Either a phrase of every part of one ``small_talk_parts`` rule, or small talk at the
        start or the end of the message; and the rest has no question word, no topic word and
        nothing ``topical`` (the search's own test: a guide term, an urgent symptom) finds.
        """
        rules = self.rules(language)
        message = rules.units(text)
        if not message or len(message) > MAX_SMALL_TALK:
            return None
        for kind, parts in self._parts[rules.language]:
            if all(part.found_in(message) for part in parts):
                rest = without(message, [p for part in parts for p in part.phrases])
                if self._asks_nothing(rest, rules.language, topical, kind in QUESTIONS_ALLOWED):
                    return kind
        found = at_an_end(message, rules.small_talk, rules.fillers)
        if found is None or "?" in normalise(text) or self._asks(found[1], rules):
            return None
        return found[0] if self._asks_nothing(found[1], rules.language, topical, False) else None

    def _asks(self, rest: Units, rules: Rules) -> bool:
        """Whether the context beside small talk is long or asks a yes/no question."""
        longest = MAX_CONTEXT_CHARACTERS if rules.characters else MAX_CONTEXT_WORDS
        return len(rest) > longest or self._asking[rules.language].found_in(
            rest) or any(len(start) <= len(rest) and all(
                same(e, w, NO_TYPO) for e, w in zip(start, rest, strict=False))
                for start in rules.asking_starts)

    def _asks_nothing(self, rest: Units, language: str, topical: Callable[[str], bool] | None,
                      questions_allowed: bool) -> bool:
        """Whether ``rest`` is only context: no topic word, no question (unless allowed)."""
        if self._topics[language].found_in(rest):
            return False
        if not questions_allowed and self._questions[language].found_in(rest):
            return False
        joined = ("" if self._rules[language].characters else " ").join(rest)
        return topical is None or not joined or not topical(joined)

    def acknowledges(self, text: str, language: str) -> bool:
        """Whether ``text`` only acknowledges ("ok", "haha", "lol", "👍"): nothing to answer.

        Made of ``acknowledgements`` and fillers only, or of no words at all (emoji, "!!").
        """
        rules = self.rules(language)
        message = rules.units(text)
        if not message:
            return bool(text.strip())
        return len(message) <= MAX_ACKNOWLEDGEMENT and all(
            squeeze(u) in rules.fillers or u in rules.fillers
            or any(same(a, squeeze(u)) for a in rules.acknowledgements) for u in message)
