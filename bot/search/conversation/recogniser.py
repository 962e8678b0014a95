"""What kind of message is this: crisis, feelings or small talk, in a given language.

Built once from every ``content/<lang>/conversation.yaml`` found next to the content folder. The
message is cut into units, compared and dropped; nothing of it is kept or logged.

Crisis is looked for in *every* loaded language, not only the user's: a person who writes
"хочу умереть" to the English bot still gets the crisis contacts, in Russian.
"""

from __future__ import annotations

from pathlib import Path

from bot.content.loader import ContentError
from bot.search.conversation.match import Phrases, cover, same, squeeze, without
from bot.search.conversation.rules import CrisisReply, Rules, load_rules

FILE = "conversation.yaml"
MAX_SMALL_TALK = 24  # units; small talk is short (the longest example has 14)
MAX_ACKNOWLEDGEMENT = 6  # units: "ok", "haha ok lol", "好的好的"
FEELINGS_TYPO_FROM = 8  # "terrified", "devastated": long words only; "reading" is not "dreading"
# The risk words are short and one letter from everyday ones ("dead" / "dear", "deal", "read";
# "dying" / "doing"; "gone" / "done"): a typo is forgiven from six letters ("overdoes", "hopless").
# Chosen on the dev half of tests/data/real_questions.yaml (README, "Conversation and safety").
RISK_TYPO_FROM = 6
# risk_together's parts are everyday words ("saving" / "having"): a typo only from eight letters.
TOGETHER_TYPO_FROM = 8


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
