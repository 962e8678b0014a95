"""``python -m bot preview``: every page present, every link resolving, text exactly as sent."""

from __future__ import annotations

import html
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bot.app import build_services
from bot.config import PROJECT_ROOT, Settings
from bot.content.markdown import visible_text
from bot.context import Services
from bot.review.preview import build_preview
from bot.review.readability import measure
from tests.consoleproc import HANG_GUARD, console_env


class Page(HTMLParser):
    """The ids, links, stylesheet and button texts of one HTML file."""

    def __init__(self, path: Path) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.buttons: list[tuple[str, str | None]] = []  # (text, href) of keyboard buttons
        self._button: list[str] | None = None
        self._href: str | None = None
        self._depth = 0  # tags open inside the current button
        self.feed(path.read_text(encoding="utf-8"))
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(str(found["id"]))
        if tag in ("a", "link") and found.get("href"):
            self.links.append(str(found["href"]))
        if self._button is not None:
            self._depth += 1
        elif "button" in (found.get("class") or "").split():
            self._button, self._href, self._depth = [], found.get("href"), 0

    def handle_endtag(self, tag: str) -> None:
        if self._button is None:
            return
        if self._depth:
            self._depth -= 1
            return
        self.buttons.append(("".join(self._button).strip(), self._href))
        self._button = None

    def handle_data(self, data: str) -> None:
        if self._button is not None:
            self._button.append(data)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The preview of the real content, built once for this module."""
    out = tmp_path_factory.mktemp("preview")
    build_preview(Settings(token=""), out)
    return out


def _internal_links(site: Path) -> list[tuple[Path, str]]:
    links = []
    for path in sorted(site.glob("*.html")):
        for href in Page(path).links:
            parts = urlsplit(href)
            if parts.scheme or href.startswith("//"):
                continue  # a web page (sources, links in the text) or a data: icon
            links.append((path, href))
    return links


def test_every_section_and_every_page_is_there_exactly_as_sent(site: Path,
                                                              services: Services) -> None:
    for section_id, pages in services.renderer.pages.items():
        path = site / f"section-{section_id}.html"
        text = path.read_text(encoding="utf-8")
        ids = Page(path).ids
        for page in pages:
            assert f"page-{page.number}" in ids, (section_id, page.number)
            view = services.views.section(section_id, page.number)
            assert view is not None
            assert view.html in text, (section_id, page.number)


def test_every_internal_link_and_anchor_resolves(site: Path) -> None:
    links = _internal_links(site)
    assert len(links) > 100  # buttons, index, trails: the check below really ran
    for source, href in links:
        file, _, anchor = href.partition("#")
        target = site / file if file else source
        assert target.is_file(), f"{source.name}: {href} -> missing file"
        if anchor:
            assert anchor in Page(target).ids, f"{source.name}: {href} -> missing anchor"


def test_index_lists_every_section_with_its_facts(site: Path, services: Services) -> None:
    index = site / "index.html"
    text = index.read_text(encoding="utf-8")
    links = set(Page(index).links)
    for section in services.content.walk():
        assert f"section-{section.id}.html" in links, section.id
        assert html.escape(section.title) in text, section.id
        assert f"topic-{section.id}" in Page(index).ids
        for code in section.corrections:
            assert f'<span class="code">{code}</span>' in text, (section.id, code)
        for source in section.sources:
            if source.url:
                assert f'href="{html.escape(source.url)}"' in text, (section.id, source.url)
    stats = measure(visible_text(services.views.section("overview").html))
    entry = text.split('id="topic-overview"')[1].split('id="topic-')[0]
    assert f"{stats.words} words" in entry
    assert f"reading ease {stats.ease:.0f}" in entry
    assert "Last reviewed <strong>2026-11-30</strong>" in entry


def test_buttons_link_to_the_pages_they_open(site: Path, services: Services) -> None:
    label = services.renderer.label
    buttons = dict(Page(site / "section-colorectal_surgery.html").buttons)
    assert buttons[label("back")] == "section-colorectal.html#page-1"
    assert buttons[label("main_menu")] == "screens.html#screen-menu"
    welcome = Page(site / "screens.html").buttons
    assert welcome[:len(services.content.top)] == [
        (s.label, f"section-{s.id}.html#page-1") for s in services.content.top]
    more = [href for text, href in Page(site / "glossary.html").buttons
            if text == label("glossary_more")]
    assert more[0] == "glossary.html#words-2"
    assert dict(Page(site / "section-glossary.html").buttons)["📖 Metastasis"] == (
        "glossary.html#term-metastasis")
    for path in site.glob("*.html"):
        assert "button broken" not in path.read_text(encoding="utf-8"), path.name


def test_glossary_and_fixed_screens_are_there(site: Path, services: Services) -> None:
    glossary = (site / "glossary.html").read_text(encoding="utf-8")
    for key in services.content.terms:
        view = services.views.term(key)
        assert view is not None
        assert f'id="term-{key}"' in glossary
        assert view.html in glossary, key
    screens = (site / "screens.html").read_text(encoding="utf-8")
    for name in ("welcome", "menu", "help", "privacy", "unknown", "unsupported", "edited",
                 "stale", "error", "glossary_missing"):
        assert f'id="screen-{name}"' in screens, name
    assert services.views.privacy.html in screens
    assert services.views.help.html in screens


def _content_copy(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    shutil.copytree(PROJECT_ROOT / "content" / "en", content)
    return content


def test_long_sections_show_every_page_with_working_pagination(tmp_path: Path) -> None:
    content = _content_copy(tmp_path)
    overview = content / "overview.md"
    paragraph = ("This paragraph is here to make the section long enough to need more than "
                 "one message, so the preview must show every page and link them together. ")
    overview.write_text(overview.read_text("utf-8") + ("\n\n" + paragraph * 3) * 20, "utf-8")
    settings = Settings(token="", content_dir=content)
    services = build_services(settings)
    total = len(services.renderer.pages["overview"])
    assert total >= 3
    build_preview(settings, tmp_path / "site")
    page = Page(tmp_path / "site" / "section-overview.html")
    assert {f"page-{n}" for n in range(1, total + 1)} <= page.ids
    next_links = [href for text, href in page.buttons if text == "Next ▶️"]
    assert next_links == [f"section-overview.html#page-{n}" for n in range(2, total + 1)]
    assert f"Page {total} of {total}" in (tmp_path / "site" / "section-overview.html").read_text()


def test_titles_and_text_are_escaped_in_the_site(tmp_path: Path) -> None:
    content = _content_copy(tmp_path)
    path = content / "lung.md"
    path.write_text(path.read_text("utf-8").replace(
        'title: "Lung cancer that has spread to the liver"',
        'title: "Lung <script>alert(1)</script> & liver"'), "utf-8")
    build_preview(Settings(token="", content_dir=content), tmp_path / "site")
    for file in (tmp_path / "site").glob("*.html"):
        assert "<script>" not in file.read_text("utf-8"), file.name
    assert "Lung &lt;script&gt;alert(1)&lt;/script&gt; &amp; liver" in (
        tmp_path / "site" / "index.html").read_text("utf-8")


def test_cli_writes_the_site_and_explains_a_bad_folder(tmp_path: Path) -> None:
    run = [sys.executable, "-m", "bot", "preview"]
    env = console_env(tmp_path)
    ok = subprocess.run([*run, "site"], cwd=tmp_path, env=env, capture_output=True, text=True,
                        timeout=HANG_GUARD, check=False)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip() == f"preview written: open {Path('site') / 'index.html'}"
    assert (tmp_path / "site" / "style.css").is_file()
    (tmp_path / "taken").write_text("a file, not a folder")
    bad = subprocess.run([*run, "taken"], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=HANG_GUARD, check=False)
    assert bad.returncode == 2
    assert bad.stderr.strip() == "preview error: cannot write into taken: File exists"


def test_readability_counts_lines_as_sentences() -> None:
    assert measure("").words == 0
    listed = measure("Things to check\n• your skin colour\n• your weight")
    punctuated = measure("Things to check. Your skin colour. Your weight.")
    assert listed == punctuated
    assert listed.words == 8
    easy = measure("The liver is big. It cleans the blood. You need it.")
    hard = measure("Hepatocellular carcinoma necessitates multidisciplinary evaluation "
                   "incorporating radiological characterisation and histopathological "
                   "confirmation whenever diagnostic uncertainty persists.")
    assert easy.ease > 80 > 30 > hard.ease
    assert easy.grade < hard.grade
    assert visible_text("<b>A</b> &amp; <a href='https://x'>b</a>") == "A & b"


def test_section_pages_show_their_picture_and_grades(site: Path, services: Services) -> None:
    page = (site / "section-spread_portal.html").read_text(encoding="utf-8")
    picture = services.pictures.for_section("spread_portal")
    assert picture is not None
    assert f'<img src="images/{picture.name}.png" width="{picture.width}"' in page
    assert (site / "images" / f"{picture.name}.png").read_bytes() == picture.png
    assert "Drawn by the bot&#39;s editors" in page or "Drawn by the bot's editors" in page
    assert page.index('id="picture"') < page.index('id="page-1"')  # sent before the text
    assert '"In short" grade' in page
    assert "<img" not in (site / "section-colorectal.html").read_text(encoding="utf-8")
