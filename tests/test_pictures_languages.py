"""Pictures and the /stats chart per language: translated labels and captions, fonts, fallback.

Issue 14, the gaps left: a translated page shows its language's picture
(``content/<lang>/images/<name>.svg``, the same shapes as English) with a translated caption, or
the English picture with a caption saying its labels are in English. Every label must be drawable
by a shipped font (DejaVu has Cyrillic, the Noto Sans CJK SC subset the Chinese): no tofu.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
from datetime import date
from pathlib import Path

import frontmatter
import pytest
import resvg_py

from bot.app import build_application, build_services
from bot.config import PROJECT_ROOT, Settings
from bot.content.pictures import FONT_FILES, render_svg
from bot.context import Services
from bot.review import glyphs, picture_parity
from bot.review.check import check_all
from bot.usage import stats
from bot.usage.chart import chart_png, chart_svg
from bot.usage.log import UsageLog
from tests.langkit import content_tree
from tests.pngcheck import png_dimensions
from tests.recording import RecordingRequest, chat, feed, message, user

LANGS = ("ru", "zh-Hans")
CONTENT = PROJECT_ROOT / "content"
DEJAVU = tuple(p for p in FONT_FILES if "DejaVu" in p)
CJK = re.compile(r"[\u3400-\u9fff]")


@pytest.fixture(scope="module")
def real() -> Services:
    return build_services(Settings(token="", languages=("en", *LANGS)))


@pytest.mark.parametrize("lang", LANGS)
def test_translated_pages_show_their_own_picture_and_caption(real: Services, lang: str) -> None:
    english = real.pictures.for_section("spread")
    own = real.in_language(lang).pictures.for_section("spread")
    assert english is not None
    assert own is not None
    assert own.name == f"blood_routes-{lang}"  # its own Telegram file_id, not English's
    assert own.png != english.png
    assert (own.width, own.height) == (english.width, english.height)  # the same drawing
    assert own.caption != english.caption
    assert "in English" not in own.caption
    assert "английском" not in own.caption
    assert "How cancer cells" not in own.caption
    # sections sharing a picture share one rendering, as in English
    assert real.in_language(lang).pictures.for_section("spread_portal") is own


def test_chinese_labels_are_drawn_with_the_chinese_font() -> None:
    svg = (CONTENT / "zh-Hans" / "images" / "blood_routes.svg").read_text(encoding="utf-8")
    assert CJK.search(glyphs.svg_labels(svg))
    assert glyphs.missing(glyphs.svg_labels(svg)) == []  # every glyph in a shipped font's cmap
    assert glyphs.missing("肝脏", DEJAVU) == ["肝", "脏"]  # DejaVu alone would draw tofu
    with_cjk = render_svg(svg)
    without = bytes(resvg_py.svg_to_bytes(
        svg_string=svg, width=1000, background="#ffffff", skip_system_fonts=True,
        font_files=list(DEJAVU), font_family="DejaVu Sans", sans_serif_family="DejaVu Sans"))
    assert with_cjk != without  # the subset is what draws the labels


def test_every_label_of_every_language_has_a_glyph(real: Services) -> None:
    texts = glyphs.drawn_text(real)
    assert any(CJK.search(t) for w, t in texts.items() if w.startswith("[zh-Hans] /stats"))
    assert glyphs.problems(real) == ([], [])


def test_the_real_translated_svgs_have_the_english_shapes(real: Services) -> None:
    for lang in LANGS:
        problems, warnings = picture_parity.compare(real, real.in_language(lang))
        assert problems == []
        assert warnings == []


def test_a_translated_svg_must_keep_the_shapes_and_be_in_its_language(tmp_path: Path) -> None:
    english = CONTENT / "en" / "images" / "blood_routes.svg"
    source = (CONTENT / "ru" / "images" / "blood_routes.svg").read_text(encoding="utf-8")
    folder = tmp_path / "ru" / "images"
    folder.mkdir(parents=True)
    mine = folder / "blood_routes.svg"
    cyrillic = re.compile(r"[\u0400-\u04FF]")
    mine.write_text(source, encoding="utf-8")
    assert picture_parity.svg_problems(english, mine, cyrillic) == []
    mine.write_text(source.replace('r="9"', 'r="12"', 1), encoding="utf-8")  # a moved shape
    assert "differs from English" in picture_parity.svg_problems(english, mine, cyrillic)[0]
    mine.write_text(source.replace("Сердце", "Heart"), encoding="utf-8")  # left in English
    assert "'Heart' is not in the language's script" in " ".join(
        picture_parity.svg_problems(english, mine, cyrillic))
    mine.write_text(source.replace('font-size="36"', 'font-size="30"'), encoding="utf-8")
    assert picture_parity.svg_problems(english, mine, cyrillic) == []  # a label's size may
    (folder / "extra.svg").write_text(source, encoding="utf-8")
    assert "no English picture" in picture_parity.svg_problems(
        CONTENT / "en" / "images" / "extra.svg", folder / "extra.svg", cyrillic)[0]


def test_without_its_own_picture_the_english_one_says_its_labels_are_english(
        tmp_path: Path) -> None:
    english_dir = content_tree(tmp_path)
    for lang in LANGS:  # neither the translated pictures nor captions
        shutil.rmtree(tmp_path / "content" / lang / "images")
        for page in (tmp_path / "content" / lang).glob("*.md"):
            post = frontmatter.load(str(page))
            if post.metadata.pop("picture", None) is not None:
                page.write_text(frontmatter.dumps(post) + "\n", encoding="utf-8")
    settings = Settings(token="", languages=("en", *LANGS), content_dir=english_dir)
    services = build_services(settings)
    source = services.pictures.for_section("overview")
    shown = services.in_language("ru").pictures.for_section("overview")
    assert source is not None
    assert shown is not None
    assert shown.png == source.png
    assert shown.name == source.name
    assert "Этот рисунок и подпись к нему на английском" in shown.caption
    # a translated caption, still the English picture
    page = tmp_path / "content" / "ru" / "overview.md"
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("\ntranslation:", '\npicture:\n  caption: "Печень 1"'
                                 "\ntranslation:", 1), encoding="utf-8")
    shown = build_services(settings).in_language("ru").pictures.for_section("overview")
    assert shown is not None
    assert "Печень 1" in shown.caption
    assert "Надписи на этом рисунке на английском" in shown.caption
    problems, summary = check_all(settings)
    assert "ru/overview.md: the picture caption's numbers differ from English" in problems
    assert "liver_position.svg has no ru labels" in summary  # a warning, not a failure
    # with its own picture, the labels are translated and the note goes
    shutil.copytree(CONTENT / "ru" / "images", tmp_path / "content" / "ru" / "images")
    shown = build_services(settings).in_language("ru").pictures.for_section("overview")
    assert shown is not None
    assert shown.name == "liver_position-ru"
    assert "английском" not in shown.caption


def test_a_translated_picture_carries_only_its_caption(tmp_path: Path) -> None:
    english_dir = content_tree(tmp_path, ("ru",))
    page = tmp_path / "content" / "ru" / "overview.md"
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("\ntranslation:", "\npicture:\n  file: images/x.svg\n"
                                 '  caption: "Печень"\ntranslation:', 1), encoding="utf-8")
    problems, _ = check_all(Settings(token="", languages=("en", "ru"), content_dir=english_dir))
    assert any("carries only its 'caption'" in p for p in problems)


def _report() -> stats.Report:
    return stats.Report(date(2026, 12, 1), date(2026, 12, 7), total=42,
                        per_day=(1, 2, 3, 10, 6, 10, 10), people=(1,) * 7,
                        sections=(("colorectal", 20), ("breast", 12)),
                        kinds=(("command", 30), ("search", 12)),
                        chat_types=(("private", 42),), languages=(("ru", 40),))


def test_stats_in_the_admins_language(real: Services) -> None:
    english = stats.render(real.renderer, _report())
    russian = stats.render(real.in_language("ru").renderer, _report())
    chinese = stats.render(real.in_language("zh-Hans").renderer, _report())
    assert "Usage, last 7 days" in english
    assert "Использование за последние 7 дней" in russian  # the plural form for 7
    assert "<b>Чаще всего читали</b>" in russian
    assert "команды 30" in russian
    assert "最近 7 天的使用情况" in chinese
    assert "<b>最常阅读</b>" in chinese
    one_day = stats.Report(date(2026, 12, 1), date(2026, 12, 1), total=5, per_day=(5,))
    assert "за последний 1 день" in stats.render(real.in_language("ru").renderer, one_day)
    for text in (russian, chinese):
        assert "Usage" not in text
        assert "Most read" not in text
        assert real.in_language("ru").content.sections["colorectal"].label in russian


def test_the_chart_in_the_admins_language(real: Services) -> None:
    pngs = {}
    for lang in ("en", *LANGS):
        renderer = real.in_language(lang).renderer
        svg = chart_svg(renderer, _report())
        assert glyphs.missing(glyphs.svg_labels(svg)) == []
        pngs[lang] = chart_png(renderer, _report())
        assert png_dimensions(pngs[lang])[0] == 1000
    assert "Обращений в день" in chart_svg(real.in_language("ru").renderer, _report())
    zh = chart_svg(real.in_language("zh-Hans").renderer, _report())
    assert "每天的互动" in zh
    assert "12月1日" in zh
    assert len(set(pngs.values())) == 3


async def test_the_admin_gets_stats_in_the_language_of_their_app(real: Services,
                                                                 tmp_path: Path) -> None:
    """Negotiated as any update (``language_code``); nothing about the admin is stored."""
    settings = Settings(token="123:abc", db_path=tmp_path / "usage.sqlite3",
                        admin_ids=frozenset({999}), languages=("en", *LANGS))
    request = RecordingRequest()
    usage = UsageLog.from_settings(settings)
    services = dataclasses.replace(real, settings=settings, usage=usage)
    application = build_application(settings, request=request, services=services)
    async with application:
        await application.post_init(application)  # type: ignore[misc]
        try:
            for i in range(12):
                usage.record("command", "colorectal", chat_type="private", language="ru",
                             user_id=i)
            for code, words in (("ru-RU", "Чаще всего читали"), ("zh-CN", "最常阅读"),
                                ("en-GB", "Most read")):
                await feed(application, message("/stats", chat_=chat(999),
                                                extra={"from": user(999, code)}))
                text = request.sent("sendMessage")[-1].params["text"]
                assert words in text
                caption = request.sent("sendPhoto")[-1].params["caption"]
                assert ("most-read" in caption) == (code == "en-GB")
        finally:
            await application.post_shutdown(application)  # type: ignore[misc]
