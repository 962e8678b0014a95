"""Small talk and feelings on three more lists written apart from the bot's examples (issue 17).

Each ``tests/data/conversation_fresh<N>.yaml`` has 207 messages (en, ru, zh: 8 greetings, 8
thanks, 5 goodbyes, 6 "are you a bot?", 5 "can I talk to someone?", 5 "help", 20 feelings and 12
topic questions per language), written by a helper who never saw the repository, and was run
**once** on a frozen recogniser before anything was written from it:

- list 2 on 2e64612: feelings 47/60 = 78.3 %, small talk (right kind) 102/111 = 91.9 %, topic
  questions given small talk 0/36. Then seen: feelings by class (how to cope, strong for
  everyone, feeling low, needing to tell someone, 心情很差, на пределе).
- list 3 on 9983d06: feelings 53/60 = 88.3 %, small talk 100/111 = 90.1 %, topics 0/36. Then
  seen: feelings by class (a fog of shock, disbelief, "good people", what to tell someone).
- list 4 on 0be8aba, **clean** (never tuned on): feelings 55/60 = 91.7 %, small talk 103/111 =
  92.8 % (ru 33/37), topic questions given small talk 0/36, given the crisis contacts 0/36.

Seen lists are held where they were brought; the clean one at its first run. Worse fails.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from bot.context import Services
from bot.search.conversation.route import route
from bot.search.conversation.rules import SMALL_TALK

DATA = Path(__file__).resolve().parent / "data"
LANGUAGES = {"en": "en", "ru": "ru", "zh": "zh-Hans"}
# list: (feelings recognised, small talk of the right kind), out of 60 and 111
HELD = {2: (60, 105), 3: (57, 100), 4: (55, 103)}


def figures(services: Services, number: int) -> Counter[str]:
    """Hits per measure on one list: feelings, small talk, topic questions given small talk."""
    assert services.conversation is not None
    data = yaml.safe_load((DATA / f"conversation_fresh{number}.yaml").read_text(encoding="utf-8"))
    counts: Counter[str] = Counter()
    for item in data["messages"]:
        want = item["kind"]
        got = route(item["text"], LANGUAGES[item["lang"]], services.conversation,
                    services.search).kind
        counts[f"{want} total"] += 1
        if want == "feelings":
            counts["feelings"] += got == "feelings"
        elif want in SMALL_TALK:
            counts["small talk"] += got == want
            counts["small talk total"] += 1
        elif want == "topic":
            counts["topic given small talk"] += got in SMALL_TALK
    return counts


@pytest.mark.parametrize("number", sorted(HELD))
def test_each_list_is_held_where_it_was(services: Services, number: int) -> None:
    counts = figures(services, number)
    assert (counts["feelings total"], counts["small talk total"], counts["topic total"]) == (
        60, 111, 36)
    feelings, small_talk = HELD[number]
    assert counts["feelings"] >= feelings
    assert counts["small talk"] >= small_talk
    assert counts["topic given small talk"] == 0


def test_the_clean_list_meets_the_issues_ninety_per_cent(services: Services) -> None:
    counts = figures(services, 4)
    assert counts["feelings"] / 60 >= 0.9
    assert counts["small talk"] / 111 >= 0.9
