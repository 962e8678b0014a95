"""What serving several languages costs: start-up, choosing the language, search per language.

Run from the project folder::

    python -m benchmarks.languages              # 20 rounds
    python -m benchmarks.languages --rounds 3

Times, against a trivial baseline measured in the same loop (``str.lower()`` and a dict lookup;
the machine is shared, so compare the ratios, not the microseconds):

- building every page at start-up with English only and with English, Russian and Chinese;
- choosing the language of one update (:func:`bot.context.negotiate` and
  :meth:`Services.in_language`) for a button, a typed Russian message and a ``language_code``;
- one search (``SearchIndex.answer``) per language, over the messages of
  ``tests/data/redflags_<lang>.yaml`` (English: ``tests/data/questions.yaml``).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import yaml
from telegram import Update

from bot.app import build_services
from bot.config import Settings
from bot.context import negotiate
from tests.fakeapi import callback_update, make_message, message_update, private_chat, user

ROOT = Path(__file__).resolve().parent.parent
ALL = ("en", "ru", "zh-Hans")


def _median_ns(work: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter_ns()
        work()
        times.append(time.perf_counter_ns() - start)
    return statistics.median(times)


def _baseline() -> Callable[[], object]:
    table = {"a": 1}
    return lambda: table.get("A".lower())


def _questions(lang: str) -> list[str]:
    name = "questions.yaml" if lang == "en" else f"redflags_{lang}.yaml"
    data = yaml.safe_load((ROOT / "tests" / "data" / name).read_text(encoding="utf-8"))
    return [q["q"] for q in data["questions"]]


def main(argv: list[str] | None = None) -> int:
    """Print the figures; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    rounds = parser.parse_args(argv).rounds
    for langs in (("en",), ALL):
        start = time.perf_counter()
        services = build_services(Settings(token="", languages=langs))
        print(f"start-up, {', '.join(langs)}: {time.perf_counter() - start:.2f} s")
    base = _median_ns(_baseline(), rounds * 100)
    print(f"baseline: {base:.0f} ns")
    bot_message = make_message(chat=private_chat(1), text="x")
    updates = {
        "button (ru)": callback_update("1|s|breast|1|ru", message=bot_message),
        "typed Russian": message_update("у папы рвота с кровью", from_user=user(1, "A", None,
                                                                                    "en")),
        "language_code zh-TW": message_update("/breast", from_user=user(1, "A", None,
                                                                         "zh-TW")),
    }
    languages = services.languages
    for name, raw in updates.items():
        update = Update.de_json({"update_id": 1} | raw, None)

        def choose(update: Update = update) -> object:
            return services.in_language(negotiate(update, languages).tag)

        took = _median_ns(choose, rounds * 100)
        print(f"choose the language, {name}: {took / 1000:.1f} µs ({took / base:.0f}× baseline)")
    for lang in ALL:
        search = services.in_language(lang).search
        questions = _questions(lang)

        def ask(search: object = search, questions: list[str] = questions) -> object:
            return [search.answer(q, 3) for q in questions]  # type: ignore[attr-defined]

        took = _median_ns(ask, rounds) / len(questions)
        print(f"search, {lang} ({len(questions)} messages): {took / 1000:.0f} µs a message "
              f"({took / base:.0f}× baseline)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
