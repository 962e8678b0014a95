"""The search index: words, spelling fixes, ranking, no-match, red flags and glossary look-ups."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.content.loader import ContentError, load_content
from bot.context import Services
from bot.search.index import URGENT_ID, SearchIndex
from bot.search.lexicon import words

CONTENT = Path(__file__).resolve().parent.parent / "content" / "en"


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    """The index over the real content."""
    return SearchIndex.build(load_content(CONTENT), CONTENT / "search.yaml")


def refs(index: SearchIndex, query: str, limit: int = 3) -> list[str]:
    return [m.ref for m in index.search(query, limit)]


def test_words_are_lower_case_without_apostrophes_and_numbers_apart() -> None:
    assert words("What's A&E? 2cm, Dad’s LIVER") == ["whats", "a&e", "2", "cm", "dads", "liver"]
    assert words("") == []
    assert words("!!! ...") == []


def test_the_services_carry_the_index(services: Services) -> None:
    assert services.search.search("portal vein", 1)


@pytest.mark.parametrize(("query", "expected"), [
    ("what is ascities", "term:ascites"),  # misspelt
    ("symtoms of secondary liver cancer", "symptoms"),
    ("alpha feto protien", "term:afp"),  # split and misspelt
    ("microwave ablaton", "term:ablation"),
    ("tumor markers", "term:tumour_markers"),  # American spelling
    ("colon cancer in the liver", "colorectal"),  # lay word
    ("is ovarian cancer in the liver treatable", "ovarian"),  # another form of "treat"
])
def test_typos_spellings_and_word_forms_still_find_the_topic(index: SearchIndex, query: str,
                                                             expected: str) -> None:
    assert expected in refs(index, query)


@pytest.mark.parametrize("query", [
    "", "   ", "???", "hi there", "what is it", "tell me a joke", "how do I cook salmon",
    "xyzzy plugh", "what time is it", "is liver cancer contagious", "is this serious?",
])
def test_nothing_matches_words_the_guide_does_not_cover(index: SearchIndex, query: str) -> None:
    assert index.search(query) == []
    assert index.answer(query).matches == ()


def test_results_are_ranked_limited_and_unique(index: SearchIndex) -> None:
    found = index.search("what is AFP", 3)
    assert 1 <= len(found) <= 3
    assert [m.score for m in found] == sorted((m.score for m in found), reverse=True)
    assert len({m.ref for m in found}) == len(found)
    assert len(index.search("what is AFP", 1)) == 1
    assert index.search("what is AFP", 0) == []


def test_match_refs_name_sections_and_terms(index: SearchIndex) -> None:
    found = index.search("portal vein")
    kinds = {m.kind for m in found}
    assert kinds <= {"section", "term"}
    for match in found:
        assert match.ref == (match.key if match.kind == "section" else f"term:{match.key}")


@pytest.mark.parametrize("query", [
    "vomiting blood", "vomitting blod", "threw up coffee grounds", "black poo", "tarry stool",
    "blood in my stools", "sudden severe tummy pain", "she fainted", "he passed out",
    "dad keeps blacking out", "my eyes are yellowish", "jaundise", "feaver", "temprature 39",
    "shivering on chemo", "hot and cold", "call 999?", "when should I go to A&E",
    "he bled from his bottom",
])
def test_red_flags_are_recognised(index: SearchIndex, query: str) -> None:
    assert index.is_urgent(query)
    answer = index.answer(query)
    assert answer.urgent
    assert answer.matches[0].ref == URGENT_ID


@pytest.mark.parametrize("query", [
    "blood tests", "what is a ct scan", "I never had symptoms", "fewer than 1 in 10000 cells",
    "my cea is 112", "pain under my right ribs", "bowel cancer", "feeling sick", "temporary",
    "what is the portal vein",
])
def test_ordinary_questions_are_not_red_flags(index: SearchIndex, query: str) -> None:
    assert not index.is_urgent(query)
    assert not index.answer(query).urgent


def test_red_flag_at_the_end_of_a_long_message_is_not_missed(index: SearchIndex) -> None:
    story = "my dad had his scan last week and we talked to the team about it. " * 70
    assert len(story) > 4000
    assert index.is_urgent(story + " Today he is vomiting blood.")
    assert not index.is_urgent(story)


def test_urgent_comes_first_once_and_the_limit_holds(index: SearchIndex) -> None:
    answer = index.answer("yellow skin", 3)
    assert answer.urgent
    assert [m.ref for m in answer.matches].count(URGENT_ID) == 1
    assert answer.matches[0].ref == URGENT_ID
    assert len(answer.matches) <= 3
    assert len(index.answer("yellow skin", 1).matches) == 1


@pytest.mark.parametrize(("word", "key"), [
    ("afp", "afp"), ("AFP", "afp"), ("alpha feto protien", "afp"), ("alpha-fetoprotein", "afp"),
    ("ascities", "ascites"), ("what is ascites", "ascites"), ("mets", "metastasis"),
    ("hep b", "hepatitis"), ("cat scan", "ct_mri"), ("tumor marker", "tumour_markers"),
    ("neuroendocrine tumor", "net"), ("somatostatin analog", "somatostatin_analogue"),
])
def test_glossary_lookup_forgives_typos(index: SearchIndex, word: str, key: str) -> None:
    term = index.find_term(word)
    assert term is not None
    assert term.key == key


@pytest.mark.parametrize("word", ["", "zzz", "chemo", "liver", "x", "<b>zzz</b>", "weather"])
def test_glossary_lookup_does_not_guess(index: SearchIndex, word: str) -> None:
    assert index.find_term(word) is None


def test_queries_read_no_files_and_keep_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "en"
    shutil.copytree(CONTENT, folder)
    index = SearchIndex.build(load_content(folder), folder / "search.yaml")
    before = repr(vars(index.lexicon))
    shutil.rmtree(folder)  # any file read per query would now fail
    for query in ("quixotic zebra liver", "alpha feto protien", "my skin is yellow"):
        index.answer(query)
        index.find_term(query)
    assert index.search("portal vein")
    assert repr(vars(index.lexicon)) == before  # no trace of the queries
    assert "quixotic" not in before
    assert "quixot" not in repr(vars(index.lexicon._stemmer))
    assert "yellow" not in repr(vars(index.lexicon._stemmer))


def test_a_two_word_same_as_entry_replaces_only_the_pair(index: SearchIndex) -> None:
    # "cat scan" is a CT scan; "my cat" is a pet, and the guide has nothing about pets.
    assert [t.word for t in index.lexicon.tokens("had a CAT scan")][-2:] == ["ct", "scan"]
    assert "cat" in [t.word for t in index.lexicon.tokens("my cat is sick")]
    assert index.answer("what is a cat scan").matches[0].ref == "term:ct_mri"
    assert index.answer("what is a cat scan").matches == index.answer("what is a ct scan").matches
    for pet in ("my cat is sick", "my cat has cancer in her liver"):
        assert not index.answer(pet).confident


@pytest.mark.parametrize(("old", "new", "message"), [
    ("stopwords: [", "stopwords: [1, ", "'stopwords' must be a list"),
    ("urgent:\n", "urgent: 3\nold_urgent:\n", "'urgent' must be a list of rules"),
    ("  chemo: chemotherapy\n", "  chemo: [chemotherapy]\n", "'same_as' must map"),
])
def test_broken_search_words_are_reported(tmp_path: Path, old: str, new: str,
                                          message: str) -> None:
    path = tmp_path / "search.yaml"
    text = (CONTENT / "search.yaml").read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ContentError, match=message):
        SearchIndex.build(load_content(CONTENT), path)


def test_missing_search_words_are_reported(tmp_path: Path) -> None:
    with pytest.raises(ContentError, match=r"search\.yaml: cannot read"):
        SearchIndex.build(load_content(CONTENT), tmp_path / "search.yaml")
