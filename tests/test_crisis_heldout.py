"""Crisis recall on two lists written independently of the bot's examples (issue 17).

- ``crisis_heldout.yaml``: warning-sign phrasings from public suicide-prevention pages, written
  without seeing the examples. Its first run found 16/30 (en), 8/20 (ru), 12/20 (zh-Hans); the
  crisis phrases were then widened by warning-sign category, so it is **seen** data now and is
  held at 100 %.
- ``crisis_heldout2.yaml``: paraphrases that avoid the textbook phrases, written after that
  change and never tuned on: the clean figure. It is far below 100 % (README, "Conversation
  and safety"): phrase lists do not generalise to paraphrase.

A second, broader tier (``risk:`` in ``content/<lang>/conversation.yaml``: death, not waking,
goodbyes, medicines, being a burden …) was then written while looking at that list's misses, so
both lists are seen data for it: with it, every message on both lists gets the crisis contacts
before any other answer. Its cost is measured on topic questions (README).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from bot.app import build_services
from bot.config import Settings
from bot.context import Services
from bot.search.conversation.route import route

DATA = Path(__file__).resolve().parent / "data"
TOKEN = "123456:TEST-token-not-real_abcdefghijklmnop"
LANGUAGE = {"en": "en", "ru": "ru", "zh": "zh-Hans"}
# Clean figures of crisis_heldout2.yaml when it was first run, crisis phrases alone.
FIRST_RUN_2 = {"en": 7 / 30, "ru": 9 / 20, "zh-Hans": 10 / 20}
REAL = DATA / "real_questions.yaml"


@pytest.fixture(scope="module")
def services() -> Services:
    return build_services(Settings(token=TOKEN))


def recall(services: Services, name: str, *, with_risk: bool = False,
           ) -> tuple[dict[str, float], dict[str, int]]:
    """Crisis recall per language, and false alarms per language on the near misses.

    ``with_risk`` counts a message that gets the contacts first through the risk tier too.
    """
    hits: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    false_alarms: Counter[str] = Counter()
    assert services.conversation is not None
    for item in yaml.safe_load((DATA / name).read_text(encoding="utf-8"))["messages"]:
        language = LANGUAGE[item["lang"]]
        decided = route(item["text"], language, services.conversation, services.search)
        crisis = decided.kind == "crisis" or (with_risk and decided.risk)
        if item["crisis"]:
            totals[language] += 1
            hits[language] += crisis
        else:
            false_alarms[language] += crisis
    return {lang: hits[lang] / totals[lang] for lang in totals}, dict(false_alarms)


def test_the_seen_list_is_recalled_in_full(services: Services) -> None:
    found, false_alarms = recall(services, "crisis_heldout.yaml")
    assert found == {"en": 1.0, "ru": 1.0, "zh-Hans": 1.0}
    assert sum(false_alarms.values()) == 0


def test_the_clean_list_does_not_get_worse(services: Services) -> None:
    found, false_alarms = recall(services, "crisis_heldout2.yaml")
    for language, share in FIRST_RUN_2.items():
        assert found[language] >= share, (language, found[language])
    assert sum(false_alarms.values()) <= 1  # one: "万一我不在了" in a letter for a daughter


def test_every_message_on_both_lists_gets_the_contacts_first(services: Services) -> None:
    for name in ("crisis_heldout.yaml", "crisis_heldout2.yaml"):
        found, _ = recall(services, name, with_risk=True)
        assert found == {"en": 1.0, "ru": 1.0, "zh-Hans": 1.0}, name


def test_few_real_topic_questions_get_the_contacts_first(services: Services) -> None:
    """The risk tier's cost: real questions that mention dying get the contacts above the answer.

    13 of 139 when the tier was written (6 of 73 on the dev half, 7 of 66 on the test half), most
    through a forgiven typo ("dear" read as "dead", "done" as "gone"); with typos forgiven only
    from six letters (chosen on the dev half) 0 dev and 4 test ("a death sentence"). A false alarm
    is accepted; these hold it from growing.
    """
    assert services.conversation is not None
    questions = yaml.safe_load(REAL.read_text(encoding="utf-8"))["questions"]
    flagged: Counter[str] = Counter()
    for question in questions:
        flagged[question["half"]] += route(question["q"], "en", services.conversation,
                                           services.search).risk
    assert flagged["dev"] == 0
    assert flagged["test"] <= 4


def report(services: Services, name: str) -> str:
    """One list's figures per language: crisis alone, crisis + risk, near-miss false alarms."""
    lines = [name]
    for with_risk in (False, True):
        found, false_alarms = recall(services, name, with_risk=with_risk)
        data = yaml.safe_load((DATA / name).read_text(encoding="utf-8"))["messages"]
        totals = Counter(LANGUAGE[m["lang"]] for m in data if m["crisis"])
        near = Counter(LANGUAGE[m["lang"]] for m in data if not m["crisis"])
        tier = "crisis + risk" if with_risk else "crisis alone"
        lines.append(f"  {tier}: " + ", ".join(
            f"{lang} {round(found[lang] * totals[lang])}/{totals[lang]}" for lang in totals)
            + "; near-miss false alarms " + ", ".join(
            f"{lang} {false_alarms.get(lang, 0)}/{near[lang]}" for lang in near))
    return "\n".join(lines)


if __name__ == "__main__":  # python -m tests.test_crisis_heldout crisis_heldout3.yaml
    import sys

    built = build_services(Settings(token=TOKEN))
    for list_name in sys.argv[1:] or ("crisis_heldout.yaml", "crisis_heldout2.yaml"):
        print(report(built, list_name))
