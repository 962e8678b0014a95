"""Reading real messages: the question in a long post, negated red flags, care-team questions,
the calibrated no-match, the best match first, and the FTS5 ranking underneath."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from benchmarks.search_quality import HOLDOUT, MAIN, load
from bot.content.loader import load_content
from bot.context import Services
from bot.search.frequency import FILE
from bot.search.fts import Fields, Ranker, Weights
from bot.search.index import SPECIALIST_ID, URGENT_ID, SearchIndex
from bot.search.query import MAX_STEMS, asks, read, sentences

CONTENT = Path(__file__).resolve().parent.parent / "content" / "en"
QUESTION_WORDS = frozenset({"what", "how", "can", "is"})


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    """The index over the real content."""
    return SearchIndex.build(load_content(CONTENT), CONTENT / "search.yaml")


def test_sentences_split_after_stops_line_breaks_and_left_out_parts() -> None:
    assert sentences("He is 65. Can they operate?\nThanks ... so worried!") == [
        "He is 65.", "Can they operate?", "Thanks", "so worried!"]
    assert sentences("   ") == []


def test_a_sentence_asks_with_a_question_mark_or_a_question_word() -> None:
    assert asks("is it spreading", QUESTION_WORDS)
    assert asks("He said it had spread?", QUESTION_WORDS)
    assert not asks("My dad has bowel cancer.", QUESTION_WORDS)


def test_the_asking_sentence_counts_double_and_comes_first(index: SearchIndex) -> None:
    message = read(index.lexicon, "My dad had a scan last week. Can they operate on the liver?",
                   QUESTION_WORDS)
    weights = dict(message.stems)
    assert weights["oper"] == 2
    assert weights["scan"] == 1
    assert message.stems[0][0] == "oper"
    assert [t.word for t in message.tokens][:2] == ["can", "they"]


def test_without_a_question_the_last_sentences_are_the_question(index: SearchIndex) -> None:
    message = read(index.lexicon, "Dad is 70. He had a scan. They found spots on his liver.",
                   frozenset())
    weights = dict(message.stems)
    assert weights["spot"] == 2
    assert weights["scan"] == 2
    assert "70" not in weights  # numbers carry no topic of their own


def test_a_question_without_a_topic_word_asks_about_the_sentence_before(
        index: SearchIndex) -> None:
    message = read(index.lexicon, "Mum has bowel cancer. The doctor said the word ascites. "
                   "What is that?", QUESTION_WORDS)
    weights = dict(message.stems)
    assert weights["ascit"] == 2
    assert weights["bowel"] == 1


def test_only_the_first_64_topic_words_are_read_but_every_word_is_checked(
        index: SearchIndex) -> None:
    made_up = ["".join(chr(ord("a") + (n // 26 ** k) % 26) for k in range(3)) + "zq"
               for n in range(200)]
    text = " ".join(made_up) + " and he vomited blood"
    message = read(index.lexicon, text, QUESTION_WORDS)
    assert len(message.stems) == MAX_STEMS
    assert index.answer(text).urgent


def test_a_long_forum_post_finds_its_question(index: SearchIndex) -> None:
    post = ("My father is 65 and was diagnosed with colon cancer a few weeks ago. He had been "
            "short of breath for months and nobody knew why. The surgeon removed the tumour last "
            "week and found a golf ball sized mass on his liver. We are all in shock. Can they "
            "operate on the liver as well, or is chemo the only option?")
    refs = [m.ref for m in index.answer(post).matches]
    assert refs
    assert set(refs) <= {"treatment", "colorectal_surgery", "colorectal_other", "colorectal",
                         "ovarian"}


@pytest.mark.parametrize("query", [
    "no fever so far", "he hasn't had any fever", "she had emergency surgery last year",
    "he had an urgent referral for a scan", "no fever at all so far",
])
def test_negated_or_past_red_flag_words_raise_no_alarm(index: SearchIndex, query: str) -> None:
    assert not index.answer(query).urgent


@pytest.mark.parametrize("query", [
    "No, but he vomited blood this morning", "no fever but he has the shivers",
    "no fever or chills", "is this an emergency", "my dad has a fever on chemo",
    "never had jaundice before but his eyes are yellow now",
])
def test_real_red_flags_still_count_around_a_negation(index: SearchIndex, query: str) -> None:
    answer = index.answer(query)
    assert answer.urgent
    assert answer.matches[0].ref == URGENT_ID


@pytest.mark.parametrize("query", [
    "how long has my mum got, the cancer is in her liver",
    "what dose of capecitabine should he take",
    "my dad's CEA went from 3 to 6, what does it mean",
    "what should she eat during chemo",
    "what happens in the final stage of liver cancer",
    "he starts chemo next week, what are his chances",
    "what are the risks of having the liver operation",
    "she has months at most. What will the next few months be like?",
    "his bilirubin is high, is that bad", "how much morphine can she have",
    "how many rounds of chemo will he need", "what is the life span with liver mets",
    "should he cut out sugar now the cancer is in his liver",
    "how many days in hospital after the liver operation",
    "what is the recovery time after liver surgery",
    "my scan says fatty liver, should I be worried",
    "my wife has prostate cancer, what treatment is best",
    "my dad has throat cancer and is very tired, what can we do",
    "her ultrasound showed a hyperechoic spot in the liver, is it cancer",
    "they found a haemangioma on my liver, is it dangerous", "is a cyst on the liver common",
    "my mum has pancreatic cancer stage 4, what are her options",
    "which antipyretic is best for him", "what is the safest painkiller with liver mets",
    "how do we prepare for the impending loss of my dad",
])
def test_questions_only_the_care_team_can_answer(index: SearchIndex, services: Services,
                                                 query: str) -> None:
    answer = index.answer(query)
    assert answer.cannot_answer
    assert not answer.confident
    refs = [m.ref for m in answer.matches]
    assert SPECIALIST_ID in refs
    assert len([r for r in refs if r not in (SPECIALIST_ID, URGENT_ID)]) <= 1
    view = services.search_views.answer(answer)
    assert "this guide can't answer that" in view.html
    assert "/specialist" in view.html


@pytest.mark.parametrize("query", [
    "the tumour in his liver is 5 cm, can it be removed", "is fasting needed before a scan",
    "my husband had a CT scan and they found spots on his liver, what happens next",
    "can liver metastases from bowel cancer be cured", "Is fast charging bad?",
    "my dad's stomach cancer has spread to his liver, what treatment is there",
    "melanoma with liver metastases, can they be removed",
    "what does hypoechoic mean on a liver ultrasound",
    "the CT said simple hepatic cysts unchanged but could the spots be mets",
    "pancreatic cancer that has spread to the liver, what treatment is there",
])
def test_what_the_guide_answers_is_not_sent_to_the_care_team(index: SearchIndex,
                                                             query: str) -> None:
    assert not index.answer(query).cannot_answer


def test_a_care_team_rule_changes_only_the_replies_to_messages_it_matches(
        index: SearchIndex, tmp_path: Path) -> None:
    # Its words are known to the rules' lexicon only. When the ranking's lexicon knew them too,
    # "cysts" stopped being read as "costs" (a word of the guide), and "reflexology" was kept
    # among the words after the 64th of a long message (only those that begin like a known
    # word are kept): the ranking of messages the rule never matched moved.
    data = yaml.safe_load((CONTENT / "search.yaml").read_text(encoding="utf-8"))
    data["cannot_answer"].append([["reflexology", "cysts"]])
    words = tmp_path / "search.yaml"
    words.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    shutil.copy(CONTENT / FILE, tmp_path / FILE)  # the word frequencies beside it, as shipped
    more = SearchIndex.build(index.content, words)
    long = " ".join(["the liver scan"] * 22 + ["reflexology"])
    for text in ("simple cysts", long):
        assert [t.word for t in more.lexicon.tokens(text)] == [
            t.word for t in index.lexicon.tokens(text)]
    assert "cysts" in [t.word for t in more.lexicon.rules.tokens("simple cysts")]
    assert more.answer("is reflexology any good for liver cancer").cannot_answer
    for question in load(MAIN) + load(HOLDOUT):
        after = more.answer(question.text)
        if not after.cannot_answer:
            assert after == index.answer(question.text), question.text


def test_a_message_is_read_once_when_the_rules_lexicon_would_read_it_alike(
        index: SearchIndex) -> None:
    # The rules' lexicon knows more words; a message of words both know alike is read once.
    lexicon = index.lexicon
    once = 0
    for question in load(MAIN) + load(HOLDOUT):
        if lexicon.reads_alike(question.text):
            once += 1
            assert read(lexicon, question.text, QUESTION_WORDS).tokens == read(
                lexicon.rules, question.text, QUESTION_WORDS).tokens, question.text
    assert once >= 50
    assert lexicon.reads_alike("can the liver tumour be removed")
    for text in ("what dosage should he take", "is sugar bad", "what dosge should he take"):
        assert not lexicon.reads_alike(text), text  # words of the rules only, or a typo


def test_a_word_of_the_story_is_not_a_question_for_the_care_team(index: SearchIndex) -> None:
    assert not index.answer("is a high AFP a sign of primary liver cancer").cannot_answer
    answer = index.answer("My dad has bowel cancer in his liver. He wants to change his diet. "
                          "The surgeon will operate in May.")
    assert not answer.cannot_answer
    assert answer.confident


def test_a_care_team_question_with_a_red_flag_gets_the_urgent_advice_first(
        index: SearchIndex, services: Services) -> None:
    answer = index.answer("his eyes are yellow now, how long has he got")
    assert answer.urgent
    assert answer.cannot_answer
    assert answer.matches[0].ref == URGENT_ID
    html = services.search_views.answer(answer).html
    assert html.index("Call your local emergency number") < html.index("can't answer that")


@pytest.mark.parametrize("query", [
    "Why Does My Phone Battery Drain So Fast?", "Should You Pay Off Your Mortgage Early?",
    "How long does a UK visit visa take now?", "what time is it",
])
def test_off_topic_questions_get_no_section(index: SearchIndex, query: str) -> None:
    assert index.answer(query).matches == ()


def test_one_clear_winner_is_shown_first_with_its_summary(index: SearchIndex,
                                                          services: Services) -> None:
    answer = index.answer("how do I get a second opinion")
    assert answer.best_first
    assert answer.confident
    assert answer.matches[0].ref == SPECIALIST_ID
    html = services.search_views.answer(answer).html
    assert html.startswith("<b>This part of the guide answers that best:</b>")
    assert services.content.sections[SPECIALIST_ID].summary in html
    unclear = index.answer("what is the portal vein")
    assert not unclear.best_first
    assert len(unclear.matches) > 1


def test_the_ranker_weighs_fields_and_repeated_words() -> None:
    docs = [Fields("liver surgeri", "", "", ""), Fields("", "", "", "liver surgeri surgeri"),
            Fields("bowel", "", "", "chemotherapi")]
    ranker = Ranker(docs, Weights(names=5.0, keywords=1.0, summary=1.0, body=1.0))
    ranked = ranker.rank([("surgeri", 1)], 5)
    assert [row for row, _ in ranked] == [0, 1]
    assert all(score > 0 for _, score in ranked)
    assert ranker.rank([("bowel", 1), ("chemotherapi", 3)], 5)[0][0] == 2
    assert ranker.rank([("unknown", 1)], 5) == []
    assert ranker.rank([], 5) == []
    assert ranker.rank([('"; DROP TABLE docs; --', 1)], 5) == []
    ranker.close()


@pytest.mark.parametrize(("query", "first"), [
    ("What can you expect if your lung cancer has spread to your liver?", "lung"),
    ("Is there a blood test that can detect primary liver cancer?", "tests_blood"),
])
def test_the_issues_own_examples_find_their_section_first(index: SearchIndex, query: str,
                                                          first: str) -> None:
    assert index.answer(query).matches[0].ref == first


def test_related_reading_for_a_care_team_question_must_share_a_rare_word(
        index: SearchIndex) -> None:
    assert [m.ref for m in index.answer("how long has my dad got").matches] == [SPECIALIST_ID]
    refs = [m.ref for m in index.answer("what does my CEA of 6 mean").matches]
    assert refs == ["term:tumour_markers", SPECIALIST_ID]


def test_a_subsection_that_all_but_ties_with_its_section_comes_first(
        index: SearchIndex, monkeypatch: pytest.MonkeyPatch) -> None:
    query = "does bowel cancer go to the liver"
    assert [m.ref for m in index.answer(query).matches][:2] == ["colorectal_why", "colorectal"]
    monkeypatch.setattr("bot.search.index.SPECIFIC", 99.0)  # the rule off: the section first
    assert [m.ref for m in index.answer(query).matches][:2] == ["colorectal", "colorectal_why"]
