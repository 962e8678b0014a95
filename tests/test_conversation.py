"""The conversation recogniser: its two matching rules, every language's own examples, the order
of precedence, and the replies (crisis contacts first, in every language)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.content.loader import ContentError
from bot.content.markdown import visible_length, visible_text
from bot.content.render import MAX_MESSAGE
from bot.context import Services
from bot.search.conversation.match import (
    Example,
    Examples,
    at_an_end,
    contains,
    cover,
    same,
    units,
)
from bot.search.conversation.recogniser import Conversation
from bot.search.conversation.route import PRECEDENCE, SEARCH, route
from bot.search.conversation.rules import SMALL_TALK, load_rules

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
LANGUAGES = ("en", "ru", "zh-Hans")


@pytest.fixture(scope="module")
def conversation() -> Conversation:
    return Conversation.load(CONTENT / "en")


def raw(language: str) -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((CONTENT / language / "conversation.yaml").read_text(encoding="utf-8"))


def test_every_language_is_loaded_with_english_as_the_default(
        conversation: Conversation) -> None:
    assert conversation.languages == LANGUAGES
    assert conversation.default == "en"


@pytest.mark.parametrize(("example", "word", "expected"), [
    ("hello", "hello", True), ("hello", "helo", True),  # one typo from four letters
    ("want", "wnat", True),  # a swap is one typo
    ("die", "dye", False),  # short words must be exact
    ("хоч*", "хочется", True), ("хоч*", "хоже", False),
    ("suicid*", "suicidal", True), ("suicid*", "siucidal", True),
    ("depression", "deprsesion", True),  # two typos from ten letters
])
def test_words_match_with_typos_and_wildcards(example: str, word: str, expected: bool) -> None:
    assert same(example, word) is expected


def test_a_phrase_may_have_one_word_between_its_words_when_it_has_three() -> None:
    message = units("I just can't go on any more", characters=False)
    assert contains(message, units("cant go on", characters=False), gap=1)
    assert contains(units("I really want to die", characters=False),
                    units("i want to die", characters=False), gap=1)
    assert not contains(units("kill the pain in myself", characters=False),
                        units("kill myself", characters=False), gap=1)  # two words: no gap


def test_chinese_is_matched_by_characters() -> None:
    assert units("我撑不下去了,想死", characters=True)[:3] == ("我", "撑", "不")
    assert units("你是AI吗", characters=True) == ("你", "是", "ai", "吗")
    assert contains(units("我不想再活了", characters=True), units("不想活", characters=True), 2)


def test_small_talk_must_be_the_whole_message(conversation: Conversation) -> None:
    assert conversation.small_talk("thanks a lot, that helped!", "en") == "thanks"
    assert conversation.small_talk("Hiii there", "en") == "greeting"
    assert conversation.small_talk("thanks, and what is AFP?", "en") is None
    assert conversation.small_talk("здравствуйте, что такое асцит", "ru") is None
    assert conversation.small_talk("早上好,化疗能让肝上的肿瘤变小吗", "zh-Hans") is None
    assert cover((), Examples([]), frozenset()) is None


def test_indexed_examples_keep_their_order_typos_and_wildcards() -> None:
    # The index follows only examples whose first unit matches; of two equally good covers the
    # first listed wins, as when every example was tried in turn.
    hi, also_hi = Example("greeting", ("hi",)), Example("thanks", ("hi",))
    assert cover(("hi",), Examples([hi, also_hi]), frozenset()) == "greeting"
    assert cover(("hi",), Examples([also_hi, hi]), frozenset()) == "thanks"
    examples = Examples([Example("thanks", ("thank", "you")), Example("bye", ("bye*",))])
    assert cover(("thnak", "you"), examples, frozenset()) == "thanks"  # a swap is one typo
    assert cover(("byeee",), examples, frozenset()) == "bye"
    assert cover(("so", "thank", "you"), examples, frozenset({"so"})) == "thanks"
    assert at_an_end(("what", "is", "afp", "thank", "you"), examples, frozenset()) == (
        "thanks", ("what", "is", "afp"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_example_is_recognised_as_its_own_kind(conversation: Conversation,
                                                     language: str) -> None:
    data = raw(language)
    for kind in SMALL_TALK:
        for text in data["small_talk"][kind]:
            found = conversation.small_talk(str(text).replace("*", ""), language)
            # An example may also be a longer example's start: any small-talk kind is right.
            assert found is not None, (language, kind, text)
    for text in data["feelings"]:
        assert conversation.is_feelings(text.replace("*", ""), language), (language, text)
    for text in data["crisis"]:
        assert conversation.crisis_language(text.replace("*", ""), language) == language, text


@pytest.mark.parametrize(("text", "language"), [
    ("I don't want to die, I have two children", "en"),
    ("не хочу умирать, мне страшно", "ru"),
    ("我不想死,我还有孩子", "zh-Hans"),
])
def test_fear_of_dying_is_not_read_as_a_wish_to_die(conversation: Conversation, text: str,
                                                    language: str) -> None:
    assert conversation.crisis_language(text, language) is None
    assert conversation.is_feelings(text, language)


def test_a_crisis_in_another_language_is_answered_in_that_language(
        conversation: Conversation) -> None:
    assert conversation.crisis_language("хочу умереть", "en") == "ru"
    assert conversation.crisis_language("我再也不想活了", "en") == "zh-Hans"
    assert conversation.crisis_language("I want to die", "ru") == "en"


def test_the_order_of_precedence(conversation: Conversation, services: Services) -> None:
    search = services.search

    def kind(text: str) -> str:
        return route(text, "en", conversation, search).kind

    assert PRECEDENCE == ("crisis", "urgent", "feelings", "small_talk", "search", "no_match")
    # crisis before urgent symptoms, feelings and small talk
    assert kind("hi, I'm so scared, dad is vomiting blood and says he wants to die") == "crisis"
    # urgent symptoms before feelings and small talk: the search puts the urgent advice first
    assert kind("I'm terrified, his skin has gone yellow") == SEARCH
    assert search.answer("I'm terrified, his skin has gone yellow").urgent
    # feelings before small talk
    assert kind("hello, I'm so frightened") == "feelings"
    assert kind("hello") == "greeting"
    # then the search, which answers or says kindly that nothing matched
    assert kind("can they operate on liver spots from bowel cancer") == SEARCH
    assert kind("what's the weather in Zanzibar") == SEARCH



@pytest.mark.parametrize(("text", "language", "kind"), [
    # small talk at the start or the end, with context that asks nothing
    ("hello, first time using this", "en", "greeting"),
    ("ok thank you, I'll ask the nurse about that on Monday", "en", "thanks"),
    ("I'll come back tomorrow, bye for now", "en", "goodbye"),
    ("Спасибо, спрошу у онколога на приёме", "ru", "thanks"),
    ("好的我先下了,明天再来问", "zh-Hans", "goodbye"),
    # "human", "talk_to_someone", "help" from parts: a person word and a talk word
    ("is this AI or an actual nurse?", "en", "human"),
    ("can you put me through to a human please", "en", "talk_to_someone"),
    ("not sure what to type here", "en", "help"),
    ("это нейросеть что ли", "ru", "human"),
    ("хочу поговорить с врачом, а не с ботом", "ru", "talk_to_someone"),
    ("能不能让专业的人跟我聊一下,不想跟机器说", "zh-Hans", "talk_to_someone"),
    ("不知道该问啥", "zh-Hans", "help"),
    # a question beside small talk is a question: a question word, a topic word, a yes/no
    # start, a question mark, a guide term, or a long rest
    ("thanks, and what is AFP?", "en", SEARCH),
    ("thanks, will my hair fall out", "en", SEARCH),
    ("hi, my mum has liver mets", "en", SEARCH),
    ("hi, octreotide injections", "en", SEARCH),
    ("thanks so much, my dad starts his treatment next week and we are all nervous", "en",
     "feelings"),
    ("can I talk to my doctor about SIRT?", "en", SEARCH),
    ("спасибо, а химия долго длится?", "ru", SEARCH),
    ("здравствуйте, можно ли вылечить метастазы в печени", "ru", SEARCH),
    ("к какому врачу обратиться", "ru", SEARCH),
    ("谢谢,化疗要多久", "zh-Hans", SEARCH),
    ("你好,肝切除后能长回来吗", "zh-Hans", SEARCH),
])
def test_small_talk_with_a_little_context(conversation: Conversation, services: Services,
                                          text: str, language: str, kind: str) -> None:
    assert route(text, language, conversation, services.search).kind == kind


def test_small_talk_in_context_keeps_the_crisis_contacts(conversation: Conversation,
                                                         services: Services) -> None:
    """Only a whole message of small talk goes without the contacts: with context, a risk
    mention keeps its own answer after them ("this is the last one. bye x")."""
    decided = route("this is the last one. bye x", "en", conversation, services.search)
    assert decided.risk
    assert decided.kind not in SMALL_TALK


def test_warning_signs_whose_parts_are_harmless_alone_are_read_together(
        conversation: Conversation) -> None:
    """``risk_together``: every part must be in the message, anywhere, in any order."""
    assert conversation.mentions_risk(
        "if i stop the insulin and the steroids would that be quicker", "en")
    assert not conversation.mentions_risk("should I stop the steroids before the scan?", "en")
    assert not conversation.mentions_risk("is the new treatment quicker?", "en")
    assert conversation.mentions_risk("ive been saving my oxy, theres enough in the drawer", "en")
    assert not conversation.mentions_risk("is oxy safe with a damaged liver?", "en")
    assert conversation.mentions_risk("如果我把所有药都停了 不吃不喝 大概几天能走", "zh-Hans")
    assert not conversation.mentions_risk("她已经不吃不喝了", "zh-Hans")  # not the first person


def test_a_few_emoji_for_a_means_are_read(conversation: Conversation) -> None:
    assert units("🔪🩸 again tonight", characters=False)[:2] == ("🔪", "🩸")
    assert conversation.mentions_risk("🔪🩸 again tonight. sorry", "en")
    assert units("thanks 🙏", characters=False) == ("thanks",)  # other emoji are dropped


@pytest.mark.parametrize(("text", "language", "kind"), [
    ("goodbye", "en", "goodbye"), ("ok goodbye thanks", "en", "goodbye"),
    ("再见", "zh-Hans", "goodbye"), ("haha", "en", "ok"), ("lol ok", "en", "ok"),
    ("👍", "en", "ok"), ("хахаха", "ru", "ok"), ("哈哈哈", "zh-Hans", "ok"),
    ("好的", "zh-Hans", "ok"),
])
def test_small_talk_alone_gets_no_crisis_contacts(conversation: Conversation,
                                                   services: Services, text: str,
                                                   language: str, kind: str) -> None:
    decided = route(text, language, conversation, services.search)
    assert (decided.kind, decided.risk) == (kind, False)


def test_goodbye_with_more_is_still_read_for_risk(conversation: Conversation,
                                                  services: Services) -> None:
    for text, language in (("this is the last one. bye x", "en"), ("goodbye forever", "en"),
                           ("永别了 再见", "zh-Hans"), ("ok 🔪", "en")):
        assert route(text, language, conversation, services.search).risk, text
    assert route("ok what is ascites", "en", conversation, services.search).kind == SEARCH


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_crisis_reply_is_complete_with_contacts_first(services: Services,
                                                          language: str) -> None:
    views = services.conversation_views
    assert views is not None
    html = views.crisis(language).html
    text = visible_text(html)
    assert visible_length(html) <= MAX_MESSAGE
    first = text.split("\n\n")[1]  # the contacts come straight after the one-line heading
    numbers = {"en": ["911", "988", "116 123", "findahelpline.com"],
               "ru": ["112", "8-800-2000-122", "051", "8 495 051", "findahelpline.com"],
               "zh-Hans": ["120", "12356", "010-82951332", "400-161-9995", "findahelpline.com"]}
    for number in numbers[language]:
        assert number in first, (language, number)
    reply = raw(language)["crisis_reply"]
    assert all(c["sources"] for c in reply["contacts"])
    assert reply["not_a_service"] in text
    assert language == "en" or reply["translation"] in text  # says how it was made
    # never a word about means
    assert not re.search(r"pill|tablet|таблет|overdose|rope|bridge|roof|knife|药|楼", text,
                         re.IGNORECASE)


def test_every_reply_fits_one_message(services: Services) -> None:
    views = services.conversation_views
    assert views is not None
    for name, view in views.screens().items():
        assert 0 < visible_length(view.html) <= MAX_MESSAGE, name
    long = views.feelings(services.search.answer("I'm scared, what is AFP and ascites", 3))
    assert visible_length(long.html) <= MAX_MESSAGE


def test_small_talk_replies_say_what_the_issue_asks(services: Services) -> None:
    views = services.conversation_views
    assert views is not None
    greeting = views.small_talk("greeting")
    assert greeting.keyboard is not None  # with the menu
    thanks = views.small_talk("thanks")
    assert "welcome" in thanks.html
    assert thanks.keyboard is None
    human = visible_text(views.small_talk("human").html)
    assert "not a person or a doctor" in human
    assert "0808 808 00 00" in human
    for view in (greeting, thanks, views.small_talk("goodbye"), views.small_talk("human")):
        assert "couldn't find" not in view.html


def test_a_broken_conversation_file_is_one_clear_error(tmp_path: Path) -> None:
    data = raw("en")
    del data["small_talk"]["thanks"]
    (tmp_path / "conversation.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ContentError, match="small_talk needs exactly"):
        load_rules(tmp_path / "conversation.yaml")
    data = raw("en")
    data["crisis_reply"]["contacts"][0]["sources"] = ["somewhere"]
    (tmp_path / "conversation.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ContentError, match="web addresses"):
        load_rules(tmp_path / "conversation.yaml")
    data = raw("en")
    data["risk_together"] = [{"all": [["stop", "quit"]]}]  # one part: would read every "stop"
    (tmp_path / "conversation.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ContentError, match="two parts"):
        load_rules(tmp_path / "conversation.yaml")
