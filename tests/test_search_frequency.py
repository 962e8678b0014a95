"""Words the guide never uses weigh by how rare they are in English (bot.search.frequency)."""

from __future__ import annotations

from pathlib import Path

from bot.context import Services
from bot.search.frequency import FILE, LEAST, load_frequencies
from bot.search.fts import Fields, Ranker, Weights
from bot.search.index import SearchIndex

CONTENT = Path(__file__).resolve().parent.parent / "content"


def test_the_english_file_holds_common_stems_and_credits_its_source() -> None:
    table = load_frequencies(CONTENT / "en")
    assert len(table) > 10_000
    assert table["might"] > 5.0
    assert table["featur"] > 4.5
    assert min(table.values()) >= LEAST
    assert "chemoimmunotherapi" not in table  # rare words are left out: they weigh the most
    head = (CONTENT / "en" / FILE).read_text(encoding="utf-8").splitlines()[:2]
    assert "wordfreq" in head[0]
    assert "CC BY-SA 4.0" in head[1]


def test_a_language_without_the_file_weighs_every_unknown_word_the_most(tmp_path: Path) -> None:
    assert load_frequencies(tmp_path) == {}
    ranker = Ranker([Fields("liver", "", "", "")], Weights())
    assert ranker.rarity("battery", 7.0) == ranker.unknown_idf


def test_an_unknown_word_weighs_its_rarity_in_english_and_a_known_one_its_idf() -> None:
    documents = [Fields("liver", "", "", ""), *(Fields(f"d{n}", "", "", "") for n in range(40))]
    ranker = Ranker(documents, Weights(), general={"might": 5.7, "syndrom": 4.2})
    assert ranker.rarity("might", 7.0) < ranker.rarity("syndrom", 7.0) < ranker.unknown_idf
    assert abs(ranker.rarity("might", 7.0) - 1.3) < 1e-9
    assert ranker.rarity("melanoma", 7.0) == ranker.unknown_idf  # not in the table: rare
    assert ranker.rarity("liver", 7.0) == ranker.idf["liver"]
    assert ranker.rarity("might", 0.0) == ranker.unknown_idf  # 0 turns the table off


def test_everyday_words_no_longer_hide_the_one_word_that_names_a_section(
        services: Services) -> None:
    search: SearchIndex = services.search
    for text, want in (("What symtoms might I have?", "symptoms"),
                       ("the biopsy, is it necessary", "term:biopsy")):
        answer = search.answer(text, 3)  # before: nothing, "might" and "necessary" weighed most
        assert answer.confident, text
        assert answer.matches[0].ref == want, text


def test_a_message_with_no_word_of_the_guide_still_gets_nothing(services: Services) -> None:
    search: SearchIndex = services.search
    for text in ("my phone battery keeps dying, what should I buy?",
                 "What is the best recipe for a chocolate cake?"):
        assert not search.answer(text, 3).confident, text
