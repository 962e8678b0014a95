"""Small talk and feelings on lists written apart from the bot's examples (issue 17).

``tests/data/conversation_train.yaml``: 207 messages in en, ru and zh (greeting, thanks,
goodbye, human, talk_to_someone, help, feelings, topic), written by a helper who never saw the
examples, and run once on main 6d178f1: feelings 46/60 = 77 %, small talk (the right kind)
66/111 = 59.5 % (22/37 in each language), topic questions given small talk 0/36. It is now
**seen**: small talk with a little context, ``small_talk_parts`` and feelings phrases were written
by class from its misses, so the figures held here are tuned on it and are not held-out figures
(README, "Conversation and safety"). Held at what was reached: 100 % feelings, 100 % small talk,
no topic question given small talk.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.context import Services
from bot.search.conversation.route import route
from bot.search.conversation.rules import SMALL_TALK

TRAIN = Path(__file__).resolve().parent / "data" / "conversation_train.yaml"
LANGUAGES = {"en": "en", "ru": "ru", "zh": "zh-Hans"}


def messages() -> list[dict[str, Any]]:
    """Every labelled message of the training list."""
    return list(yaml.safe_load(TRAIN.read_text(encoding="utf-8"))["messages"])


def test_the_list_is_as_written() -> None:
    kinds = Counter(m["kind"] for m in messages())
    assert sum(kinds.values()) == 207
    assert kinds["feelings"] == 60
    assert kinds["topic"] == 36
    assert sum(kinds[k] for k in SMALL_TALK) == 111
    assert {m["lang"] for m in messages()} == set(LANGUAGES)


@pytest.mark.parametrize("want", ["feelings", *SMALL_TALK])
def test_every_message_gets_its_own_kind(services: Services, want: str) -> None:
    assert services.conversation is not None
    misses = [m["text"] for m in messages() if m["kind"] == want
              and route(m["text"], LANGUAGES[m["lang"]], services.conversation,
                        services.search).kind != want]
    assert misses == []


def test_no_topic_question_gets_small_talk(services: Services) -> None:
    assert services.conversation is not None
    small = [m["text"] for m in messages() if m["kind"] == "topic"
             and route(m["text"], LANGUAGES[m["lang"]], services.conversation,
                       services.search).kind in SMALL_TALK]
    assert small == []


PROBES = Path(__file__).resolve().parent / "data" / "conversation_probes.yaml"
# The seven probes still missed: a greeting with a topic word ("diagnosed") or a long context
# goes to the search; "can't stop shaking" is an urgent symptom first; "that's everything,
# goodbye", "谢谢,我转告我妈" and "不打扰了,再见" mention risk and keep the crisis contacts;
# "someone from the cancer team" has a topic word.
PROBES_MISSED = 7


def test_the_probes_stay_where_they_were_brought(services: Services) -> None:
    assert services.conversation is not None
    items = list(yaml.safe_load(PROBES.read_text(encoding="utf-8"))["messages"])
    missed = []
    for item in items:
        got = route(item["text"], item["lang"], services.conversation, services.search).kind
        right = got not in SMALL_TALK if item["kind"] == "topic" else got == item["kind"]
        if not right:
            missed.append(f"{item['kind']} -> {got}: {item['text']}")
    assert len(items) == 268
    assert len(missed) <= PROBES_MISSED, missed
