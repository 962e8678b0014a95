"""Issue 14: choosing the language, translated pages and their labels, parity checks, catalogs.

The translations here are pseudo-translations of the real English (tests/langkit.py): every
rule of docs/translations.md holds for them, and no one can mistake them for English.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.app import build_services
from bot.config import PROJECT_ROOT, ConfigError, Settings
from bot.content.keyboards import MAX_CALLBACK_BYTES, decode, encode
from bot.content.languages import load_languages
from bot.content.loader import ContentError, load_content
from bot.content.markdown import html_problems, visible_length
from bot.content.render import MAX_MESSAGE
from bot.content.translation import load_translation
from bot.context import Services
from bot.handlers.menu import resolve
from bot.review import catalogs, parity
from bot.review.check import check_all
from tests.langkit import content_tree, pseudo

ALL = ("en", "ru", "zh-Hans")
REGISTRY = PROJECT_ROOT / "locale" / "languages.yaml"
# language_code -> (language served, whether it only stands in for the one asked for)
NEGOTIATION = [
    ("ru", "ru", False), ("ru-RU", "ru", False), ("RU", "ru", False),
    ("zh-hans", "zh-Hans", False), ("zh-Hant", "zh-Hans", True), ("zh-TW", "zh-Hans", True),
    ("zh-HK", "zh-Hans", True), ("zh-CN", "zh-Hans", False), ("zh-SG", "zh-Hans", False),
    ("zh", "zh-Hans", False), ("en-US", "en", False), ("pt-br", "en", False),
    ("sr-latn", "en", False), ("", "en", False), (None, "en", False), ("xx", "en", False),
    ("ru_RU", "ru", False), ("  ", "en", False), ("x" * 200, "en", False),
]


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """content/en (the real English) with pseudo ru and zh-Hans beside it."""
    return content_tree(tmp_path_factory.mktemp("languages"))


@pytest.fixture(scope="module")
def many(tree: Path) -> Services:
    """Services serving English, Russian and Chinese."""
    return build_services(Settings(token="", content_dir=tree, languages=ALL))


@pytest.mark.parametrize(("code", "tag", "near"), NEGOTIATION)
def test_language_code_negotiation(code: str | None, tag: str, near: bool) -> None:
    choice = load_languages(REGISTRY, ALL).from_code(code)
    assert (choice.tag, choice.near) == (tag, near)
    # Served languages only: with English alone, everyone gets English, nothing raises.
    assert load_languages(REGISTRY).from_code(code).tag == "en"
    assert load_languages(REGISTRY, ("en", "ru")).from_code(code).tag == (
        tag if tag != "zh-Hans" else "en")


def test_script_of_typed_text() -> None:
    languages = load_languages(REGISTRY, ALL)
    assert languages.from_script("у папы рвота с кровью") == "ru"
    assert languages.from_script("我爸爸吐血了怎么办") == "zh-Hans"
    assert languages.from_script("AFP анализ повышен") == "ru"  # most letters Cyrillic
    assert languages.from_script("what is AFP") is None
    assert languages.from_script("12345 ?!") is None
    assert load_languages(REGISTRY, ("en", "ru")).from_script("我爸爸吐血了") is None


def test_payloads_name_a_language() -> None:
    languages = load_languages(REGISTRY, ALL)
    assert languages.split_payload("ru") == ("ru", "")
    assert languages.split_payload("ru-breast") == ("ru", "breast")
    assert languages.split_payload("zh-Hans-colorectal_why") == ("zh-Hans", "colorectal_why")
    assert languages.split_payload("breast") == (None, "breast")
    assert languages.tag("ZH-HANS") == "zh-Hans"
    assert languages.tag("de") is None


def test_unknown_or_malformed_bot_languages_fail_fast() -> None:
    with pytest.raises(ConfigError, match="BOT_LANGUAGES"):
        Settings.from_env({"BOT_LANGUAGES": "en,ru;zh"}, require_token=False)
    assert Settings.from_env({"BOT_LANGUAGES": "ru, zh-Hans"},
                             require_token=False).languages == ALL
    assert Settings.from_env({}, require_token=False).languages == ("en",)


def test_callback_data_carries_the_language_and_fits() -> None:
    assert encode("s", "breast") == "1|s|breast|1"  # English: exactly as before
    assert decode(encode("s", "breast", 2, "zh-Hans")) == decode("1|s|breast|2|zh-Hans")
    assert decode("1|s|breast|2|zh-Hans").lang == "zh-Hans"  # type: ignore[union-attr]
    assert decode("1|s|breast|2").lang == "en"  # type: ignore[union-attr]
    assert decode("1|s|breast|2|<script>") is None
    longest = "x" * 32
    assert len(encode("s", longest, 999, "zh-Hans").encode()) <= MAX_CALLBACK_BYTES


def test_every_page_in_every_language_is_telegram_html_within_limits(many: Services) -> None:
    bundles = [many, *many.translations.values()]
    assert [b.lang for b in bundles] == list(ALL)
    for bundle in bundles:
        for name, view in bundle.views.screens().items():
            assert html_problems(view.html) == [], (bundle.lang, name)
            assert 0 < visible_length(view.html) <= MAX_MESSAGE, (bundle.lang, name)
        for key in bundle.content.terms:
            assert bundle.views.term(key) is not None


def test_translated_pages_say_how_they_were_made_and_open_in_english(many: Services) -> None:
    russian = many.in_language("ru")
    label = "Машинный перевод с английского, проверен редакторами; врачом пока не проверен."
    for pages in russian.renderer.pages.values():
        for page in pages:
            assert label in page.html
            view = russian.views.section(page.section_id, page.number)
            assert view is not None
            assert view.keyboard is not None
            english = [b for row in view.keyboard.inline_keyboard for b in row
                       if b.text == "🇬🇧 Читать на английском"]
            assert len(english) == 1
            target = resolve(many.views, decode(english[0].callback_data))  # type: ignore[arg-type]
            assert target is many.views.section(page.section_id, 1)
    breast = russian.views.section("breast")
    assert breast is not None
    assert pseudo("Breast cancer", "ru") in breast.html
    # English pages have no such line or button.
    english_page = many.views.section("breast")
    assert english_page is not None
    assert "🌐" not in english_page.html


def test_about_explains_the_translation(many: Services) -> None:
    about = many.in_language("zh-Hans").views.section("about")
    assert about is not None
    assert "关于本译文" in about.html
    assert "LLM" in about.html


def test_default_is_english_only_and_unchanged() -> None:
    services = build_services(Settings(token=""))
    assert services.languages is None
    assert services.translations == {}
    assert services.views.language_list is None
    buttons = [b.text for row in services.views.menu.keyboard.inline_keyboard for b in row]  # type: ignore[union-attr]
    assert not any("🌐" in b for b in buttons)
    assert services.in_language("ru") is services


def test_search_words_work_in_a_pseudo_language(many: Services) -> None:
    russian = many.in_language("ru")
    assert russian.search.answer(pseudo("my dad vomit blood", "ru"), 3).urgent
    found = russian.search.answer(pseudo("breast cancer spread to the liver", "ru"), 3)
    assert "breast" in [m.key for m in found.matches]


def _settings(tree: Path, root: Path) -> Settings:
    content = root / "content"
    shutil.copytree(tree.parent, content)
    locale = root / "locale"
    shutil.copytree(PROJECT_ROOT / "locale", locale)
    templates = root / "templates"
    shutil.copytree(PROJECT_ROOT / "templates", templates)
    return Settings(token="", content_dir=content / "en", languages=ALL, locale_dir=locale,
                    templates_dir=templates)


def test_check_passes_on_good_translations(tree: Path, tmp_path: Path) -> None:
    problems, summary = check_all(_settings(tree, tmp_path))
    assert problems == []
    assert "languages checked: en, ru, zh-Hans" in summary
    # The pseudo-Chinese section names use characters the shipped Chinese font subset lacks:
    # the admins' chart would draw them as boxes, which check says (a warning).
    warnings = [line for line in summary.splitlines() if "warning" in line]
    assert warnings == [line for line in warnings if "[zh-Hans] /stats chart" in line]


def test_stale_translation_is_a_warning_and_a_line_on_the_page(tree: Path,
                                                               tmp_path: Path) -> None:
    settings = _settings(tree, tmp_path)
    english = settings.content_dir / "breast.md"
    english.write_text(english.read_text("utf-8") + "\nOne more English sentence.\n", "utf-8")
    russian = settings.content_dir.parent / "ru" / "breast.md"
    russian.write_text(russian.read_text("utf-8") + "\n" + pseudo("One more English sentence.",
                                                                  "ru") + "\n", "utf-8")
    problems, summary = check_all(settings)
    assert problems == []
    assert "warning: ru/breast.md: the English has changed since this translation" in summary
    page = build_services(settings).in_language("ru").views.section("breast")
    assert page is not None
    assert "Английский текст изменился после этого перевода." in page.html


@pytest.mark.parametrize(("edit", "expected"), [
    (lambda t: t.replace("5-", "6-"), "numbers differ from English"),
    (lambda t: t + "\nThis paragraph was left in English by mistake.\n", "left in English"),
    (lambda t: t + "\nМетотрексат.\n", "names methotrexate"),
    (lambda t: t + "\n[Источник](https://example.org/other)\n", "links differ"),
    (lambda t: t.replace("id: breast", "id: breast\ncommand: grudnoj", 1),
     "'command' comes from English"),
    (lambda t: t.replace("notes:\n", "notes:\n- " + pseudo("An extra note.", "ru") + "\n", 1),
     "notes, English has"),
])
def test_check_fails_when_a_translation_drifts(tree: Path, tmp_path: Path, edit: object,
                                               expected: str) -> None:
    content = tmp_path / "content"
    shutil.copytree(tree.parent, content)
    path = content / "ru" / "breast.md"
    path.write_text(edit(path.read_text("utf-8")), "utf-8")  # type: ignore[operator]
    english = load_content(content / "en")
    try:
        problems, _ = parity.compare(english, load_translation(english, content / "ru"), "ru")
    except ContentError as exc:  # what the loader refuses, check reports as one problem
        problems = [str(exc)]
    assert any(expected in p for p in problems), problems


def _po(settings: Settings) -> Path:
    return settings.locale_dir / "ru" / "LC_MESSAGES" / "messages.po"


@pytest.mark.parametrize(("edit", "expected"), [
    (lambda t: t.replace('msgstr "Главное меню"', 'msgstr ""'), "no translation of"),
    (lambda t: t.replace('msgid "Main menu"', '#, fuzzy\nmsgid "Main menu"'), "fuzzy"),
    (lambda t: t.replace("Страница %(number)s из %(total)s", "Страница %(number)s"),
     "placeholders or tags differ"),
])
def test_check_fails_on_an_incomplete_catalog(tree: Path, tmp_path: Path, edit: object,
                                              expected: str) -> None:
    settings = _settings(tree, tmp_path)
    path = _po(settings)
    before = path.read_text("utf-8")
    path.write_text(edit(before), "utf-8")  # type: ignore[operator]
    assert path.read_text("utf-8") != before
    languages = load_languages(REGISTRY, ALL)
    problems = catalogs.problems(settings.templates_dir, settings.locale_dir, languages)
    assert any(expected in p for p in problems), problems
    # Only served languages must be complete.
    assert catalogs.problems(settings.templates_dir, settings.locale_dir,
                             load_languages(REGISTRY, ("en", "zh-Hans"))) == []


def test_check_fails_when_catalogs_are_out_of_date(tree: Path, tmp_path: Path) -> None:
    settings = _settings(tree, tmp_path)
    menu = settings.templates_dir / "menu.html.j2"
    menu.write_text(menu.read_text("utf-8") + '\n{{ _("A new sentence.") }}\n', "utf-8")
    for served in (ALL, ("en",)):  # out of date even where not served: run `catalogs`
        problems = catalogs.problems(settings.templates_dir, settings.locale_dir,
                                     load_languages(REGISTRY, served))
        assert sum("out of date with the templates" in p for p in problems) == 2, problems


def test_shared_cards_and_the_word_list_are_labelled_too(many: Services) -> None:
    russian = many.in_language("ru")
    label = "Машинный перевод с английского"
    cards = russian.inline.top("LiverTestBot")
    assert cards
    assert all(label in c.input_message_content.message_text  # type: ignore[attr-defined]
               for c in cards)
    words = russian.views.glossary(1)
    assert words is not None
    assert words.keyboard is not None
    english = [b for row in words.keyboard.inline_keyboard for b in row
               if b.text == "🇬🇧 Читать на английском"]
    assert [b.callback_data for b in english] == [encode("gl", "w", 1)]
    assert many.views.glossary(1) is not None
    assert not any("🇬🇧" in b.text for row in many.views.glossary(1).keyboard.inline_keyboard  # type: ignore[union-attr]
                   for b in row)
