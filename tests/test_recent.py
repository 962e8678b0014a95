"""The in-memory repeat window: expiry, bounds, topics, forgetting and migration."""

from __future__ import annotations

from bot.transport.recent import RecentAnswers


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_found_within_the_window_then_expires() -> None:
    clock = Clock()
    recent = RecentAnswers(window=600, clock=clock)
    recent.remember(-1, None, "s:lung", 10)
    clock.now = 599
    assert recent.find(-1, None, "s:lung") == 10
    assert recent.find(-1, None, "s:breast") is None
    assert recent.find(-2, None, "s:lung") is None
    assert recent.find(-1, 5, "s:lung") is None  # another forum topic
    clock.now = 600
    assert recent.find(-1, None, "s:lung") is None
    assert len(recent) == 0  # an expired chat leaves nothing behind


def test_remembering_again_restarts_the_window() -> None:
    clock = Clock()
    recent = RecentAnswers(window=600, clock=clock)
    recent.remember(-1, None, "s:lung", 10)
    clock.now = 500
    recent.remember(-1, None, "s:lung", 11)
    clock.now = 1000
    assert recent.find(-1, None, "s:lung") == 11


def test_bounded_chats_and_answers_per_chat() -> None:
    recent = RecentAnswers(max_chats=3, max_per_chat=2, clock=Clock())
    for chat_id in range(-1, -6, -1):
        recent.remember(chat_id, None, "s:lung", 1)
    assert len(recent) == 3
    assert recent.find(-1, None, "s:lung") is None  # the least recently used chats went first
    assert recent.find(-5, None, "s:lung") == 1
    for number, what in enumerate(("s:a", "s:b", "s:c")):
        recent.remember(-5, None, what, number)
    assert recent.find(-5, None, "s:a") is None
    assert recent.find(-5, None, "s:c") == 2


def test_use_keeps_a_chat_from_being_dropped() -> None:
    recent = RecentAnswers(max_chats=2, clock=Clock())
    recent.remember(-1, None, "s:lung", 1)
    recent.remember(-2, None, "s:lung", 2)
    assert recent.find(-1, None, "s:lung") == 1  # -1 is now the most recently used
    recent.remember(-3, None, "s:lung", 3)
    assert recent.find(-1, None, "s:lung") == 1
    assert recent.find(-2, None, "s:lung") is None


def test_forget_and_migrate() -> None:
    recent = RecentAnswers(clock=Clock())
    recent.remember(-1, None, "s:lung", 1)
    recent.remember(-1, None, "s:breast", 2)
    recent.forget(-1, None, "s:lung")
    assert recent.find(-1, None, "s:lung") is None
    assert recent.find(-1, None, "s:breast") == 2
    recent.migrate(-1, -100)
    recent.migrate(-1, -100)  # both service messages arrive; the second changes nothing
    assert recent.find(-1, None, "s:breast") is None
    assert recent.find(-100, None, "s:breast") == 2
    recent.forget(-100)
    assert len(recent) == 0
