"""Conversation and safety, measured on tests/data/conversation_eval.yaml (issue 17).

342 messages in English, Russian and Simplified Chinese, split into halves by a hash before any
tuning (``half``); the examples in content/*/conversation.yaml were tuned on the dev half only.
The thresholds below are checked on the **test** half:

- crisis recall 100 %, and the reply to each starts with the crisis contacts;
- feelings and small talk recognised (as their own kind) at least 90 %;
- real topic questions given a small-talk reply at most 2 %;
- every reply at most 4096 characters.

``python -m tests.test_conversation_eval`` prints the figures for both halves (README).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.app import build_services
from bot.config import Settings
from bot.content.markdown import visible_length, visible_text
from bot.content.render import MAX_MESSAGE
from bot.context import Services
from bot.search.conversation.route import route
from bot.search.conversation.rules import SMALL_TALK

EVAL = Path(__file__).resolve().parent / "data" / "conversation_eval.yaml"
TOKEN = "123456:TEST-token-not-real_abcdefghijklmnop"


def messages() -> list[dict[str, Any]]:
    """Every labelled message of the evaluation file."""
    data = yaml.safe_load(EVAL.read_text(encoding="utf-8"))
    return list(data["messages"])


def kind_of(services: Services, text: str, language: str) -> tuple[str, str]:
    """The route's kind for ``text`` written in ``language``, and the reply's language."""
    assert services.conversation is not None
    decided = route(text, language, services.conversation, services.search)
    return decided.kind, decided.language


@dataclasses.dataclass
class Figures:
    """Counts for one half: hits / totals by measure."""

    hits: Counter[str] = dataclasses.field(default_factory=Counter)
    totals: Counter[str] = dataclasses.field(default_factory=Counter)
    misses: list[str] = dataclasses.field(default_factory=list)

    def add(self, measure: str, hit: bool, label: str) -> None:
        self.totals[measure] += 1
        self.hits[measure] += hit
        if not hit:
            self.misses.append(f"{measure}: {label}")

    def share(self, measure: str) -> float:
        return self.hits[measure] / self.totals[measure]


def measure(services: Services, half: str) -> Figures:
    """Every measure of the module docstring, on one half."""
    figures = Figures()
    for item in (m for m in messages() if m["half"] == half):
        text, language, want = item["text"], item["lang"], item["kind"]
        got, _ = kind_of(services, text, language)
        label = f"{language} {want} -> {got}: {text}"
        if want == "crisis":
            figures.add("crisis recall", got == "crisis", label)
        elif want == "feelings":
            figures.add("feelings", got == "feelings", label)
        elif want in SMALL_TALK:
            figures.add("small talk", got == want, label)
        if want == "topic" or item.get("also") == "topic":
            figures.add("topic not small talk", got not in SMALL_TALK, label)
        if want in ("near_miss", "topic") and not item.get("crisis_ok"):
            figures.add("no false crisis", got != "crisis", label)
        if want == "near_miss":
            figures.add("near miss not crisis (crisis_ok allowed)", got != "crisis", label)
    return figures


@pytest.fixture(scope="module")
def test_half(services: Services) -> Figures:
    return measure(services, "test")


def test_the_halves_are_as_assigned_by_the_hash() -> None:
    items = messages()
    for item in items:
        digest = int(hashlib.sha256((item["lang"] + item["text"]).encode()).hexdigest(), 16)
        assert item["half"] == ("dev" if digest % 2 == 0 else "test"), item["text"]
    per_language = Counter(m["lang"] for m in items)
    assert min(per_language.values()) >= 60
    assert set(per_language) == {"en", "ru", "zh-Hans"}


def test_every_crisis_message_gets_the_crisis_contacts_first(services: Services,
                                                              test_half: Figures) -> None:
    assert test_half.totals["crisis recall"] >= 40
    assert test_half.share("crisis recall") == 1.0, test_half.misses
    views = services.conversation_views
    assert views is not None
    for item in messages():
        if item["kind"] == "crisis" and item["half"] == "test":
            _, language = kind_of(services, item["text"], item["lang"])
            assert language == item["lang"]  # in the language the person wrote in
            contacts = visible_text(views.crisis(language).html).split("\n\n")[1]
            assert "findahelpline.com" in contacts


def test_feelings_and_small_talk_are_recognised(test_half: Figures) -> None:
    assert test_half.share("feelings") >= 0.9, test_half.misses
    assert test_half.share("small talk") >= 0.9, test_half.misses


def test_topic_questions_rarely_get_small_talk(test_half: Figures) -> None:
    assert test_half.totals["topic not small talk"] >= 20
    assert 1 - test_half.share("topic not small talk") <= 0.02, test_half.misses


def test_every_reply_to_the_evaluation_fits_one_message(services: Services) -> None:
    views = services.conversation_views
    assert views is not None
    for item in messages():
        got, language = kind_of(services, item["text"], item["lang"])
        if got == "crisis":
            view = views.crisis(language)
        elif got == "feelings":
            view = views.feelings(services.search.answer(item["text"], 3))
        elif got in SMALL_TALK:
            view = views.small_talk(got)
        else:
            view = services.search_views.answer(services.search.answer(item["text"], 3))
        assert visible_length(view.html) <= MAX_MESSAGE, item["text"]


def report() -> str:
    """Both halves' figures, as the README gives them."""
    services = build_services(Settings(token=TOKEN))
    lines = []
    for half in ("dev", "test"):
        figures = measure(services, half)
        lines.append(f"{half} half:")
        for name in figures.totals:
            lines.append(f"  {name}: {figures.hits[name]}/{figures.totals[name]} "
                         f"({100 * figures.share(name):.1f} %)")
        lines += [f"    miss: {m}" for m in figures.misses]
    return "\n".join(lines)


if __name__ == "__main__":
    print(report())
