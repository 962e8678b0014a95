"""Issue 14 on the real translations (content/ru, content/zh-Hans): red flags and search.

The held-out lists (tests/data/redflags_<lang>.yaml) were written by the translator before the
red-flag rules of each language's search.yaml, and committed first; nothing was tuned on them
for red flags. Recall must be 100 %: a missed red flag is far worse than advice shown once too
often. The topical questions in the same files are reported in the README (the Chinese pair
splitting was adjusted after looking at them, so those figures are not held out).
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
import yaml

from bot.app import build_services
from bot.config import PROJECT_ROOT, Settings
from bot.context import Services
from bot.review.check import check_all

LANGS = ("ru", "zh-Hans")


@pytest.fixture(scope="module")
def real() -> Services:
    return build_services(Settings(token="", languages=("en", *LANGS)))


def _questions(lang: str) -> list[dict[str, Any]]:
    path = PROJECT_ROOT / "tests" / "data" / f"redflags_{lang}.yaml"
    return list(yaml.safe_load(path.read_text(encoding="utf-8"))["questions"])


@pytest.mark.parametrize("lang", LANGS)
def test_red_flag_recall_is_complete_on_held_out_messages(real: Services, lang: str) -> None:
    search = real.in_language(lang).search
    questions = _questions(lang)
    urgent = [q["q"] for q in questions if q.get("urgent")]
    calm = [q["q"] for q in questions if not q.get("urgent")]
    assert len(urgent) >= 20
    assert [q for q in urgent if not search.answer(q, 3).urgent] == []
    assert [q for q in calm if search.answer(q, 3).urgent] == []


@pytest.mark.parametrize("lang", LANGS)
def test_typed_questions_find_their_sections(real: Services, lang: str) -> None:
    search = real.in_language(lang).search
    topical = [q for q in _questions(lang) if not q.get("urgent") and q.get("a")]
    found = sum(1 for q in topical
                if {m.ref for m in search.answer(q["q"], 3).matches} & set(q["a"]))
    # Measured 15/16 (ru) and 15/16 (zh-Hans; 11/16 with character pairs, before jieba): a floor,
    # so a regression shows. The Chinese figure is tuned on (the 肝 = 肝脏 same-as word).
    assert found >= {"ru": 14, "zh-Hans": 14}[lang]


@pytest.mark.parametrize(("lang", "floor"), [("zh-Hans", 19), ("ru", 20)])
def test_held_out_questions_find_their_sections(real: Services, lang: str, floor: int) -> None:
    """tests/data/search_heldout_<lang>.yaml: real questions re-phrased in the language, written
    before the change they measure and never tuned on. zh-Hans: 15/26 with character pairs,
    19/26 with jieba's words; ru: 20/26 (Russian search unchanged)."""
    path = PROJECT_ROOT / "tests" / "data" / f"search_heldout_{lang}.yaml"
    questions = yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]
    assert len(questions) >= 20
    assert all(q["source"].startswith("http") and q["a"] for q in questions)
    search = real.in_language(lang).search
    found = sum(1 for q in questions
                if {m.ref for m in search.answer(q["q"], 3).matches} & set(q["a"]))
    assert found >= floor


def test_chinese_words_are_not_pairs_across_word_boundaries(real: Services) -> None:
    search = real.in_language("zh-Hans").search
    assert "term:ascites" in {m.ref for m in search.answer("什么是腹水", 3).matches}
    tokens = [t.word for t in search.lexicon.tokens("什么是腹水")]
    assert "是腹" not in tokens
    assert "腹水" in tokens
    # red flags still read character pairs, as their rules were written and measured
    assert search.answer("大便是黑色的", 3).urgent


def test_check_passes_with_every_language_served() -> None:
    problems, summary = check_all(Settings(token="", languages=("en", *LANGS)))
    assert problems == []
    assert "served: en, ru, zh-Hans" in summary


def test_an_english_only_bot_does_not_load_the_chinese_segmenter() -> None:
    """rjieba's import alone costs ~30 MB; only a language with ``search: segment`` needs it."""
    code = ("import sys; from bot.app import build_services; from bot.config import Settings; "
            "build_services(Settings(token='')); print('rjieba' in sys.modules)")
    english = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True, cwd=PROJECT_ROOT)
    assert english.stdout.strip() == "False"
    everyone = subprocess.run([sys.executable, "-c", code.replace(
        "Settings(", "Settings(languages=('en', 'ru', 'zh-Hans'), ")], capture_output=True,
        text=True, check=True, cwd=PROJECT_ROOT)
    assert everyone.stdout.strip() == "True"
